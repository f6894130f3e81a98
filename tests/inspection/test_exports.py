"""Exports: the ledger (.xlsx), a working paper and the draft report (.docx).

Each export is downloaded through the app and opened with openpyxl or
python-docx; the tests look for the rows' texts, the labels, the overdue
mark (with a moved clock), the export line and the audit entries, and make
sure another tenant's ids give nothing of theirs.
"""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from typing import Any
from urllib.parse import quote

import docx
from docx.oxml.ns import qn
from litestar import Litestar
from litestar.testing import AsyncTestClient
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from core.audit.tables import AuditEntry
from core.clock import CHINA
from core.db import Database
from core.inspection.tables import (
    Attachment,
    Clue,
    Finding,
    InspectionTarget,
    RectificationItem,
    TeamMember,
    WorkingPaper,
)
from core.tenancy.tables import Org
from tests.inspection.seed import seed_inspection

Client = AsyncTestClient[Litestar]

MARK = re.compile(r"导出人：(\S+)　导出时间：(\d{4}-\d{2}-\d{2} \d{2}:\d{2})")
HEADER = ["序号", "被巡察单位", "问题类别", "存在问题", "整改措施", "整改时限", "责任人",
          "责任领导", "牵头部门", "整改状态", "督办情况", "是否超期", "整改进展", "销号日期"]
FORMULA = '=HYPERLINK("http://example.invalid","导出甲")'

_DATA: dict[str, Any] = {}


async def _data(app: Litestar, database: Database, tenant_ids: dict[str, int]) -> dict[str, Any]:
    """Tenant ta's inspection with two orgs, findings, items, clues and a full paper (once)."""
    if _DATA:
        return _DATA
    ta = tenant_ids["ta"]
    seed = await seed_inspection(database, ta, "导出甲")
    s = database.tenant(ta)
    insp = seed["inspection_id"]
    orgs = await s.list(Org, limit=None)
    org_a = next(o for o in orgs if o["id"] == seed["org_id"])
    org_b = next(o for o in orgs if o["kind"] != "village" and o["id"] != org_a["id"])
    await s.insert(InspectionTarget, [{"inspection_id": insp, "org_id": org_b["id"]}])
    await s.insert(TeamMember, [
        {"inspection_id": insp, "person": "exp-deputy", "name": "导出甲副组长",
         "home_tenant": "ta", "home_unit": "", "role": "deputy"},
        {"inspection_id": insp, "person": "exp-member", "name": "导出甲组员",
         "home_tenant": "ta.one", "home_unit": "甲一县委巡察办", "role": "member"}])
    f2, f3 = await s.insert(Finding, [
        {"inspection_id": insp, "org_id": org_a["id"], "category": "work_style",
         "title": "导出甲公车私用", "description": "导出甲公车私用描述", "source": "petition",
         "severity": "serious", "fix_now": True, "shared": False, "recorded_by": "t"},
        {"inspection_id": insp, "org_id": org_b["id"], "category": "personnel",
         "title": "导出甲违规提拔", "description": "导出甲违规提拔描述", "source": "documents",
         "severity": "grave", "fix_now": False, "shared": True, "recorded_by": "t"}])
    today = app.state.runtime.clock.today()
    past = today - timedelta(days=30)
    i2, i3, i4, i5 = [(await s.insert(RectificationItem, [row]))[0] for row in [
        {"inspection_id": insp, "org_id": org_a["id"], "finding_id": f2,
         "problem": "导出甲公车私用整改", "measures": "导出甲收回车辆", "deadline":
         today + timedelta(days=10), "responsible_person": "导出甲责任人",
         "responsible_leader": "导出甲责任领导", "lead_office": "导出甲办公室",
         "status": "in_progress", "progress": "导出甲已收回两辆", "escalation":
         "supervision_notice", "escalated_on": date(2026, 9, 1)},
        {"inspection_id": insp, "org_id": org_b["id"], "finding_id": f3,
         "problem": "导出甲违规提拔整改", "deadline": past, "status": "closed",
         "closed_on": date(2026, 5, 20)},
        {"inspection_id": insp, "org_id": org_b["id"], "problem": FORMULA,
         "deadline": past, "status": "open"},
        {"inspection_id": insp, "org_id": org_a["id"], "problem": "导出甲已报送整改",
         "deadline": past, "status": "submitted"}]]
    await s.insert(Clue, [{
        "inspection_id": insp, "org_id": org_b["id"], "title": "导出甲线索二",
        "grade": "further_examine", "persons": [{"name": "导出甲当事人二"}],
        "status": "referred", "receiving_body": "discipline", "recorded_by": "t"}])
    (paper,) = await s.insert(WorkingPaper, [{
        "inspection_id": insp, "org_id": org_a["id"], "number": "导出甲-002",
        "title": "导出甲公车底稿", "paper_date": date(2026, 4, 2), "source": "petition",
        "summary": "导出甲底稿摘要二", "how_found": "导出甲经查阅车辆台账发现",
        "materials": ["导出甲车辆台账", {"name": "导出甲谈话笔录", "pages": "3页"}],
        "status": "signed", "author": "exp-member", "reviewed_by": "exp-deputy",
        "reviewed_at": datetime(2026, 4, 3, 2, 30, tzinfo=UTC),
        "signed_by": "导出甲-leader", "signed_at": datetime(2026, 4, 4, 1, 0, tzinfo=UTC),
        "revision": 2}])
    await s.insert(Attachment, [{
        "owner_type": "working_paper", "owner_id": paper, "sha256": "1" * 64,
        "filename": "导出甲行车记录.pdf", "content_type": "application/pdf", "size": 3,
        "uploaded_by": "t"}])
    _DATA.update(seed, org_a=org_a, org_b=org_b, paper=paper,
                 items=[seed["item_id"], i2, i3, i4, i5])
    return _DATA


