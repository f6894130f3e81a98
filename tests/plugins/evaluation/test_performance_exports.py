"""Team performance per round from the records; the .docx and .xlsx exports."""

from __future__ import annotations

import io
from datetime import timedelta

from docx import Document
from openpyxl import load_workbook

from core.clock import Clock
from core.db import Database
from core.inspection.tables import Clue, Finding, Inspection, InspectionLog
from tests.conftest import ActingClient
from tests.inspection.helpers import Client, ok
from tests.plugins.evaluation.helpers import COUNTY, api, create, page, seeded, sign_off


async def test_team_performance_counts_the_records_of_the_round(
        client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    ids = await seeded(database, tenant_ids)
    session = database.tenant(tenant_ids[COUNTY])
    await session.insert(Finding, [{
        "inspection_id": ids["inspection_id"], "org_id": ids["org_id"],
        "category": "political", "title": "立行立改的问题", "source": "interview",
        "recorded_by": "test", "fix_now": True}])
    await session.update(Clue, {"id": ids["clue_id"]}, {
        "status": "concluded", "receiving_body": "discipline", "outcome": "给予党内警告处分"})
    due = Clock().today() - timedelta(days=20)
    await session.update(Inspection, {"id": ids["inspection_id"]}, {"report_due": due})
    await session.insert(InspectionLog, [{
        "inspection_id": ids["inspection_id"], "kind": "report", "from_value": "drafted",
        "to_value": "leader_signed", "actor": "test"}])  # signed today: after the due day
    found = ok(await client.get(api(COUNTY, f"rounds/{ids['round_id']}/performance")))
    (team,) = found["teams"]
    assert (team["findings"], team["fix_now"], team["clues"], team["clues_referred"]) == (
        2, 1, 1, 1)
    assert team["by_area"] == {"政治建设": 2}
    assert [o["outcome"] for o in team["outcomes"]] == ["给予党内警告处分"]
    assert team["clues_by_status"] == {"已办结": 1}
    assert (team["papers"], team["papers_revised"], team["report_on_time"]) == (1, 1, False)
    assert found["totals"]["reports_late"] == 1
    shown = await client.get(page(COUNTY, "performance"), params={"round_id": ids["round_id"]})
    assert shown.status_code == 200 and "巡察组工作成效" in shown.text and "超期" in shown.text
    missing = await client.get(api(COUNTY, "rounds/999999/performance"))
    assert missing.status_code == 404 and "巡察轮次不存在" in missing.text


async def test_the_form_notice_and_score_table_export_what_was_scored(
        client: Client, database: Database, tenant_ids: dict[str, int],
        signer: ActingClient) -> None:
    ids = await seeded(database, tenant_ids, submitted_late_by=9)
    made = await create(client, ids)
    url = api(COUNTY, f"evaluations/{made['id']}")
    early = await client.get(f"{url}/notice.docx")
    assert early.status_code == 404 and "尚未签发" in early.text
    await sign_off(client, signer, made["id"])
    form = await client.get(f"{url}/form.docx")
    assert form.status_code == 200 and "filename*=UTF-8''" in form.headers["content-disposition"]
    text = "\n".join(c.text for t in Document(io.BytesIO(form.content)).tables
                     for row in t.rows for c in row.cells)
    assert "整改报告未按期报送" in text and "（系统预填）" in text
    assert "群众满意度测评结果偏低" in text
    notice = await client.get(f"{url}/notice.docx")
    paragraphs = "\n".join(p.text for p in Document(io.BytesIO(notice.content)).paragraphs)
    assert "总分 92 分" in paragraphs and "评估等次为“好”" in paragraphs
    table = await client.get(api(COUNTY, "scores.xlsx"),
                             params={"inspection_id": ids["inspection_id"]})
    sheet = load_workbook(io.BytesIO(table.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("巡察任务", "被巡察单位", "整改组织领导（15）")
    assert rows[2][1] == "甲一县财政局" and rows[2][-3:] == (92, "好", "已签发")
    assert (await client.get(api(COUNTY, "scores.xlsx"), params={"inspection_id": 999999})
            ).status_code == 404
