"""The report section of the inspection page: report steps in order, feedback with its record.

Forms post as a browser would (URL-encoded), with htmx and without; a refusal
answers its 4xx with the Chinese reason beside the field and changes nothing.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.inspection.tables import Inspection, InspectionLog, WorkingPaper
from tests.inspection.seed import seed_inspection

Client = AsyncTestClient[Litestar]
T = "ta.one"
HTMX = {"HX-Request": "true"}
HTML = {"Accept": "text/html"}
_years = itertools.count(2300)


async def _seed(database: Database, tenant_ids: dict[str, int], marker: str, stage: str,
                tenant: str = T) -> dict[str, Any]:
    return await seed_inspection(database, tenant_ids[tenant], marker, stage=stage,
                                 year=next(_years))


async def _inspection(database: Database, tenant_id: int, iid: int) -> dict[str, Any]:
    row = await database.tenant(tenant_id).get(Inspection, iid)
    assert row is not None
    return row


def beside(html: str, field: str, message: str) -> bool:
    """Whether ``message`` is shown as the error of form field ``field``."""
    return re.search(rf'id="f-{field}".*?<small class="field-error" id="e-{field}">'
                     rf"{re.escape(message)}</small>", html, re.S) is not None


async def test_the_report_goes_step_by_step_to_the_secretary_meeting(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await _seed(database, tenant_ids, "报步", "reporting")
    tid, iid = tenant_ids[T], seeded["inspection_id"]
    page = f"/t/{T}/inspections/{iid}"
    url = f"{page}/report"
    html = (await client.get(page)).text
    assert '<section id="report"' in html and "记录“起草完成”" in html
    assert 'name="step" value="drafted"' in html and 'id="f-report-title"' in html
    # the next stage waits for the report and the papers: shown before submit
    assert "转入“审议报告”：尚缺" in html and "还有 1 份问题底稿未经组长签字" in html
    assert "巡察报告尚未经书记专题会审议（当前：未起草）" in html
    # drafting without a title: 400 beside the title, nothing recorded (htmx: the section)
    refused = await client.post(url, data={"step": "drafted", "remark": "初稿"}, headers=HTMX)
    assert refused.status_code == 400 and "<html" not in refused.text
    assert refused.text.lstrip().startswith('<section id="report"')
    assert beside(refused.text, "report-title", "起草报告须填写报告标题")
    assert "初稿" in refused.text  # what was typed is kept
    plain = await client.post(url, data={"step": "drafted"}, headers=HTML)
    assert plain.status_code == 400 and "<html" in plain.text
    assert beside(plain.text, "report-title", "起草报告须填写报告标题")
    long = await client.post(url, data={"step": "drafted", "title": "长" * 201}, headers=HTMX)
    assert long.status_code == 400 and beside(long.text, "report-title", "长度不能超过 200 个字符")
    unknown = await client.post(url, data={"step": "drafted", "title": "x", "who": "y"},
                                headers=HTMX)
    assert unknown.status_code == 400 and "表单包含未知字段" in unknown.text
    row = await _inspection(database, tid, iid)
    assert row["report_step"] == "none" and row["report_title"] == ""
    # drafted with htmx: HX-Redirect back to the section
    drafted = await client.post(url, data={"step": "drafted", "title": "关于报步的巡察报告",
                                           "summary": "报告摘要", "remark": "起草组完成"},
                                headers=HTMX)
    assert drafted.status_code == 200 and drafted.headers["HX-Redirect"] == f"{page}#report"
    row = await _inspection(database, tid, iid)
    assert row["report_step"] == "drafted" and row["report_title"] == "关于报步的巡察报告"
    assert row["report_summary"] == "报告摘要"
    # out of order: 409 with the step that is due, nothing recorded
    skipped = await client.post(url, data={"step": "leader_signed"}, headers=HTMX)
    assert skipped.status_code == 409
    assert "报告当前为“起草完成”，下一步应为“巡察组集体讨论”" in skipped.text
    assert (await _inspection(database, tid, iid))["report_step"] == "drafted"
    bad = await client.post(url, data={"step": "nowhere"}, headers=HTMX)
    assert bad.status_code == 400 and "取值无效" in bad.text
    # the remaining steps as plain forms: 303 to the section each time
    for step in ("team_discussed", "leader_signed", "office_reviewed", "leading_group_heard",
                 "secretary_meeting_heard"):
        html = (await client.get(page)).text
        assert f'name="step" value="{step}"' in html
        moved = await client.post(url, data={"step": step, "remark": f"{step}意见"},
                                  follow_redirects=False)
        assert moved.status_code == 303 and moved.headers["location"] == f"{page}#report"
    row = await _inspection(database, tid, iid)
    assert row["report_step"] == "secretary_meeting_heard"
    logs = await database.tenant(tid).list(InspectionLog, {"inspection_id": iid,
                                                           "kind": "report"})
    assert [r["to_value"] for r in logs][-2:] == ["leading_group_heard",
                                                   "secretary_meeting_heard"]
    html = (await client.get(page)).text
    assert 'name="step"' not in html and "报告已经书记专题会审议" in html
    assert "巡察报告尚未经书记专题会审议" not in html
    await database.tenant(tid).update(WorkingPaper, {"inspection_id": iid}, {"status": "signed"})
    assert "转入“审议报告”：条件已具备" in (await client.get(page)).text


async def test_report_steps_only_while_reporting(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await _seed(database, tenant_ids, "报外", "onsite")
    tid, iid = tenant_ids[T], seeded["inspection_id"]
    html = (await client.get(f"/t/{T}/inspections/{iid}")).text
    assert 'name="step"' not in html and "巡察报告在“形成报告”环节起草和报审" in html
    refused = await client.post(f"/t/{T}/inspections/{iid}/report",
                                data={"step": "drafted", "title": "过早的报告"}, headers=HTMX)
    assert refused.status_code == 409
    assert "不能办理巡察报告（仅限“形成报告”环节）" in refused.text
    assert (await _inspection(database, tid, iid))["report_step"] == "none"


async def test_feedback_is_the_stage_move_with_its_record(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await _seed(database, tenant_ids, "报馈", "reviewed")
    tid, iid = tenant_ids[T], seeded["inspection_id"]
    page = f"/t/{T}/inspections/{iid}"
    html = (await client.get(page)).text
    assert "记录反馈，转入“反馈意见”环节" in html and 'name="to" value="feedback"' in html
    # the way back to reporting is labelled as a return, and only here
    assert "退回“形成报告”（报告须修改）" in html
    moved = await client.post(f"{page}/stage", data={
        "to": "feedback", "remark": "向班子及主要负责人反馈，书记主持"}, follow_redirects=False)
    assert moved.status_code == 303
    row = await _inspection(database, tid, iid)
    today = app.state.runtime.clock.today()
    assert row["stage"] == "feedback" and row["feedback_on"] == today
    assert row["rectification_report_due"] is not None
    html = (await client.get(page)).text
    assert "向班子及主要负责人反馈，书记主持" in html and "记录反馈" not in html
    assert f"<dd>{today}</dd>" in html and "整改报告报送期限" in html


async def test_after_withdrawal_reporting_is_offered_as_a_move_forward(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await _seed(database, tenant_ids, "报撤", "withdrawn")
    html = (await client.get(f"/t/{T}/inspections/{seeded['inspection_id']}")).text
    assert '<option value="reporting">转入“形成报告”</option>' in html and "退回" not in html
    assert "转入“形成报告”：条件已具备" in html


async def test_report_form_of_another_tenant_is_404(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    other = await _seed(database, tenant_ids, "报乙", "reporting", tenant="tb")
    for headers in (HTMX, HTML):
        response = await client.post(f"/t/{T}/inspections/{other['inspection_id']}/report",
                                     data={"step": "drafted", "title": "越权"}, headers=headers)
        assert response.status_code == 404
        assert not any(s in response.text for s in other["texts"])
    row = await _inspection(database, tenant_ids["tb"], other["inspection_id"])
    assert row["report_step"] == "none"


async def test_the_report_form_is_shown_to_who_may_take_the_step(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    from tests.authz.conftest import new_actor

    seeded = await _seed(database, tenant_ids, "报谁", "reporting")
    page = f"/t/{T}/inspections/{seeded['inspection_id']}"
    leading = await new_actor(app, client, database, tenant_ids, T, "leading_group")
    assert 'name="step" value="drafted"' in (await leading.get(page)).text  # report:write
    await database.tenant(tenant_ids[T]).update(Inspection, {"id": seeded["inspection_id"]},
                                                {"stage": "reviewed"})
    html = (await leading.get(page)).text
    assert "记录反馈，转入“反馈意见”环节" not in html  # no inspection:advance
    assert "记录反馈，转入“反馈意见”环节" in (await client.get(page)).text
