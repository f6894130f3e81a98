"""Export documents, part two: the working paper and the draft report (.docx).

Pure functions from row dicts to bytes, laid out the way offices write
them (GB/T 9704 style): A4, title in 方正小标宋简体, first-level headings
in 黑体, second-level in 楷体_GB2312, body in 仿宋_GB2312 三号 with fixed
28-point lines. Fonts are set for East Asian text too (``w:eastAsia``), so
Word does not fall back to a Latin font. Each page header carries the
export line (who, when).

Clue persons are never an input here: the report only receives counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from typing import Any

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from core.exports.workbooks import as_date, as_moment, clean
from core.inspection.model import (
    PAPER_STATUS_LABELS,
    SEVERITY_LABELS,
    SOURCE_LABELS,
)

__all__ = [
    "DOCX_TYPE",
    "PaperData",
    "ReportData",
    "clue_counts",
    "cn_date",
    "material_text",
    "paper_docx",
    "report_docx",
    "set_font",
    "team_names",
]

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
"""The media type of a .docx file."""

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
TABLE_FONT = "宋体"

NUMBERS = "一二三四五六七八九十"

_SUGGESTIONS = {
    "political": "切实提高政治站位，坚决贯彻落实党中央决策部署和上级工作要求",
    "ideological": "加强理论武装，压紧压实意识形态工作责任制",
    "organisational": "落实全面从严治党主体责任，加强领导班子和干部队伍建设",
    "personnel": "严格执行干部选拔任用有关规定，规范选人用人工作",
    "work_style": "持之以恒落实中央八项规定及其实施细则精神，坚决纠治“四风”",
    "discipline": "严明纪律规矩，健全完善内部管理和监督制度",
    "anti_corruption": "加强对重点领域和关键环节的监督，严肃纠治群众身边不正之风和腐败问题",
    "village_policy": "抓好惠民富民政策在基层落地落实",
    "village_corruption": "严肃查处侵害群众利益的腐败问题",
    "village_party_org": "加强基层党组织建设，整顿软弱涣散基层党组织",
}
"""The core focus areas' wording for 意见建议; other categories get the general wording."""


@dataclass(frozen=True)
class PaperData:
    """What a working paper (问题底稿) shows."""

    paper: Mapping[str, Any]
    org_name: str
    attachments: Sequence[str]
    names: Mapping[str, str]
    """Display names by person key (the inspection's team); unknown keys show as they are."""
    mark: str


@dataclass(frozen=True)
class ReportData:
    """What the draft inspection report (情况报告初稿) is assembled from."""

    tenant_name: str
    inspection: Mapping[str, Any]
    round_name: str
    kind_label: str
    targets: Sequence[Mapping[str, Any]]
    """Target org rows (``id``, ``name``), in order."""
    members: Sequence[Mapping[str, Any]]
    findings: Sequence[Mapping[str, Any]]
    categories: Mapping[str, str]
    """Focus-area labels by code, in the order sections are written."""
    clue_grades: Mapping[str, int]
    clue_bodies: Mapping[str | None, int]
    """Clue counts by receiving body (``None``: not yet referred)."""
    role_labels: Mapping[str, str]
    grade_labels: Mapping[str, str]
    body_labels: Mapping[str, str]
    papers: int
    report_months: int
    today: date
    mark: str
    org_names: Mapping[int, str]
    """Names of the target orgs (and of any other org a finding names) by id."""
    extra: Sequence[tuple[str, str]] = ()
    """The kind's extra fields as ``(label, text)``, shown under 基本情况."""
    sections: Sequence[Any] = ()
    """``ReportSection`` values of plugins (hook ``xuncha_report_sections``), in order."""
    finding_extra: Mapping[int, str] = field(default_factory=dict)
    """The filled extra fields of each finding as one text (``label：value；...``), by id."""


def cn_date(value: date | None) -> str:
    """``2026年3月1日`` (empty for none)."""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def _moment_text(value: Any) -> str:
    moment = as_moment(value)
    return f"{moment:%Y-%m-%d %H:%M}" if moment else ""


