"""The working paper pages: write, edit, attach evidence, sign off; refusals beside their fields.

The shared ``client`` is the office head (tester), who is on no team here:
it writes and edits papers, but the sign-off is the team's (a deputy and
the leader seated by ``sign_off_team``). htmx posts get the form fragment
back with the refusal's 4xx status, plain posts the whole page.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Litestar

from core.db import Database
from core.inspection.tables import Attachment, InspectionTarget, TeamMember, WorkingPaper
from core.tenancy.tables import Org
from tests.conftest import acting_as
from tests.inspection.paper_steps import Client, audit_entries, sign_off_team, today
from tests.inspection.seed import seed_inspection
from tests.inspection.test_attachments import attachment_limit

T = "ta.one"
HTMX = {"HX-Request": "true"}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
_years = itertools.count(2400)
_ENGLISH = re.compile(r"Expected|Object missing|Validation failed|Invalid enum|required field")


async def _seed(database: Database, tenant_ids: dict[str, int], marker: str,
                stage: str = "onsite", tenant: str = T) -> dict[str, Any]:
    return await seed_inspection(database, tenant_ids[tenant], marker, stage=stage,
                                 year=next(_years))


def _field_error(html: str, field: str, text: str) -> None:
    """``text`` is shown as the refusal of ``field``, beside it."""
    match = re.search(rf'<small class="field-error" id="e-(?:paper-|finding-|clue-)?{field}">'
                      r'([^<]*)</small>', html)
    assert match is not None, (field, html[:3000])
    assert text in match[1], (field, match[1])
    assert not _ENGLISH.search(html)


def _form(app: Litestar, org_id: int, number: str, **extra: str) -> dict[str, str]:
    return {"number": number, "title": "公车私用", "paper_date": today(app, -1),
            "org_id": str(org_id), "source": "interview", "summary": "2025年多次公车私用。",
            "how_found": "个别谈话", "materials": "派车单\n\n 加油记录 \n", **extra}


async def _papers(database: Database, tenant_ids: dict[str, int], inspection_id: int
                  ) -> list[dict[str, Any]]:
    return await database.tenant(tenant_ids[T]).list(
        WorkingPaper, {"inspection_id": inspection_id}, order_by=("id",), limit=None)


async def test_a_new_paper_from_the_inspection_page(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await _seed(database, tenant_ids, "稿新")
    iid, org = seeded["inspection_id"], seeded["org_id"]
    page = (await client.get(f"/t/{T}/inspections/{iid}")).text
    assert "<summary>新建底稿</summary>" in page
    assert f'hx-post="/t/{T}/inspections/{iid}/papers"' in page
    assert f'action="/t/{T}/inspections/{iid}/papers"' in page and "个别谈话" in page
    own = await client.get(f"/t/{T}/inspections/{iid}/papers/new")
    assert own.status_code == 200 and "<h1>新建问题底稿</h1>" in own.text
    url = f"/t/{T}/inspections/{iid}/papers"
    made = await client.post(url, data=_form(app, org, "XJ-001"), headers=HTMX)
    assert made.status_code == 200 and made.headers["HX-Redirect"].startswith(f"/t/{T}/papers/")
    row = (await _papers(database, tenant_ids, iid))[-1]
    assert made.headers["HX-Redirect"] == f"/t/{T}/papers/{row['id']}"
    assert row["materials"] == ["派车单", "加油记录"] and row["author"] == "tester"
    assert row["status"] == "draft" and row["source"] == "interview"
    # The page names the author, not the login name it is recorded by.
    shown = (await client.get(made.headers["HX-Redirect"])).text
    assert "<dt>起草人</dt><dd>测试管理员</dd>" in shown and "起草：测试管理员" in shown
    assert ">tester<" not in shown and "：tester" not in shown
    plain = await client.post(url, data=_form(app, org, "XJ-002"), follow_redirects=False)
    assert plain.status_code == 303 and "/papers/" in plain.headers["location"]
    assert len(await _papers(database, tenant_ids, iid)) == 3  # the seeded one and two


async def test_new_paper_refusals_beside_their_fields(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await _seed(database, tenant_ids, "稿拒")
    iid, org = seeded["inspection_id"], seeded["org_id"]
    url = f"/t/{T}/inspections/{iid}/papers"
    before = len(await _papers(database, tenant_ids, iid))
    blank = await client.post(url, data={**_form(app, org, "XJ-1"), "title": ""}, headers=HTMX)
    assert blank.status_code == 400 and "<html" not in blank.text and 'id="paper-new"' in blank.text
    _field_error(blank.text, "title", "缺少必填字段")
    assert 'value="XJ-1"' in blank.text  # what was typed stays
    future = await client.post(url, data=_form(app, org, "XJ-2", paper_date=today(app, 3)),
                               headers=HTMX)
    assert future.status_code == 400
    _field_error(future.text, "paper_date", "底稿日期不能晚于今天")
    bad_date = await client.post(url, data=_form(app, org, "XJ-2", paper_date="2026-13-40"),
                                 headers=HTMX)
    _field_error(bad_date.text, "paper_date", "日期")
    others = await database.tenant(tenant_ids[T]).list(Org, limit=None)
    targets = {r["org_id"] for r in await database.tenant(tenant_ids[T]).list(
        InspectionTarget, {"inspection_id": iid}, limit=None)}
    stranger = next(o["id"] for o in others if o["id"] not in targets)
    not_target = await client.post(url, data=_form(app, stranger, "XJ-3"), headers=HTMX)
    assert not_target.status_code == 400
    _field_error(not_target.text, "org_id", "该单位不是本次巡察的被巡察对象")
    bad_source = await client.post(url, data=_form(app, org, "XJ-4", source="rumour"),
                                   headers=HTMX)
    _field_error(bad_source.text, "source", "取值无效")
    dup = await client.post(url, data=_form(app, org, seeded_number(seeded)), headers=HTMX)
    assert dup.status_code == 409
    _field_error(dup.text, "number", "已有编号为")
    too_long = await client.post(url, data=_form(app, org, "XJ-5", materials="长" * 201),
                                 headers=HTMX)
    assert too_long.status_code == 400
    _field_error(too_long.text, "materials", "长度不能超过 200 个字符")
    whole = await client.post(url, data={**_form(app, org, "XJ-6"), "summary": ""})
    assert whole.status_code == 400 and "<h1>新建问题底稿</h1>" in whole.text
    _field_error(whole.text, "summary", "缺少必填字段")
    unknown = await client.post(url, data={**_form(app, org, "XJ-7"), "status": "signed"},
                                headers=HTMX)
    assert unknown.status_code == 400 and "表单包含未知字段" in unknown.text
    as_json = await client.post(url, json=_form(app, org, "XJ-8"))
    assert as_json.status_code == 400 and "请通过页面表单提交" in as_json.text
    assert len(await _papers(database, tenant_ids, iid)) == before
    # Out of the paper stages: no form offered, a post refused with the stage named.
    early = await _seed(database, tenant_ids, "稿早", stage="briefing")
    page = (await client.get(f"/t/{T}/inspections/{early['inspection_id']}")).text
    assert "<summary>新建底稿</summary>" not in page
    refused = await client.post(f"/t/{T}/inspections/{early['inspection_id']}/papers",
                                data=_form(app, early["org_id"], "XJ-9"), headers=HTMX)
    assert refused.status_code == 409 and "不能起草问题底稿" in refused.text


def seeded_number(seeded: dict[str, Any]) -> str:
    """The number of the seeded paper (``<marker>-001``)."""
    return f"{seeded['texts'][4].removesuffix('底稿')}-001"


async def test_editing_a_paper_and_revising_a_signed_one(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await _seed(database, tenant_ids, "稿改", stage="reporting")
    pid, org = seeded["paper_id"], seeded["org_id"]
    session = database.tenant(tenant_ids[T])
    page = (await client.get(f"/t/{T}/papers/{pid}")).text
    assert "<summary>修改底稿</summary>" in page and f'hx-post="/t/{T}/papers/{pid}"' in page
    url = f"/t/{T}/papers/{pid}"
    edited = await client.post(url, data=_form(app, org, "稿改-001", title="改后的标题"),
                               headers=HTMX)
    assert edited.status_code == 200 and edited.headers["HX-Redirect"] == url
    row = await session.get(WorkingPaper, pid)
    assert row is not None and row["title"] == "改后的标题"
    assert row["materials"] == ["派车单", "加油记录"]
    refused = await client.post(url, data={**_form(app, org, "稿改-001"), "title": ""},
                                headers=HTMX)
    assert refused.status_code == 400 and 'id="paper-edit"' in refused.text
    _field_error(refused.text, "title", "缺少必填字段")
    # Signed by the team: a change then needs a reason, and is kept as a revision.
    await session.update(WorkingPaper, {"id": pid}, {"status": "signed", "signed_by": "x"})
    signed_page = (await client.get(url)).text
    assert "修订理由" in signed_page and "<summary>修订底稿（须说明理由）</summary>" in signed_page
    no_reason = await client.post(url, data=_form(app, org, "稿改-001", title="再改"),
                                  headers=HTMX)
    assert no_reason.status_code == 409
    _field_error(no_reason.text, "revision_reason", "底稿已签字，修改需说明修订理由")
    plain = await client.post(url, data=_form(app, org, "稿改-001", title="再改"))
    assert plain.status_code == 409 and "<html" in plain.text
    _field_error(plain.text, "revision_reason", "修订理由")
    row = await session.get(WorkingPaper, pid)
    assert row is not None and row["title"] == "改后的标题" and row["revision"] == 0
    revised = await client.post(url, data=_form(app, org, "稿改-001", title="再改",
                                                 source="documents", materials="派车单",
                                                 revision_reason="核实后更正标题"),
                                follow_redirects=False)
    assert revised.status_code == 303
    row = await session.get(WorkingPaper, pid)
    assert row is not None and row["title"] == "再改" and row["revision"] == 1
    history = (await client.get(url)).text
    assert "核实后更正标题" in history and "标题：改后的标题 → 再改" in history
    assert "问题来源：个别谈话 → 查阅资料" in history
    assert "佐证材料清单：派车单、加油记录 → 派车单" in history


async def test_attaching_evidence(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await _seed(database, tenant_ids, "稿附")
    pid = seeded["paper_id"]
    session = database.tenant(tenant_ids[T])
    url = f"/t/{T}/papers/{pid}/attachments"
    page = (await client.get(f"/t/{T}/papers/{pid}")).text
    assert 'enctype="multipart/form-data"' in page and 'hx-encoding="multipart/form-data"' in page
    ok = await client.post(url, files={"file": ("谈话笔录.pdf", PDF, "application/pdf")},
                           headers=HTMX)
    assert ok.status_code == 200
    assert ok.headers["HX-Redirect"].endswith(f"/papers/{pid}#attachments")
    rows = await session.list(Attachment, {"owner_type": "working_paper", "owner_id": pid},
                              order_by=("id",), limit=None)
    assert rows[-1]["filename"] == "谈话笔录.pdf" and rows[-1]["uploaded_by"] == "tester"
    # From the paper page itself the answer reloads it (a fragment change alone would
    # leave the page showing no new attachment).
    again = await client.post(url, files={"file": ("补充.txt", "页面内补充".encode(),
                                                   "text/plain")},
                              headers={**HTMX, "HX-Current-URL":
                                       f"http://testserver/t/{T}/papers/{pid}#attachments"})
    assert again.status_code == 200, again.text[-1500:]
    assert again.headers["HX-Refresh"] == "true"
    assert "HX-Redirect" not in again.headers
    assert await audit_entries(database, tenant_ids, "attachment.create", rows[-1]["id"])
    plain = await client.post(url, files={"file": ("说明.txt", "补充说明".encode(), "text/plain")},
                              follow_redirects=False)
    assert plain.status_code == 303
    count = len(rows) + 2
    for files, status, text in (
        ({"file": ("病毒.exe", b"MZ", "application/octet-stream")}, 415, "不支持的附件类型 .exe"),
        ({"file": ("假的.pdf", b"<html>x</html>", "application/pdf")}, 415,
         "文件内容与扩展名 .pdf 不符"),
        ({"file": ("空.pdf", b"", "application/pdf")}, 400, "附件不能是空文件"),
        ({"file": ("谈话笔录2.pdf", PDF, "application/pdf")}, 409, "该文件已作为附件上传"),
    ):
        refused = await client.post(url, files=files, headers=HTMX)
        assert refused.status_code == status, refused.text
        assert 'id="paper-upload"' in refused.text and "<html" not in refused.text
        _field_error(refused.text, "file", text)
    missing = await client.post(url, data={"other": "x"}, files={"x": ("", b"", "text/plain")},
                                headers=HTMX)
    assert missing.status_code == 400
    _field_error(missing.text, "file", "请选择要上传的文件")
    as_json = await client.post(url, json={"file": "x.pdf"})
    assert as_json.status_code == 400 and "请通过页面表单选择文件上传" in as_json.text
    whole = await client.post(url, files={"file": ("病毒.exe", b"MZ", "application/octet-stream")})
    assert whole.status_code == 415 and "<html" in whole.text
    assert await session.count(Attachment, {"owner_type": "working_paper",
                                            "owner_id": pid}) == count
    async with attachment_limit(app, database, tenant_ids[T], 0.01):
        announced = await client.post(url, headers=HTMX, files={
            "file": ("大.txt", b"a" * 200_000, "text/plain")})
        assert announced.status_code == 413 and 'id="paper-upload"' in announced.text
        _field_error(announced.text, "file", "附件大小超过上限 0.01 MB")
        assert "0.01 MB" in (await client.get(f"/t/{T}/papers/{pid}")).text  # the rule, shown
    await session.update(WorkingPaper, {"id": pid}, {"status": "signed"})
    assert "不能再上传附件" in (await client.get(f"/t/{T}/papers/{pid}")).text
    signed = await client.post(url, files={"file": ("新.txt", "新".encode(), "text/plain")},
                               headers=HTMX)
    assert signed.status_code == 409
    _field_error(signed.text, "file", "底稿已签字，不能再上传附件")


async def test_sign_off_shows_who_may_and_refuses_anyone_else(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await _seed(database, tenant_ids, "稿签", stage="reporting")
    pid = seeded["paper_id"]
    team = await sign_off_team(app, client, database, tenant_ids, seeded["inspection_id"])
    session = database.tenant(tenant_ids[T])
    review, sign = f"/t/{T}/papers/{pid}/review", f"/t/{T}/papers/{pid}/sign"
    # The office head is on no team: both buttons disabled, each with its reason.
    admin = (await client.get(f"/t/{T}/papers/{pid}")).text
    assert "可审核：测试副组长、测试组长" in admin and "可签字：测试组长" in admin
    assert re.search(
        r'disabled title="只有本次巡察的副组长或组长可以审核底稿[^"]*"[^>]*>副组长审核通过', admin)
    assert "不能审核：只有本次巡察的副组长或组长可以审核底稿" in admin
    refused = await client.post(review, data={"remark": "越权"}, headers=HTMX)
    assert refused.status_code == 403 and 'id="signoff"' in refused.text
    assert "只有本次巡察的副组长或组长可以审核底稿" in refused.text and "<html" not in refused.text
    whole = await client.post(review, data={"remark": ""})
    assert whole.status_code == 403 and "<html" in whole.text
    row = await session.get(WorkingPaper, pid)
    assert row is not None and row["status"] == "draft" and row["reviewed_by"] == ""
    # The deputy reviews; the leader, not the deputy, signs.
    deputy_page = (await team.deputy.get(f"/t/{T}/papers/{pid}")).text
    assert re.search(r'hx-target="#signoff" hx-swap="outerHTML">副组长审核通过', deputy_page)
    early = await team.leader.post(sign, data={"remark": ""}, headers=HTMX)
    assert early.status_code == 409 and "底稿须经副组长审核后方可由组长签字" in early.text
    reads = len(await audit_entries(database, tenant_ids, "paper.read", pid))
    reviewed = await team.deputy.post(review, data={"remark": "事实清楚"}, headers=HTMX)
    assert reviewed.status_code == 200 and "副组长已审核本底稿。" in reviewed.text
    # the box alone shows no content: no read to audit
    assert len(await audit_entries(database, tenant_ids, "paper.read", pid)) == reads
    # the person by name (tests.conftest.acting_as names its accounts 测试人员), not login
    assert "副组长审核：测试人员" in reviewed.text and team.deputy_name not in reviewed.text
    assert "不能签字：只有本次巡察的组长可以签字" in reviewed.text  # the deputy's own view
    leader_page = (await team.leader.get(f"/t/{T}/papers/{pid}")).text
    assert re.search(r'hx-target="#signoff" hx-swap="outerHTML">组长签字', leader_page)
    admin_sign = await client.post(sign, data={"remark": ""}, headers=HTMX)
    assert admin_sign.status_code == 403
    assert "只有本次巡察的组长可以签字（测试组长）" in admin_sign.text
    signed = await team.leader.post(sign, data={"remark": "同意"}, follow_redirects=False)
    assert signed.status_code == 303
    row = await session.get(WorkingPaper, pid)
    assert row is not None and row["status"] == "signed" and row["signed_by"] == team.leader_name
    review_audit = await audit_entries(database, tenant_ids, "paper.review", pid)
    assert [e["detail"]["remark"] for e in review_audit] == ["事实清楚"]
    again = await team.leader.post(sign, data={"remark": ""}, headers=HTMX)
    assert again.status_code == 409 and "底稿已签字，不能重复签字" in again.text
    # The author may not review a paper of their own.
    own = await team.deputy.post(f"/t/{T}/inspections/{seeded['inspection_id']}/papers",
                                 data=_form(app, seeded["org_id"], "稿签-002"), headers=HTMX)
    own_id = int(own.headers["HX-Redirect"].rsplit("/", 1)[1])
    own_page = (await team.deputy.get(f"/t/{T}/papers/{own_id}")).text
    assert "不能审核：审核人不能是底稿起草人" in own_page
    mine = await team.deputy.post(f"/t/{T}/papers/{own_id}/review", data={"remark": ""},
                                 headers=HTMX)
    assert mine.status_code == 403 and "审核人不能是底稿起草人" in mine.text
    as_json = await team.deputy.post(f"/t/{T}/papers/{own_id}/review", json={})
    assert as_json.status_code == 400
    row = await session.get(WorkingPaper, own_id)
    assert row is not None and row["status"] == "draft"
    # Separation of duties: the leader reviews the deputy's paper, so may not sign it too;
    # the rule is on the page before anyone tries.
    assert "签字人不能是审核人" in own_page
    assert (await team.leader.post(f"/t/{T}/papers/{own_id}/review", data={"remark": ""},
                                   headers=HTMX)).status_code == 200
    leader_own = (await team.leader.get(f"/t/{T}/papers/{own_id}")).text
    assert "不能签字：签字人不能是审核人（本底稿由您审核）" in leader_own
    assert re.search(r'disabled title="签字人不能是审核人[^"]*"[^>]*>组长签字', leader_own)
    twice = await team.leader.post(f"/t/{T}/papers/{own_id}/sign", data={"remark": ""},
                                   headers=HTMX)
    assert twice.status_code == 403 and "签字人不能是审核人" in twice.text
    row = await session.get(WorkingPaper, own_id)
    assert row is not None and row["status"] == "reviewed" and row["signed_by"] == ""


async def test_another_tenants_paper_is_unknown_here(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    other = await _seed(database, tenant_ids, "稿外", stage="reporting", tenant="tb")
    pid, iid = other["paper_id"], other["inspection_id"]
    gets = [f"/t/{T}/papers/{pid}", f"/t/{T}/inspections/{iid}/papers/new"]
    for path in gets:
        response = await client.get(path)
        assert response.status_code == 404, path
        assert not any(s in response.text for s in other["texts"])
    posts = {f"/t/{T}/papers/{pid}": _form(app, other["org_id"], "外-1"),
             f"/t/{T}/inspections/{iid}/papers": _form(app, other["org_id"], "外-2"),
             f"/t/{T}/papers/{pid}/review": {"remark": ""},
             f"/t/{T}/papers/{pid}/sign": {"remark": ""}}
    for path, data in posts.items():
        for headers in (HTMX, {}):
            response = await client.post(path, data=data, headers=headers)
            assert response.status_code == 404, (path, response.text)
            assert not any(s in response.text for s in other["texts"])
    upload = await client.post(f"/t/{T}/papers/{pid}/attachments",
                               files={"file": ("a.pdf", PDF, "application/pdf")})
    assert upload.status_code == 404
    row = await database.tenant(tenant_ids["tb"]).get(WorkingPaper, pid)
    assert row is not None and row["status"] == "draft" and row["title"] == "稿外底稿"


async def test_a_team_member_writes_papers_but_neither_reviews_nor_signs(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    seeded = await _seed(database, tenant_ids, "稿员")
    iid = seeded["inspection_id"]
    member, name = await acting_as(app, client, database, None, T)
    await database.tenant(tenant_ids[T]).insert(TeamMember, [{
        "inspection_id": iid, "person": name, "name": "测试组员", "home_tenant": T,
        "role": "member", "authorized_at": datetime.now(UTC) - timedelta(days=1)}])
    page = (await member.get(f"/t/{T}/inspections/{iid}")).text
    assert "<summary>新建底稿</summary>" in page and "<summary>登记问题</summary>" in page
    assert "<summary>登记问题线索</summary>" in page
    made = await member.post(f"/t/{T}/inspections/{iid}/papers",
                             data=_form(app, seeded["org_id"], "稿员-002"), headers=HTMX)
    assert made.status_code == 200, made.text
    paper = (await member.get(made.headers["HX-Redirect"])).text
    assert "不能审核：只有本次巡察的副组长或组长可以审核底稿（稿员组长）" in paper
    assert "<summary>修改底稿</summary>" in paper and 'id="paper-upload"' in paper
    refused = await member.post(f"/t/{T}/papers/{seeded['paper_id']}/review",
                                data={"remark": ""}, headers=HTMX)
    assert refused.status_code == 403  # the guard: a member's role has no paper:review
    # The leading group reads papers and writes none: no form is offered.
    reader, _ = await acting_as(app, client, database, "leading_group", T)
    read = (await reader.get(f"/t/{T}/inspections/{iid}")).text
    assert "<summary>新建底稿</summary>" not in read and "稿员底稿" in read
    assert "<summary>登记问题线索</summary>" not in read
    paper_page = (await reader.get(f"/t/{T}/papers/{seeded['paper_id']}")).text
    assert "<summary>修改底稿</summary>" not in paper_page and 'id="paper-upload"' not in paper_page