async def _xlsx(client: Client, tenant: str = "ta", **params: Any) -> Any:
    response = await client.get(f"/t/{tenant}/api/rectification/ledger.xlsx", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return load_workbook(BytesIO(response.content))


def _rows(sheet: Worksheet) -> list[dict[str, Any]]:
    """Ledger lines (from row 4) as dicts keyed by the header."""
    header = [c.value for c in sheet[3]]
    return [dict(zip(header, (c.value for c in row), strict=True))
            for row in sheet.iter_rows(min_row=4) if row[0].value is not None]


def _all_text(book: Any) -> str:
    return "\n".join(str(c.value) for sheet in book.worksheets for row in sheet.iter_rows()
                     for c in row if c.value is not None)


def _check_mark(text: str, now: datetime) -> None:
    match = MARK.search(text)
    assert match, text
    assert match[1].strip()
    shown = datetime.strptime(match[2], "%Y-%m-%d %H:%M").replace(tzinfo=CHINA)
    assert abs(shown - now) < timedelta(minutes=10)


async def test_ledger_columns_labels_and_layout(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    data = await _data(app, database, tenant_ids)
    response = await client.get("/t/ta/api/rectification/ledger.xlsx",
                                params={"inspection_id": data["inspection_id"]})
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="ledger-')
    assert "filename*=UTF-8''" + quote("甲市委巡察办巡察整改台账", safe="") in disposition
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["整改台账", "统计"]
    sheet = book["整改台账"]
    assert sheet["A1"].value == "甲市委巡察办巡察整改台账（导出甲巡察任务）"
    assert "A1:N1" in {str(r) for r in sheet.merged_cells.ranges}
    _check_mark(sheet["A2"].value, app.state.runtime.clock.now())
    assert MARK.search(sheet.oddHeader.right.text)
    assert [c.value for c in sheet[3]] == HEADER
    assert all(c.font.b for c in sheet[3]) and sheet["A3"].fill.fgColor.rgb.endswith("D9E1F2")
    assert sheet.freeze_panes == "A4"
    assert sheet.column_dimensions["D"].width > sheet.column_dimensions["A"].width
    rows = {r["存在问题"]: r for r in _rows(sheet)}
    assert set(rows) == {"导出甲整改问题", "导出甲公车私用整改", "导出甲违规提拔整改", FORMULA,
                         "导出甲已报送整改"}
    assert rows["导出甲已报送整改"]["是否超期"] == "否"  # submitted before review: not overdue
    assert rows[FORMULA]["是否超期"] == "是"  # open and past its deadline
    car = rows["导出甲公车私用整改"]
    assert car["被巡察单位"] == data["org_a"]["name"]
    assert car["问题类别"] == "作风建设（四风）"
    assert (car["整改措施"], car["责任人"], car["责任领导"], car["牵头部门"]) == (
        "导出甲收回车辆", "导出甲责任人", "导出甲责任领导", "导出甲办公室")
    assert car["整改状态"] == "整改中" and car["督办情况"] == "督办通知（2026-09-01）"
    assert car["是否超期"] == "否" and car["整改进展"] == "导出甲已收回两辆"
    assert isinstance(car["整改时限"], datetime)  # a real date cell
    assert rows["导出甲整改问题"]["问题类别"] == "政治建设"
    promoted = rows["导出甲违规提拔整改"]
    assert promoted["问题类别"] == "选人用人" and promoted["整改状态"] == "已销号"
    assert promoted["销号日期"].date() == date(2026, 5, 20) and promoted["是否超期"] == "否"
    deadline_cells = [r[5] for r in sheet.iter_rows(min_row=4) if r[0].value is not None]
    assert {c.number_format for c in deadline_cells} == {"yyyy-mm-dd"}
    formula = next(r[3] for r in sheet.iter_rows(min_row=4) if r[3].value == FORMULA)
    assert formula.data_type == "s"  # stored as text, never run as a formula
    assert all(r[3].alignment.wrap_text and r[3].border.left.style == "thin"
               for r in sheet.iter_rows(min_row=4) if r[0].value is not None)
    stats = book["统计"]
    table = {r[0].value: r[1].value for r in stats.iter_rows(min_row=4, max_row=11)}
    assert table["合计"] == 5 and table["已销号"] == 1 and table["整改中"] == 1
    assert table["已报送"] == 1
    per_org = {r[0].value: r[1].value for r in stats.iter_rows(min_row=13) if r[0].value}
    assert per_org == {data["org_a"]["name"]: 3, data["org_b"]["name"]: 2}


async def test_ledger_marks_overdue_items_with_a_moved_clock(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    data = await _data(app, database, tenant_ids)
    clock = app.state.runtime.clock
    clock.advance(timedelta(days=40))
    try:
        book = await _xlsx(client, inspection_id=data["inspection_id"])
        sheet = book["整改台账"]
        _check_mark(sheet["A2"].value, clock.now())  # the export time follows the clock
        lines = list(sheet.iter_rows(min_row=4))
        car = next(r for r in lines if r[3].value == "导出甲公车私用整改")
        assert car[11].value == "是" and car[11].font.color.rgb.endswith("C00000")
        assert all(c.fill.fgColor.rgb.endswith("FCE4D6") for c in car)
        closed = next(r for r in lines if r[3].value == "导出甲违规提拔整改")
        assert closed[11].value == "否" and not closed[0].fill.fgColor.rgb.endswith("FCE4D6")
        table = {r[0].value: r[1].value for r in book["统计"].iter_rows(min_row=4, max_row=11)}
        marked = [r[3].value for r in lines if r[11].value == "是"]
        assert {"导出甲公车私用整改", FORMULA} <= set(marked)
        assert table["其中：超期未完成"] == len(marked)
    finally:
        clock.reset()
    book = await _xlsx(client, inspection_id=data["inspection_id"])
    car = next(r for r in _rows(book["整改台账"]) if r["存在问题"] == "导出甲公车私用整改")
    assert car["是否超期"] == "否"


async def test_ledger_filters(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    data = await _data(app, database, tenant_ids)
    by_org = await _xlsx(client, inspection_id=data["inspection_id"], org_id=data["org_b"]["id"])
    rows = _rows(by_org["整改台账"])
    assert {r["存在问题"] for r in rows} == {"导出甲违规提拔整改", FORMULA}
    assert {r["被巡察单位"] for r in rows} == {data["org_b"]["name"]}
    assert data["org_b"]["name"] in by_org["整改台账"]["A1"].value
    by_round = await _xlsx(client, round_id=data["round_id"])
    assert len(_rows(by_round["整改台账"])) == 5
    assert "导出甲第一轮" in by_round["整改台账"]["A1"].value
    other = await seed_inspection(database, tenant_ids["ta"], "导出丙")
    mismatch = await _xlsx(client, round_id=data["round_id"],
                           inspection_id=other["inspection_id"])
    assert _rows(mismatch["整改台账"]) == []
    everything = await _xlsx(client)
    problems = {r["存在问题"] for r in _rows(everything["整改台账"])}
    assert {"导出甲公车私用整改", "导出丙整改问题"} <= problems
    for bad in ("0", "abc", str(2**31)):
        response = await client.get("/t/ta/api/rectification/ledger.xlsx",
                                    params={"round_id": bad})
        assert response.status_code == 400, (bad, response.text)


async def test_ledger_with_another_tenants_ids_is_empty(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    await _data(app, database, tenant_ids)
    b = await seed_inspection(database, tenant_ids["tb"], "导出乙")
    for params in ({"inspection_id": b["inspection_id"]}, {"round_id": b["round_id"]},
                   {"org_id": b["org_id"]}):
        book = await _xlsx(client, **params)
        assert _rows(book["整改台账"]) == [], params
        assert "导出乙" not in _all_text(book)
        assert book["整改台账"]["A1"].value == "甲市委巡察办巡察整改台账"
    own = await _xlsx(client, "tb", inspection_id=b["inspection_id"])
    assert [r["存在问题"] for r in _rows(own["整改台账"])] == ["导出乙整改问题"]


def _docx_text(document: Any) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def _xml(content: bytes) -> str:
    with zipfile.ZipFile(BytesIO(content)) as archive:
        return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist()
                         if name.endswith(".xml"))


async def _audits(database: Database, tenant_id: int, action: str, object_id: int
                  ) -> list[dict[str, Any]]:
    return await database.tenant(tenant_id).list(
        AuditEntry, {"action": action, "object_id": str(object_id)}, limit=None)


async def test_working_paper_docx(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    data = await _data(app, database, tenant_ids)
    before = await _audits(database, tenant_ids["ta"], "paper.export", data["paper"])
    response = await client.get(f"/t/ta/api/papers/{data['paper']}/export.docx")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert "filename*=UTF-8''" + quote("巡察工作底稿-导出甲-002.docx", safe="") in (
        response.headers["content-disposition"])
    document = docx.Document(BytesIO(response.content))
    assert document.paragraphs[0].text == "巡察工作底稿"
    form = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert form["编号"] == "导出甲-002" and form["底稿名称"] == "导出甲公车底稿"
    assert form["被巡察单位"] == data["org_a"]["name"]
    assert form["形成日期"] == "2026年4月2日" and form["问题来源"] == "受理信访"
    assert form["问题摘要"] == "导出甲底稿摘要二"
    assert form["发现过程"] == "导出甲经查阅车辆台账发现"
    assert form["佐证材料清单"] == "1. 导出甲车辆台账\n2. 导出甲谈话笔录（3页）"
    assert form["附件"] == "1. 导出甲行车记录.pdf"
    assert form["起草人"] == "导出甲组员"
    assert form["审核人（副组长）"] == "导出甲副组长　2026-04-03 10:30"
    assert form["签发人（组长）"] == "导出甲组长　2026-04-04 09:00"
    assert form["状态"] == "组长已签字" and form["修订次数"] == "2 次"
    header = document.sections[0].header.paragraphs[0].text
    _check_mark(header, app.state.runtime.clock.now())
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    title_run = document.paragraphs[0].runs[0]
    assert title_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    cell_run = document.tables[0].rows[0].cells[1].paragraphs[0].runs[0]
    assert cell_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    after = await _audits(database, tenant_ids["ta"], "paper.export", data["paper"])
    assert len(after) == len(before) + 1
    assert after[-1]["object_type"] == "working_paper" and after[-1]["actor"]
    assert after[-1]["detail"]["number"] == "导出甲-002"


async def test_draft_report_docx(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    data = await _data(app, database, tenant_ids)
    response = await client.get(f"/t/ta/api/inspections/{data['inspection_id']}/report.docx")
    assert response.status_code == 200, response.text
    document = docx.Document(BytesIO(response.content))
    text = _docx_text(document)
    a, b = data["org_a"]["name"], data["org_b"]["name"]
    assert document.paragraphs[0].text == f"关于巡察{a}、{b}的情况报告（初稿）"
    for heading in ("一、基本情况", "二、发现的主要问题", "三、问题线索情况", "四、意见建议"):
        assert heading in [p.text for p in document.paragraphs], heading
    assert "导出甲第一轮" in text and "导出甲第一巡察组于2026年3月1日至2026年4月15日" in text
    assert "组长：导出甲组长；副组长：导出甲副组长；组员：导出甲组员（甲一县委巡察办）" in text
    assert "共形成问题底稿2份，发现问题3个，其中已立行立改1个" in text
    assert text.index("（一）政治建设方面") < text.index("（二）选人用人方面") < text.index(
        "（三）作风建设（四风）方面")
    assert f"1. 【{a}】导出甲问题。导出甲问题描述。（问题程度：一般）" in text
    assert f"1. 【{a}】导出甲公车私用。导出甲公车私用描述。（问题程度：较重）（已立行立改）" in text
    assert f"1. 【{b}】导出甲违规提拔。导出甲违规提拔描述。（问题程度：严重）（共性问题）" in text
    assert "共发现问题线索2件" in text and "重点核查1件，一般核查1件，留存备查0件" in text
    assert "移交纪委监委1件" in text and "尚未移交1件" in text
    assert f"（一）对{a}的意见建议" in text and f"（二）对{b}的意见建议" in text
    assert "针对作风建设（四风）方面1个问题（其中较重1个，已立行立改1个）" in text
    assert f"建议{b}严格执行干部选拔任用有关规定" in text
    assert (f"{a}应对巡察反馈的2个问题建立问题清单、任务清单、责任清单，"
            "在巡察反馈后2个月内报送整改情况报告") in text
    assert "由巡察组填写" not in text
    assert [p.text for p in document.paragraphs[-2:]] == [
        "导出甲第一巡察组", f"{(today := app.state.runtime.clock.today()).year}年"
        f"{today.month}月{today.day}日"]
    _check_mark(document.sections[0].header.paragraphs[0].text, app.state.runtime.clock.now())
    heading = next(p for p in document.paragraphs if p.text == "一、基本情况")
    assert heading.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    xml = _xml(response.content)  # every part, headers and footers included
    for secret in ("导出甲当事人", "导出甲当事人二", "导出甲线索", "导出甲线索二"):
        assert secret not in xml, secret
    entries = await _audits(database, tenant_ids["ta"], "report.export", data["inspection_id"])
    assert entries and entries[-1]["detail"]["findings"] == 3


async def test_documents_of_another_tenant_are_not_found(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    await _data(app, database, tenant_ids)
    b = await seed_inspection(database, tenant_ids["tb"], "导出丁")
    paper = await client.get(f"/t/ta/api/papers/{b['paper_id']}/export.docx")
    assert paper.status_code == 404 and "问题底稿不存在" in paper.text
    report = await client.get(f"/t/ta/api/inspections/{b['inspection_id']}/report.docx")
    assert report.status_code == 404 and "导出丁" not in report.text
    assert not await _audits(database, tenant_ids["ta"], "paper.export", b["paper_id"])
    assert not await _audits(database, tenant_ids["ta"], "report.export", b["inspection_id"])
    assert (await client.get("/t/ta/api/papers/0/export.docx")).status_code == 400
    own = await client.get(f"/t/tb/api/papers/{b['paper_id']}/export.docx")
    assert own.status_code == 200
    assert "导出丁底稿摘要" in _docx_text(docx.Document(BytesIO(own.content)))


def test_builders_survive_awkward_text() -> None:
    """Control characters are dropped (not a 500); file names lose path characters."""
    from core.exports.workbooks import content_disposition, ledger_xlsx

    item = {"id": 1, "org_id": 7, "finding_id": None, "problem": "控制\x07字符\x00问题",
            "measures": "", "deadline": "2026-01-02", "responsible_person": "",
            "responsible_leader": "", "lead_office": "", "status": "open", "progress": "",
            "escalation": "none", "escalated_on": None, "closed_on": None}
    book = load_workbook(BytesIO(ledger_xlsx(
        [item], title="标题\x1f", mark="导出人：x", today=date(2026, 1, 3),
        org_names={7: "某局"}, findings={}, categories={})))
    (row,) = _rows(book["整改台账"])
    assert row["存在问题"] == "控制字符问题" and row["是否超期"] == "是"
    assert row["整改时限"].date() == date(2026, 1, 2)
    header = content_disposition("甲/乙:丙.xlsx", "x.xlsx")
    assert header == ("attachment; filename=\"x.xlsx\"; filename*=UTF-8''"
                      + quote("甲_乙_丙.xlsx", safe=""))
    long = content_disposition("长" * 300 + ".docx", "x.docx")
    assert long.endswith(quote("长" * 70 + ".docx", safe=""))