def set_font(run: Run, name: str, size: float, *, bold: bool = False) -> None:
    """Use ``name`` for Latin and East Asian text of ``run``."""
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _new_document(mark: str) -> DocumentType:
    """An A4 document with official margins, 仿宋 body and the export line as header."""
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    set_font(header.add_run(clean(mark)), BODY_FONT, 9)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(footer)
    return document


def _page_number(paragraph: Paragraph) -> None:
    """``— 1 —`` with a PAGE field."""
    set_font(paragraph.add_run("— "), "宋体", 14)
    run = paragraph.add_run()
    set_font(run, "宋体", 14)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), ("end", None)):
        if kind is None:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._element.append(instr)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._element.append(char)
    set_font(paragraph.add_run(" —"), "宋体", 14)


def _paragraph(container: Any, text: str, *, font: str = BODY_FONT, size: float = 16,
               bold: bool = False, align: Any = None, indent: bool = True,
               exact: bool = True) -> Paragraph:
    paragraph: Paragraph = container.add_paragraph()
    fmt = paragraph.paragraph_format
    if exact:
        fmt.line_spacing = Pt(28)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        paragraph.alignment = align
    set_font(paragraph.add_run(clean(text)), font, size, bold=bold)
    return paragraph


def _title(document: DocumentType, text: str) -> None:
    paragraph = _paragraph(document, text, font=TITLE_FONT, size=22,
                           align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, exact=False)
    paragraph.paragraph_format.space_after = Pt(16)


def _save(document: DocumentType) -> bytes:
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def material_text(material: Any) -> str:
    """One entry of a paper's material list (text, or an object with a name)."""
    if isinstance(material, Mapping):
        for key in ("name", "title", "description", "text"):
            if material.get(key):
                extra = material.get("pages") or material.get("note")
                return f"{material[key]}（{extra}）" if extra else str(material[key])
        return "；".join(f"{k}：{v}" for k, v in material.items())
    return str(material)


def paper_docx(data: PaperData) -> bytes:
    """A working paper (问题底稿) as a .docx: title and a two-column form."""
    paper = data.paper
    document = _new_document(data.mark)
    _title(document, "巡察工作底稿")

    def person(key: str) -> str:
        return data.names.get(key, key) if key else ""

    def signed(key: str, at: Any, missing: str) -> str:
        if not key:
            return missing
        return f"{person(key)}　{_moment_text(at)}".strip()

    materials = [f"{i}. {material_text(m)}" for i, m in enumerate(paper["materials"] or [], 1)]
    attachments = [f"{i}. {name}" for i, name in enumerate(data.attachments, 1)]
    rows: list[tuple[str, str | list[str]]] = [
        ("编号", paper["number"]),
        ("底稿名称", paper["title"]),
        ("被巡察单位", data.org_name),
        ("形成日期", cn_date(as_date(paper["paper_date"]))),
        ("问题来源", SOURCE_LABELS.get(paper["source"], paper["source"])),
        ("问题摘要", paper["summary"]),
        ("发现过程", paper["how_found"]),
        ("佐证材料清单", materials or ["无"]),
        ("附件", attachments or ["无"]),
        ("起草人", person(paper["author"])),
        ("审核人（副组长）", signed(paper["reviewed_by"], paper["reviewed_at"], "未审核")),
        ("签发人（组长）", signed(paper["signed_by"], paper["signed_at"], "未签发")),
        ("状态", PAPER_STATUS_LABELS.get(paper["status"], paper["status"])),
        ("修订次数", f"{int(paper['revision'] or 0)} 次"),
    ]
    table = document.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, (label, value) in enumerate(rows):
        head, body = table.rows[index].cells
        head.width, body.width = Cm(3.6), Cm(12)
        head.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_font(head.paragraphs[0].add_run(label), TABLE_FONT, 12, bold=True)
        lines = value if isinstance(value, list) else [value]
        for number, line in enumerate(lines):
            paragraph = body.paragraphs[0] if number == 0 else body.add_paragraph()
            set_font(paragraph.add_run(clean(line)), TABLE_FONT, 12)
    return _save(document)


def _heading(document: DocumentType, text: str, font: str = HEADING_FONT) -> None:
    _paragraph(document, text, font=font)


