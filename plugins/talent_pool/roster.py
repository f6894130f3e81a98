"""The roster as an .xlsx workbook, in the columns offices keep (Chinese headers).

Export writes every person of the pool, one row each. Import reads such a
sheet (columns found by header, in any order; 序号 and 状态 are ignored):
a row whose 人员编号 is already in the pool updates that person, any other
row enters the pool as imported (the roster an office already keeps has
been approved). Every row is checked first (fields, specialties and pools
the office uses, the entry rules of the tenant's settings, duplicate keys);
if any row is refused, nothing is written and the refusal lists each row
and why; otherwise every row is written in one transaction.
"""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from core.api import FieldError, Invalid, Round, Work
from plugins.talent_pool.appraisal import round_label
from plugins.talent_pool.model import (
    GRADE_LABELS,
    POLITICAL_LABELS,
    POOL_LABELS,
    SECONDMENT_LABELS,
    STATUS_LABELS,
    Grade,
    Nomination,
    Political,
    Pool,
    SecondmentStatus,
    Status,
    specialty_label,
    specialty_options,
)
from plugins.talent_pool.persons import eligibility_reasons, resolve_org, validate_person
from plugins.talent_pool.tables import TalentAppraisal, TalentPerson, TalentSecondment

__all__ = [
    "EXPORT_HEADERS",
    "HEADERS",
    "MAX_BYTES",
    "MAX_ROWS",
    "ImportReport",
    "export_roster",
    "import_roster",
]

HEADERS = ["序号", "姓名", "人员编号", "性别", "出生年月", "政治面貌", "入党时间", "工作单位",
           "职务", "职级", "专业特长", "入库类别", "联系电话", "状态", "备注"]
EXPORT_HEADERS = [*HEADERS, "考核情况", "上挂下派"]
"""The export adds appraisals and secondments (an import ignores these two columns)."""
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
_LIMITS = {"姓名": 64, "人员编号": 64, "性别": 8, "工作单位": 200, "职务": 100, "职级": 64,
           "联系电话": 32, "备注": 2000}
_KEY = re.compile(r"^[\w.@-]+$")
_POLITICAL = {**{label: code.value for code, label in POLITICAL_LABELS.items()},
              "党员": Political.cpc.value, "预备党员": Political.cpc_probation.value}
_POOLS = {label: code.value for code, label in POOL_LABELS.items()}


@dataclass(slots=True)
class ImportReport:
    """What an import did: how many rows entered the pool and how many updated a person."""

    added: int = 0
    updated: int = 0
    refused: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _day(value: Any) -> date | None:
    """A date cell, or text such as 1980-05-01, 1980/5/1, 1980.05 (the first of the month)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    found = re.fullmatch(r"(\d{4})[-./年](\d{1,2})(?:[-./月](\d{1,2})日?)?月?", _text(value))
    if not found:
        raise ValueError(value)
    return date(int(found[1]), int(found[2]), int(found[3] or 1))


def _names(value: Any) -> list[str]:
    return [n for n in re.split(r"[、,，;；\s]+", _text(value)) if n]


def _row(cells: dict[str, Any], specialties: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """One row's values for the person, and why it is refused (empty when it is not)."""
    problems: list[str] = []
    for header, limit in _LIMITS.items():
        if len(_text(cells.get(header))) > limit:
            problems.append(f"{header}不能超过 {limit} 个字符")
    values: dict[str, Any] = {
        "name": _text(cells.get("姓名")), "gender": _text(cells.get("性别")),
        "home_unit": _text(cells.get("工作单位")), "post": _text(cells.get("职务")),
        "rank": _text(cells.get("职级")), "phone": _text(cells.get("联系电话")),
        "note": _text(cells.get("备注")),
    }
    if not values["name"]:
        problems.append("姓名不能为空")
    key = _text(cells.get("人员编号"))
    if key and not _KEY.match(key):
        problems.append("人员编号只能包含字母、数字、点、@、下划线或连字符")
    values["person_key"] = key
    for header, name in (("出生年月", "birth_date"), ("入党时间", "party_joined_on")):
        try:
            values[name] = _day(cells.get(header))
        except ValueError:
            problems.append(f"{header}“{_text(cells.get(header))[:20]}”不是日期（如 1980-05-01）")
            values[name] = None
    political = _text(cells.get("政治面貌")) or POLITICAL_LABELS[Political.cpc]
    if political not in _POLITICAL:
        problems.append(f"政治面貌“{political[:20]}”应为" + "、".join(POLITICAL_LABELS.values()))
    values["political_status"] = _POLITICAL.get(political, Political.cpc.value)
    values["specialties"] = []
    for label in _names(cells.get("专业特长")):
        if label not in specialties:
            problems.append(f"专业特长“{label[:32]}”不在本机构的专业特长目录中")
        else:
            values["specialties"].append(specialties[label])
    values["pools"] = []
    for label in _names(cells.get("入库类别")):
        if label not in _POOLS:
            problems.append(f"入库类别“{label[:20]}”应为" + "、".join(POOL_LABELS.values()))
        else:
            values["pools"].append(_POOLS[label])
    if not values["pools"] and not any(p.startswith("入库类别") for p in problems):
        problems.append("入库类别不能为空")
    values["specialties"] = list(dict.fromkeys(values["specialties"]))
    values["pools"] = list(dict.fromkeys(values["pools"]))
    return values, problems


