"""Export documents, part one: shared helpers and the rectification ledger (.xlsx).

"Enter once, use many times": the ledger an office keeps by hand is built
from the rectification items as they are. Everything here is a pure
function from row dicts (as :class:`core.db.TenantSession` returns them) to
bytes, so it can be tested without a server. The Word documents are in
:mod:`core.exports.documents`.

Every export carries a line naming who exported it and when
(:func:`export_mark`), ready for issue 4's reader watermark.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from io import BytesIO
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.clock import CHINA
from core.inspection.model import ESCALATION_LABELS, ITEM_STATUS_LABELS, ItemStatus

__all__ = [
    "LEDGER_COLUMNS",
    "XLSX_TYPE",
    "as_date",
    "as_moment",
    "clean",
    "content_disposition",
    "export_mark",
    "is_overdue",
    "ledger_xlsx",
]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
"""The media type of an .xlsx file."""

LEDGER_COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 6), ("被巡察单位", 16), ("问题类别", 14), ("存在问题", 36), ("整改措施", 36),
    ("整改时限", 12), ("责任人", 10), ("责任领导", 10), ("牵头部门", 14), ("整改状态", 10),
    ("督办情况", 16), ("是否超期", 9), ("整改进展", 32), ("销号日期", 12),
)
"""The ledger's columns as offices keep them, with their widths (characters)."""

OVERDUE_STATUSES = frozenset({ItemStatus.open.value, ItemStatus.in_progress.value})
"""Statuses in which an item past its deadline is overdue (not yet submitted).

The same rule as the ledger list and the overdue scan use.
"""

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|]')
_DATE_FORMAT = "yyyy-mm-dd"
_BODY_FONT = "宋体"
_TITLE_FONT = "方正小标宋简体"
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_OVERDUE_FILL = PatternFill("solid", fgColor="FCE4D6")
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
_FIRST_ROW = 4
"""Row of the first ledger line (title, export line and header come before)."""


def clean(value: Any) -> str:
    """Text safe for an OOXML document: ``None`` as empty, control characters removed."""
    return "" if value is None else _ILLEGAL.sub("", str(value))


def as_date(value: Any) -> date | None:
    """A ``date`` column's value as a ``date`` (drivers differ: date, datetime or text)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_moment(value: Any) -> datetime | None:
    """A ``timestamptz`` column's value as an aware ``datetime`` in China time."""
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:  # stored in UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA)


def export_mark(actor: str, now: datetime) -> str:
    """The line every export carries: who exported it and when (China time)."""
    return f"导出人：{clean(actor)}　导出时间：{now.astimezone(CHINA):%Y-%m-%d %H:%M}"


def content_disposition(filename: str, fallback: str) -> str:
    """An attachment header with an ASCII ``fallback`` and the RFC 5987 UTF-8 name.

    Characters file systems refuse (``/ \\ : * ? " < > |``) become ``_``, and a
    long name is shortened (keeping its extension) to stay under 255 bytes.
    """
    stem, dot, extension = _UNSAFE_NAME.sub("_", clean(filename)).rpartition(".")
    name = f"{stem[:70]}{dot}{extension}" if dot else extension[:70]
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def is_overdue(item: Mapping[str, Any], today: date) -> bool:
    """Whether a rectification item is past its deadline and not yet submitted."""
    deadline = as_date(item.get("deadline"))
    return deadline is not None and deadline < today and item.get("status") in OVERDUE_STATUSES