def _team_line(data: ReportData) -> str:
    by_role: dict[str, list[str]] = {}
    for member in data.members:
        name = member["name"] + (f"（{member['home_unit']}）" if member.get("home_unit") else "")
        by_role.setdefault(member["role"], []).append(name)
    parts = [f"{label}：{'、'.join(by_role[role])}"
             for role, label in data.role_labels.items() if by_role.get(role)]
    return "巡察组" + "；".join(parts) + "。" if parts else "巡察组成员尚未登记。"


def _ordered_categories(data: ReportData, findings: Sequence[Mapping[str, Any]]) -> list[str]:
    """The categories used by ``findings``: known ones in their order, then the rest."""
    used = {f["category"] for f in findings}
    known = [code for code in data.categories if code in used]
    return known + sorted(used - set(known))


def _label(data: ReportData, code: str) -> str:
    return data.categories.get(code, code)


def _basics(document: DocumentType, data: ReportData, targets: str) -> None:
    insp = data.inspection
    start = as_date(insp.get("arrived_on")) or as_date(insp.get("onsite_start"))
    end = as_date(insp.get("withdrawn_on")) or as_date(insp.get("onsite_end"))
    when = f"于{cn_date(start)}至{cn_date(end)}" if start and end else (
        f"于{cn_date(start)}起" if start else "")
    kind = data.kind_label + (f"（专题：{insp['topic']}）" if insp.get("topic") else "")
    team = insp.get("team_name") or "巡察组"
    round_part = f"{data.round_name}中，" if data.round_name else ""
    _heading(document, "一、基本情况")
    _paragraph(document, f"根据{data.tenant_name}统一部署，{round_part}{team}{when}对{targets}"
                         f"开展了{kind}。{_team_line(data)}")
    _paragraph(document, f"巡察期间，巡察组共形成问题底稿{data.papers}份，发现问题"
                         f"{len(data.findings)}个，其中已立行立改"
                         f"{sum(1 for f in data.findings if f['fix_now'])}个。")


def _problems(document: DocumentType, data: ReportData, targets: str) -> None:
    _heading(document, "二、发现的主要问题")
    if not data.findings:
        _paragraph(document, "本次巡察尚未登记问题。")
        return
    _paragraph(document, f"巡察发现，{targets}主要存在以下问题：")
    for index, code in enumerate(_ordered_categories(data, data.findings)):
        _heading(document, f"（{_cn_number(index + 1)}）{_label(data, code)}方面",
                 SUBHEADING_FONT)
        rows = [f for f in data.findings if f["category"] == code]
        for number, finding in enumerate(rows, 1):
            org = data.org_names.get(finding["org_id"], "")
            text = f"{number}. 【{org}】{finding['title']}。" if org else (
                f"{number}. {finding['title']}。")
            if finding.get("description"):
                text += str(finding["description"]).rstrip("。") + "。"
            if data.finding_extra.get(finding["id"]):
                text += f"（{data.finding_extra[finding['id']]}）"
            text += f"（问题程度：{SEVERITY_LABELS.get(finding['severity'], finding['severity'])}）"
            if finding.get("shared"):
                text += "（共性问题）"
            if finding.get("fix_now"):
                text += "（已立行立改）"
            _paragraph(document, text)


def _clues(document: DocumentType, data: ReportData) -> None:
    _heading(document, "三、问题线索情况")
    total = sum(data.clue_grades.values())
    if not total:
        _paragraph(document, "巡察期间未发现问题线索。")
        return
    grades = "，".join(f"{label}{data.clue_grades.get(code, 0)}件"
                      for code, label in data.grade_labels.items())
    bodies = "，".join(f"移交{label}{data.clue_bodies.get(code, 0)}件"
                      for code, label in data.body_labels.items())
    pending = data.clue_bodies.get(None, 0)
    _paragraph(document, f"巡察期间共发现问题线索{total}件。按处置方式分：{grades}。"
                         f"按移交对象分：{bodies}，尚未移交{pending}件。")