def _sheet(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """The headers and the non-blank rows (with their row numbers) of the first sheet."""
    if len(data) > MAX_BYTES:
        raise Invalid([FieldError("file", f"文件不能超过 {MAX_BYTES // 1024 // 1024} MB")])
    unreadable = Invalid([FieldError(
        "file", "无法读取文件：请上传 Excel（.xlsx）格式的人才库名册")])
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        headers = [_text(h) for h in next(rows, ())]
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError, IndexError,
            AttributeError, SyntaxError) as exc:  # what openpyxl raises on a damaged file
        raise unreadable from exc
    missing = [h for h in ("姓名", "入库类别") if h not in headers]
    if missing:
        raise Invalid([FieldError("file", "名册缺少列：" + "、".join(missing)
                                  + "（第一行应为表头，可先导出名册作为模板）")])
    out = []
    for number, row in enumerate(rows, start=2):
        cells = {h: v for h, v in zip(headers, row, strict=False) if h}
        if all(_text(v) == "" for v in cells.values()):
            continue
        out.append((number, cells))
        if len(out) > MAX_ROWS:
            raise Invalid([FieldError("file", f"一次最多导入 {MAX_ROWS} 行")])
    book.close()
    return headers, out


async def import_roster(work: Work, data: bytes) -> ImportReport:
    """Check every row, then write them all in one transaction (or nothing).

    Raises:
        Invalid: an unreadable file, missing columns, or refused rows (one
            message per row, ``第 N 行（姓名）：...``); nothing is written.
    """
    _, rows = _sheet(data)
    if not rows:
        raise Invalid([FieldError("file", "名册中没有人员")])
    settings, today = work.tenant.settings, work.clock.today()
    specialties = {label: code for code, label in specialty_options(settings)}
    checked: list[dict[str, Any]] = []
    refused: list[str] = []
    seen: dict[str, int] = {}
    for number, cells in rows:
        values, problems = _row(cells, specialties)
        if not problems:
            problems += [e.message for e in validate_person(values, settings, today)]
            problems += eligibility_reasons(values, settings, today)
        key = values["person_key"]
        if key and key in seen:
            problems.append(f"人员编号 {key} 与第 {seen[key]} 行重复")
        elif key:
            seen[key] = number
        if problems:
            refused.append(f"第 {number} 行（{values['name'] or '未填姓名'}）："
                           + "；".join(problems))
        checked.append(values)
    if refused:
        raise Invalid([FieldError("file", line) for line in refused])
    report = ImportReport()
    now = work.clock.now()
    async with work.transaction():
        keys = [v["person_key"] for v in checked if v["person_key"]]
        existing = {r["person_key"]: r for r in await work.session.list(
            TalentPerson, {"person_key": keys}, limit=None)} if keys else {}
        new_rows = []
        for values in checked:
            values["home_org_id"] = await resolve_org(work.session, values["home_unit"])
            found = existing.get(values["person_key"])
            if found is not None:
                await work.session.update(TalentPerson, {"id": found["id"]},
                                          {**values, "updated_at": now})
                report.updated += 1
                continue
            new_rows.append({
                **values, "person_key": values["person_key"] or f"tp-{secrets.token_hex(5)}",
                "status": Status.active.value, "nomination_kind": Nomination.imported.value,
                "nominated_by": work.actor, "nominated_on": today, "decided_by": work.actor,
                "decided_on": today, "decision_note": "名册导入", "created_at": now,
                "updated_at": now})
        await work.session.insert(TalentPerson, new_rows)
        report.added = len(new_rows)
        await work.audit("talent.roster.import", "talent_person", "",
                         {"added": report.added, "updated": report.updated})
    return report


async def _histories(work: Work) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Per person: ``<round>：<grade>`` of each appraisal, ``<request> <period> <status>`` of
    each secondment."""
    rounds = {r["id"]: round_label(r) for r in await work.session.list(Round, limit=None)}
    appraisals: dict[int, list[str]] = {}
    for a in await work.session.list(TalentAppraisal, order_by=("round_id", "id"), limit=None):
        if a["person_id"] is not None:
            appraisals.setdefault(a["person_id"], []).append(
                f"{rounds.get(a['round_id'], '')}：{GRADE_LABELS[Grade(a['grade'])]}")
    secondments: dict[int, list[str]] = {}
    for s in await work.session.list(TalentSecondment, order_by=("id",), limit=None):
        secondments.setdefault(s["person_id"], []).append(
            f"{s['request_title']} {s['start_date'] or ''}至{s['end_date'] or ''} "
            f"{SECONDMENT_LABELS[SecondmentStatus(s['status'])]}")
    return appraisals, secondments


async def export_roster(work: Work) -> bytes:
    """Every person of the pool as a workbook with the offices' columns, their appraisals
    and secondments (audited)."""
    people = await work.session.list(TalentPerson, order_by=("name", "id"), limit=None)
    appraisals, secondments = await _histories(work)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "巡察人才库名册"
    sheet.append(EXPORT_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, p in enumerate(people, start=1):
        sheet.append([
            number, p["name"], p["person_key"], p["gender"], p["birth_date"],
            POLITICAL_LABELS.get(Political(p["political_status"]), p["political_status"]),
            p["party_joined_on"], p["home_unit"], p["post"], p["rank"],
            "、".join(specialty_label(s) for s in p["specialties"] or []),
            "、".join(POOL_LABELS[Pool(x)] for x in p["pools"] or [] if x in Pool.__members__),
            p["phone"], STATUS_LABELS.get(Status(p["status"]), p["status"]), p["note"],
            "；".join(appraisals.get(p["id"], [])), "；".join(secondments.get(p["id"], []))])
    for column, width in zip("ABCDEFGHIJKLMNOPQ", (6, 10, 14, 6, 12, 12, 12, 24, 16, 12, 24,
                                                   20, 14, 14, 24, 30, 30), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for index in (4, 6):
            row[index].number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    book.save(out)
    await work.audit("talent.roster.export", "talent_person", "", {"rows": len(people)})
    return out.getvalue()
