"""Unit rectification evaluation through the API: pre-fill, deductions, scorer and
sign-off, the timing window and grade settings (shared app, both backends)."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from core.db import Database
from plugins.evaluation.tables import UnitEvaluation
from tests.conftest import ActingClient, acting_as
from tests.inspection.helpers import Client, ok
from tests.plugins.evaluation.helpers import COUNTY, api, create, seeded, sign_off


async def test_the_core_declares_20_deduction_items_in_four_indicators(client: Client) -> None:
    body = ok(await client.get(f"/t/{COUNTY}/api/evaluation/indicators"))
    unit, office = body["subjects"]
    assert (unit["scope"], unit["subject"], office["scope"]) == ("unit", "unit", "office")
    assert [(i["code"], i["weight"], len(i["deductions"])) for i in unit["indicators"]] == [
        ("rectification_leadership", 15.0, 4), ("rectification_responsibility", 15.0, 5),
        ("rectification_tasks", 60.0, 8), ("public_satisfaction", 10.0, 3)]
    # the plugin's office indicators (scope "office") make their own 100 points
    assert office["label"] == "上级对巡察机构巡察工作的评估（巡察组工作成效）"
    assert office["total"] == 100.0 and office["balanced"] and body["message"] is None
    assert {i["plugin"] for i in office["indicators"]} == {"evaluation"}


async def test_creating_prefills_what_the_records_justify_and_says_why(
        client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    ids = await seeded(database, tenant_ids, submitted_late_by=9)
    made = await create(client, ids)
    taken = {d["item"]: d for d in made["deductions"]}
    assert set(taken) == {"tasks_overdue", "tasks_open", "responsibility_report_late"}
    assert (taken["tasks_overdue"]["points"], taken["tasks_open"]["points"],
            taken["responsibility_report_late"]["points"]) == (2.0, 1.0, 5.0)
    assert all(d["prefilled"] for d in taken.values())
    reasons = " ".join(p["reason"] for p in made["prefilled"])
    assert "1 项整改事项超过时限未完成" in reasons and "1 项整改事项尚未销号" in reasons
    assert "实际" in taken["responsibility_report_late"]["evidence"]
    assert (made["total"], made["grade_label"], made["status"]) == (92.0, "好", "draft")
    parts = {i["code"]: i["score"] for i in made["indicators"]}
    assert parts == {"rectification_leadership": 15.0, "rectification_responsibility": 10.0,
                     "rectification_tasks": 57.0, "public_satisfaction": 10.0}
    again = await client.post(api(COUNTY, "evaluations"), json={
        "inspection_id": ids["inspection_id"], "org_id": ids["org_id"]})
    assert again.status_code == 409 and "已经建立" in again.json()["errors"][0]["message"]


async def test_too_early_or_wrong_units_are_refused_in_chinese(
        client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    early = await seeded(database, tenant_ids, stage="rectifying")
    body = {"inspection_id": early["inspection_id"], "org_id": early["org_id"]}
    refused = await client.post(api(COUNTY, "evaluations"), json=body)
    assert refused.status_code == 409 and "整改报告" in refused.text
    missing = await seeded(database, tenant_ids, report_in=False)
    refused = await client.post(api(COUNTY, "evaluations"), json={
        "inspection_id": missing["inspection_id"], "org_id": missing["org_id"]})
    assert refused.status_code == 409 and "尚未报送整改报告" in refused.text
    other = await client.post(api(COUNTY, "evaluations"), json={
        "inspection_id": missing["inspection_id"], "org_id": missing["org_id"] + 10_000})
    assert other.status_code == 400 and "不是本次巡察的被巡察单位" in other.text
    bad = await client.post(api(COUNTY, "evaluations"), json={"inspection_id": "x"})
    assert bad.status_code == 400 and bad.json()["message"]
    assert not await database.tenant(tenant_ids[COUNTY]).count(
        UnitEvaluation, {"inspection_id": [early["inspection_id"], missing["inspection_id"]]})


async def test_deductions_need_known_items_points_in_range_and_evidence(
        client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    made = await create(client, await seeded(database, tenant_ids))
    url = api(COUNTY, f"evaluations/{made['id']}/deductions")
    for deductions, words in (
            ([{"item": "tasks_perfunctory", "points": 16, "evidence": "查阅台账"}], "不超过 15 分"),
            ([{"item": "tasks_perfunctory", "points": 3, "evidence": " "}], "扣分依据"),
            ([{"item": "no_such_item", "points": 3, "evidence": "x"}], "不在本机构的评估指标中")):
        refused = await client.post(url, json={"deductions": deductions})
        assert refused.status_code == 400, refused.text
        assert words in refused.text
    unchanged = ok(await client.get(api(COUNTY, f"evaluations/{made['id']}")))
    assert unchanged["total"] == made["total"] and unchanged["version"] == made["version"]
    kept = [d for d in made["deductions"] if d["item"] == "tasks_overdue"]
    changed = [{"item": "tasks_open", "points": 3, "evidence": "抽查发现 3 项未销号"}]
    saved = ok(await client.post(url, json={"deductions": [
        {k: d[k] for k in ("item", "points", "evidence")} for d in kept] + changed + [
        {"item": "leadership_meeting", "points": 5, "evidence": "会议记录缺失"},
        {"item": "leadership_plan", "points": 5, "evidence": "无整改方案"},
        {"item": "leadership_first_duty", "points": 5, "evidence": "未主持整改"},
        {"item": "leadership_life_meeting", "points": 5, "evidence": "未召开"}],
        "group_members": "王五、赵六"}))
    flags = {d["item"]: d["prefilled"] for d in saved["deductions"]}
    assert flags["tasks_overdue"] is True and flags["tasks_open"] is False
    parts = {i["code"]: i["score"] for i in saved["indicators"]}
    assert parts["rectification_leadership"] == 0.0  # 20 points taken of 15: never below 0
    assert saved["total"] == 80.0 and saved["grade_label"] == "较好"  # 100 - 15 - 2 - 3


async def test_the_scorer_cannot_sign_off_a_second_person_does(
        app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int],
        signer: ActingClient) -> None:
    made = await create(client, await seeded(database, tenant_ids))
    url = api(COUNTY, f"evaluations/{made['id']}")
    too_soon = await signer.post(f"{url}/sign")
    assert too_soon.status_code == 409 and "“评分中”状态，不能审核签发" in too_soon.text
    ok(await client.post(f"{url}/submit"))
    own = await client.post(f"{url}/sign")
    assert own.status_code == 409 and "评分人不能签发" in own.text
    assert (await signer.post(f"{url}/deductions", json={"deductions": []})).status_code == 403
    back = ok(await signer.post(f"{url}/send-back", json={"reason": "证据不足"}))
    assert back["status"] == "draft"
    signed = await sign_off(client, signer, made["id"])
    assert signed["status"] == "signed" and signed["signed_by"] and signed["scored_by"]
    assert signed["signed_by"] != signed["scored_by"]
    late = await client.post(f"{url}/deductions", json={"deductions": []})
    assert late.status_code == 409 and "已签发" in late.text
    staff, _ = await acting_as(app, client, database, "office_staff", COUNTY)
    assert (await staff.post(f"{url}/sign")).status_code == 403
    nobody, _ = await acting_as(app, client, database, None, COUNTY)
    assert (await nobody.get(url)).status_code == 403


async def _settings(client: Client, tenant: str, **values: Any) -> None:
    ok(await client.patch(f"/t/{tenant}/api/settings", json={"values": values}))


async def test_settings_reweight_regrade_and_set_the_waiting_time(
        client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    tenant = "tb"
    try:
        await _settings(client, tenant, evaluation_weight_rectification_tasks=70.0)
        ids = await seeded(database, tenant_ids, tenant, submitted_late_by=9)
        refused = await client.post(api(tenant, "evaluations"), json={
            "inspection_id": ids["inspection_id"], "org_id": ids["org_id"]})
        assert refused.status_code == 400 and "权重合计为 110 分" in refused.text
        await _settings(client, tenant, evaluation_weight_public_satisfaction=0.0,
                        evaluation_grade_good=99, evaluation_earliest_days=60)
        early = await client.post(api(tenant, "evaluations"), json={
            "inspection_id": ids["inspection_id"], "org_id": ids["org_id"]})
        assert early.status_code == 409 and "满 60 天后" in early.text
        await _settings(client, tenant, evaluation_earliest_days=0)
        made = await create(client, ids, tenant)
        tasks = next(i for i in made["indicators"] if i["code"] == "rectification_tasks")
        overdue = next(i for i in tasks["items"] if i["code"] == "tasks_overdue")
        assert tasks["weight"] == 70.0 and overdue["max"] == round(20 * 70 / 60, 2)
        assert made["total"] == 100 - 5 - round(2 * 70 / 60, 2) - round(70 / 60, 2)
        assert made["grade_label"] == "较好"  # 好 now needs 99
        await _settings(client, tenant, evaluation_grade_fair=99)
        disordered = await client.get(api(tenant, f"evaluations/{made['id']}"))
        assert disordered.status_code == 400 and "依次降低" in disordered.text
    finally:
        await _settings(client, tenant, evaluation_weight_rectification_tasks=60.0,
                        evaluation_weight_public_satisfaction=10.0, evaluation_grade_good=90,
                        evaluation_grade_fair=80, evaluation_earliest_days=0)