def _suggestions(document: DocumentType, data: ReportData, number: int = 4) -> None:
    _heading(document, f"{_cn_number(number)}、意见建议")
    due = as_date(data.inspection.get("rectification_report_due"))
    deadline = f"于{cn_date(due)}前" if due else f"在巡察反馈后{data.report_months}个月内"
    for index, org in enumerate(data.targets):
        _heading(document, f"（{_cn_number(index + 1)}）对{org['name']}的意见建议",
                 SUBHEADING_FONT)
        own = [f for f in data.findings if f["org_id"] == org["id"]]
        if not own:
            _paragraph(document, f"本次巡察未登记{org['name']}的问题。建议{org['name']}对照巡察"
                                 "反馈的共性问题开展自查自纠。")
            continue
        for number, code in enumerate(_ordered_categories(data, own), 1):
            rows = [f for f in own if f["category"] == code]
            notes = [f"{label}{n}个" for key, label in SEVERITY_LABELS.items()
                     if key != "general" and (n := sum(1 for f in rows if f["severity"] == key))]
            fixed = sum(1 for f in rows if f["fix_now"])
            if fixed:
                notes.append(f"已立行立改{fixed}个")
            note = f"（其中{'，'.join(notes)}）" if notes else ""
            wording = _SUGGESTIONS.get(code, "深入剖析问题根源")
            _paragraph(document, f"{number}. 针对{_label(data, code)}方面{len(rows)}个问题{note}，"
                                 f"建议{org['name']}{wording}，逐项制定整改措施，明确整改责任人、"
                                 "责任领导和整改时限，做到问题不查清不放过、整改不到位不销号。")
        _paragraph(document, f"{org['name']}应对巡察反馈的{len(own)}个问题建立问题清单、任务清单、"
                             f"责任清单，{deadline}报送整改情况报告。")


def _extra(document: DocumentType, data: ReportData) -> None:
    filled = [(label, text) for label, text in data.extra if text]
    if filled:
        _paragraph(document, "专项信息：" + "；".join(f"{label}：{text}" for label, text in filled)
                   + "。")


def _sections(document: DocumentType, data: ReportData, first: int) -> int:
    for offset, section in enumerate(data.sections):
        _heading(document, f"{_cn_number(first + offset)}、{section.title}")
        for text in section.paragraphs:
            _paragraph(document, text)
        if section.rows:
            width = max(len(r) for r in section.rows)
            table = document.add_table(rows=len(section.rows), cols=width)
            table.style = "Table Grid"
            for r, row in enumerate(section.rows):
                for c, text in enumerate(row):
                    table.cell(r, c).text = str(text)
    return first + len(data.sections)


def _cn_number(n: int) -> str:
    if n <= 10:
        return NUMBERS[n - 1]
    tens, ones = divmod(n, 10)
    return (NUMBERS[tens - 1] if tens > 1 else "") + "十" + (NUMBERS[ones - 1] if ones else "")


def report_docx(data: ReportData) -> bytes:
    """The draft inspection report (情况报告初稿) assembled from the findings."""
    names = [clean(org["name"]) for org in data.targets]
    targets = "、".join(names) or "被巡察单位"
    document = _new_document(data.mark)
    _title(document, f"关于巡察{targets}的情况报告（初稿）")
    _basics(document, data, targets)
    _extra(document, data)
    _problems(document, data, targets)
    _clues(document, data)
    after = _sections(document, data, 4)
    _suggestions(document, data, after)
    _paragraph(document, "", indent=False)
    right = WD_ALIGN_PARAGRAPH.RIGHT
    _paragraph(document, data.inspection.get("team_name") or "巡察组", indent=False, align=right)
    _paragraph(document, cn_date(data.today), indent=False, align=right)
    return _save(document)


def clue_counts(clues: Sequence[Mapping[str, Any]]) -> tuple[Counter[str], Counter[str | None]]:
    """Clue counts by grade and by receiving body (``None``: not referred); nothing else."""
    grades: Counter[str] = Counter(c["grade"] for c in clues)
    bodies: Counter[str | None] = Counter(c["receiving_body"] or None for c in clues)
    return grades, bodies


def team_names(members: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Display names by person key."""
    return {m["person"]: m["name"] for m in members}