def ledger_xlsx(
    items: Sequence[Mapping[str, Any]], *, title: str, mark: str, today: date,
    org_names: Mapping[int, str], findings: Mapping[int, Mapping[str, Any]],
    categories: Mapping[str, str],
) -> bytes:
    """The rectification ledger (整改台账) as an .xlsx workbook.

    Args:
        items: ``rectification_item`` rows, in the order they are listed.
        title: The title row's text.
        mark: The export line (:func:`export_mark`).
        today: The date "overdue" is judged against.
        org_names: Org names by id.
        findings: ``finding`` rows by id (for the focus-area category).
        categories: Focus-area labels by category code.

    Returns:
        The workbook's bytes: sheet "整改台账" and sheet "统计".
    """
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "整改台账"
    _ledger_sheet(sheet, items, title, mark, today, org_names, findings, categories)
    _stats_sheet(book.create_sheet("统计"), items, title, mark, today, org_names)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _put(sheet: Worksheet, row: int, column: int, value: Any, *, style: Alignment = _WRAP,
         font: Font | None = None) -> Any:
    """Write one cell; text is always stored as text (never as a formula)."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, date):
        cell.value = value
        cell.number_format = _DATE_FORMAT
    elif isinstance(value, int | float):
        cell.value = value
    else:
        cell.value = clean(value)
        cell.data_type = "s"
    cell.alignment = style
    cell.border = _BORDER
    cell.font = font or Font(name=_BODY_FONT, size=11)
    return cell


def _heading(sheet: Worksheet, title: str, mark: str, width: int) -> None:
    """Title row and export line, merged across ``width`` columns; page setup."""
    last = get_column_letter(width)
    sheet.merge_cells(f"A1:{last}1")
    sheet.merge_cells(f"A2:{last}2")
    top = sheet.cell(row=1, column=1, value=clean(title))
    top.font = Font(name=_TITLE_FONT, size=18, bold=True)
    top.alignment = Alignment(horizontal="center", vertical="center")
    line = sheet.cell(row=2, column=1, value=clean(mark))
    line.font = Font(name=_BODY_FONT, size=10, color="595959")
    line.alignment = Alignment(horizontal="right", vertical="center")
    sheet.row_dimensions[1].height = 36
    sheet.row_dimensions[2].height = 18
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddHeader.right.text = clean(mark).replace("&", "&&")
    sheet.oddHeader.right.size = 9
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def _header_row(sheet: Worksheet, row: int, names: Sequence[str]) -> None:
    for column, name in enumerate(names, start=1):
        cell = _put(sheet, row, column, name, style=_CENTER,
                    font=Font(name=_BODY_FONT, size=11, bold=True))
        cell.fill = _HEADER_FILL


def _height(values: Sequence[Any], widths: Sequence[float]) -> float:
    """A row height (points) that shows wrapped text; CJK characters count double."""
    lines = 1
    for value, width in zip(values, widths, strict=True):
        text = clean(value)
        for part in text.split("\n"):
            units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in part)
            lines = max(lines, math.ceil(units / max(width - 1, 1)) if part else 1)
        lines = max(lines, text.count("\n") + 1)
    return min(409.0, 15.0 * lines + 4)


def _ledger_sheet(
    sheet: Worksheet, items: Sequence[Mapping[str, Any]], title: str, mark: str, today: date,
    org_names: Mapping[int, str], findings: Mapping[int, Mapping[str, Any]],
    categories: Mapping[str, str],
) -> None:
    names = [name for name, _ in LEDGER_COLUMNS]
    widths = [width for _, width in LEDGER_COLUMNS]
    _heading(sheet, title, mark, len(names))
    _header_row(sheet, _FIRST_ROW - 1, names)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for number, item in enumerate(items, start=1):
        row = _FIRST_ROW + number - 1
        finding = findings.get(item["finding_id"]) if item.get("finding_id") else None
        category = categories.get(finding["category"], finding["category"]) if finding else ""
        escalation = ESCALATION_LABELS.get(item["escalation"], item["escalation"])
        escalated_on = as_date(item.get("escalated_on"))
        if escalated_on is not None and item["escalation"] != "none":
            escalation = f"{escalation}（{escalated_on:%Y-%m-%d}）"
        overdue = is_overdue(item, today)
        values: list[Any] = [
            number, org_names.get(item["org_id"], ""), category, item["problem"],
            item["measures"], as_date(item["deadline"]), item["responsible_person"],
            item["responsible_leader"], item["lead_office"],
            ITEM_STATUS_LABELS.get(item["status"], item["status"]), escalation,
            "是" if overdue else "否", item["progress"], as_date(item.get("closed_on")),
        ]
        for column, value in enumerate(values, start=1):
            short = column in (1, 6, 10, 12, 14)
            cell = _put(sheet, row, column, value, style=_CENTER if short else _WRAP)
            if overdue:
                cell.fill = _OVERDUE_FILL
                if column == 12:
                    cell.font = Font(name=_BODY_FONT, size=11, bold=True, color="C00000")
        sheet.row_dimensions[row].height = _height(
            ["" if isinstance(v, date | int) else v for v in values], widths)
    sheet.freeze_panes = f"A{_FIRST_ROW}"
    sheet.print_title_rows = f"{_FIRST_ROW - 1}:{_FIRST_ROW - 1}"
    if items:
        last = get_column_letter(len(names))
        sheet.auto_filter.ref = f"A{_FIRST_ROW - 1}:{last}{_FIRST_ROW + len(items) - 1}"


def _stats_sheet(
    sheet: Worksheet, items: Sequence[Mapping[str, Any]], title: str, mark: str, today: date,
    org_names: Mapping[int, str],
) -> None:
    statuses = list(ItemStatus)
    width = len(statuses) + 3
    _heading(sheet, f"{title}（统计）", mark, width)
    by_status = Counter(item["status"] for item in items)
    overdue = [item for item in items if is_overdue(item, today)]
    row = 3
    _header_row(sheet, row, ["整改状态", "事项数"])
    for status in statuses:
        row += 1
        _put(sheet, row, 1, ITEM_STATUS_LABELS[status])
        _put(sheet, row, 2, by_status[status.value], style=_CENTER)
    for label, count in (("合计", len(items)), ("其中：超期未完成", len(overdue))):
        row += 1
        _put(sheet, row, 1, label, font=Font(name=_BODY_FONT, size=11, bold=True))
        _put(sheet, row, 2, count, style=_CENTER)
    row += 2
    _header_row(sheet, row, ["被巡察单位", "合计", *(ITEM_STATUS_LABELS[s] for s in statuses),
                             "超期"])
    per_org: dict[int, Counter[str]] = {}
    for item in items:
        per_org.setdefault(item["org_id"], Counter())[item["status"]] += 1
    late = Counter(item["org_id"] for item in overdue)
    for org_id, counts in sorted(per_org.items(),
                                 key=lambda pair: org_names.get(pair[0], "")):
        row += 1
        _put(sheet, row, 1, org_names.get(org_id, ""))
        values = [sum(counts.values()), *(counts[s.value] for s in statuses), late[org_id]]
        for column, value in enumerate(values, start=2):
            _put(sheet, row, column, value, style=_CENTER)
    sheet.column_dimensions["A"].width = 24
    for column in range(2, width + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 11
