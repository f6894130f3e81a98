"""The ``evaluated`` stage gate (``xuncha_stage_check``) and the evaluation pages."""

from __future__ import annotations

from typing import Any

from core.db import Database
from plugins.evaluation.tables import UnitEvaluation
from tests.conftest import ActingClient
from tests.inspection.helpers import Client, ok
from tests.plugins.evaluation.helpers import COUNTY, create, page, seeded

STAGE = "/t/{}/api/inspections/{}/stage"


async def test_evaluated_needs_a_signed_off_evaluation_of_every_unit(
        client: Client, database: Database, tenant_ids: dict[str, int],
        signer: ActingClient) -> None:
    ids = await seeded(database, tenant_ids)
    url = STAGE.format(COUNTY, ids["inspection_id"])
    refused = await client.post(url, json={"to": "evaluated"})
    assert refused.status_code == 409, refused.text
    assert "尚无经审核签发的整改评估：甲一县财政局" in refused.json()["errors"][0]["message"]
    made = await create(client, ids)
    ok(await client.post(f"/t/{COUNTY}/api/evaluation/evaluations/{made['id']}/submit"))
    still = await client.post(url, json={"to": "evaluated"})
    assert still.status_code == 409 and "甲一县财政局" in still.text
    ok(await signer.post(f"/t/{COUNTY}/api/evaluation/evaluations/{made['id']}/sign"))
    moved = ok(await client.post(url, json={"to": "evaluated"}))
    assert moved["stage"] == "evaluated"


async def test_other_moves_are_not_asked_about_evaluations(
        client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    ids = await seeded(database, tenant_ids, stage="disclosed")
    moved = ok(await client.post(STAGE.format(COUNTY, ids["inspection_id"]),
                                 json={"to": "sustained"}))
    assert moved["stage"] == "sustained"


async def test_the_pages_take_an_evaluation_from_start_to_sign_off(
        client: Client, database: Database, tenant_ids: dict[str, int],
        signer: ActingClient) -> None:
    ids = await seeded(database, tenant_ids, submitted_late_by=3)

    async def post(url: str, data: dict[str, str]) -> Any:
        return await client.post(url, data=data, follow_redirects=False)

    index = await client.get(page(COUNTY))
    assert index.status_code == 200 and "建立整改评估" in index.text
    target = f"{ids['inspection_id']}:{ids['org_id']}"
    assert f'<option value="{target}">' in index.text  # the unit may be chosen
    bad = await post(page(COUNTY), {"target": "x:y"})
    assert bad.status_code == 400 and "请选择被巡察单位" in bad.text
    made = await post(page(COUNTY), {"target": target, "group_members": "张三"})
    assert made.status_code == 303, made.text
    form_url = made.headers["location"].split("?")[0]
    listed = await client.get(page(COUNTY))  # the unit's row links its evaluation form
    assert f'href="{form_url}"' in listed.text and f'<option value="{target}">' not in listed.text
    form = await client.get(made.headers["location"])
    assert "系统预填" in form.text and "整改报告应于" in form.text
    assert "1 项整改事项超过时限未完成" in form.text
    number = await post(f"{form_url}/deductions", {
        "points.tasks_funds": "三", "evidence.tasks_funds": "未追缴"})
    assert number.status_code == 400 and "应为数字" in number.text
    saved = await post(f"{form_url}/deductions", {
        "points.tasks_overdue": "2", "evidence.tasks_overdue": "台账超期",
        "points.tasks_funds": "4", "evidence.tasks_funds": "违规资金未追缴",
        "group_members": "张三、李四"})
    assert saved.status_code == 303, saved.text
    evaluation_id = int(form_url.rsplit("/", 1)[1])
    row = await database.tenant(tenant_ids[COUNTY]).get(UnitEvaluation, evaluation_id)
    assert row is not None and float(row["total"]) == 94.0
    assert {d["item"] for d in row["deductions"]} == {"tasks_overdue", "tasks_funds"}
    assert (await post(f"{form_url}/submit", {})).status_code == 303
    own = await post(f"{form_url}/sign", {})
    assert own.status_code == 409 and "评分人不能签发" in own.text
    ok(await signer.post(f"/t/{COUNTY}/api/evaluation/evaluations/{evaluation_id}/sign"))
    shown = await client.get(form_url)
    assert "已签发" in shown.text and "下载结果通知" in shown.text
