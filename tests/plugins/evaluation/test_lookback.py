"""Lookback (回头看): candidates from grades and open ledger items, the linked lookback
inspection, and the earlier open items beside its new findings."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from core.db import Database
from core.inspection.tables import Finding, Inspection, RectificationItem
from plugins.evaluation.tables import LookbackLink
from tests.conftest import ActingClient, acting_as
from tests.inspection.helpers import Client, ok
from tests.plugins.evaluation.helpers import COUNTY, api, create, page, seeded, sign_off


async def _poor(client: Client, signer: ActingClient, ids: dict[str, Any]) -> dict[str, Any]:
    """A signed-off evaluation graded 差 (45 points taken)."""
    made = await create(client, ids)
    heavy = [("tasks_perfunctory", 15), ("tasks_systems", 10), ("tasks_recurrence", 10),
             ("tasks_clues", 10)]
    ok(await client.post(api(COUNTY, f"evaluations/{made['id']}/deductions"), json={
        "deductions": [{"item": i, "points": p, "evidence": "评估组核查"} for i, p in heavy],
        "group_members": "张三"}))
    return await sign_off(client, signer, made["id"])


async def test_candidates_come_from_grades_and_open_items_and_a_lookback_links_back(
        app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int],
        signer: ActingClient) -> None:
    session = database.tenant(tenant_ids[COUNTY])
    poor_ids = await seeded(database, tenant_ids)
    signed = await _poor(client, signer, poor_ids)
    assert signed["grade_label"] == "差"
    clean = await seeded(database, tenant_ids)
    await session.update(RectificationItem, {"inspection_id": clean["inspection_id"]},
                         {"status": "closed"})
    found = {c["earlier_id"]: c for c in ok(await client.get(api(COUNTY, "lookback/candidates")))}
    assert clean["inspection_id"] not in found
    reasons = found[poor_ids["inspection_id"]]["reasons"]
    assert any("“差”（55 分）" in r for r in reasons), reasons
    assert any("1 项整改事项未销号" in r for r in reasons), reasons
    staff, _ = await acting_as(app, client, database, "leading_group", COUNTY)
    body = {"earlier_id": poor_ids["inspection_id"], "round_id": poor_ids["round_id"]}
    assert (await staff.post(api(COUNTY, "lookback"), json=body)).status_code == 403
    refused = await client.post(api(COUNTY, "lookback"), json={
        **body, "earlier_id": clean["inspection_id"]})
    assert refused.status_code == 409 and "不是“回头看”对象" in refused.text
    made = ok(await client.post(api(COUNTY, "lookback"), json=body), 201)
    new = await session.get(Inspection, made["inspection_id"])
    assert new is not None and new["kind"] == "lookback" and "回头看" in new["title"]
    assert await session.count(LookbackLink, {"inspection_id": made["inspection_id"],
                                              "earlier_id": poor_ids["inspection_id"]}) == 1
    again = await client.post(api(COUNTY, "lookback"), json=body)
    assert again.status_code == 409 and "已建立" in again.text
    await session.insert(Finding, [{
        "inspection_id": made["inspection_id"], "org_id": poor_ids["org_id"],
        "category": "political", "title": "回头看新发现的问题", "source": "interview",
        "recorded_by": "test", "fix_now": True}])
    side = ok(await client.get(api(COUNTY, f"lookback/{made['inspection_id']}")))
    (unit,) = side["units"]
    assert [i["id"] for i in unit["earlier_items"]] == [poor_ids["item_id"]]
    assert [f["title"] for f in unit["new_findings"]] == ["回头看新发现的问题"]
    shown = await client.get(page(COUNTY, f"lookback/{made['inspection_id']}"))
    assert shown.status_code == 200
    assert "上次巡察未销号的整改事项（1）" in shown.text and "回头看新发现的问题" in shown.text
    assert (await client.get(api(COUNTY, f"lookback/{poor_ids['inspection_id']}"))
            ).status_code == 404
    listed = await client.get(page(COUNTY, "lookback"))
    assert listed.status_code == 200 and "查看对照" in listed.text


async def test_the_lookback_form_creates_and_refuses_in_chinese(
        client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    ids = await seeded(database, tenant_ids)
    url = page(COUNTY, "lookback")
    bad = await client.post(url, data={"earlier_id": str(ids["inspection_id"]),
                                       "round_id": "999999"}, follow_redirects=False)
    assert bad.status_code == 400 and "巡察轮次不存在" in bad.text
    made = await client.post(url, data={"earlier_id": str(ids["inspection_id"]),
                                        "round_id": str(ids["round_id"])},
                             follow_redirects=False)
    assert made.status_code == 303 and "/evaluation/lookback/" in made.headers["location"]
