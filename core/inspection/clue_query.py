"""Reading clues (问题线索): lists, one clue, the 件件有着落 report.

What is read here never carries a clue's persons, only ``persons_count``;
:func:`core.inspection.clues.read_persons` returns them and audits the read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec

from core.db import TenantSession
from core.db.sql import table_info
from core.inspection.clues import is_overdue, load_clue
from core.inspection.common import load_inspection
from core.inspection.model import (
    CLUE_GRADE_LABELS,
    CLUE_STATUS_LABELS,
    RECEIVING_BODY_LABELS,
    STAGE_LABELS,
    ClueGrade,
    ClueStatus,
    ReceivingBody,
    Stage,
)
from core.inspection.tables import Clue, Inspection
from core.pagination import Page
from core.tenancy.tables import Org
from core.work import Work

__all__ = [
    "ClueFilters",
    "ClueOut",
    "CluePage",
    "ClueReport",
    "ClueReportLine",
    "ClueReportTotals",
    "PersonOut",
    "PersonsOut",
    "clue_out",
    "clue_report",
    "list_clues",
    "one_clue",
    "read_clue",
]


class ClueOut(msgspec.Struct, kw_only=True):
    """A clue as lists and details show it: without its persons."""

    id: int
    inspection_id: int
    org_id: int
    org_name: str
    title: str
    summary: str
    grade: str
    grade_label: str
    persons_count: int
    city_managed: bool
    status: str
    status_label: str
    receiving_body: str | None
    receiving_body_label: str
    receiving_body_name: str
    referred_on: date | None
    reply_due: date | None
    received_on: date | None
    outcome: str
    concluded_on: date | None
    carried_over: bool
    overdue: bool
    recorded_by: str
    recorded_at: datetime
    updated_at: datetime


CluePage = Page[ClueOut]
"""A page of clues and the total matching."""


class PersonOut(msgspec.Struct, kw_only=True):
    """A person concerned by a clue (confidential)."""

    name: str
    position: str = ""
    unit: str = ""


class PersonsOut(msgspec.Struct, kw_only=True):
    """The persons concerned by a clue (confidential)."""

    clue_id: int
    persons: list[PersonOut]


class ClueFilters(msgspec.Struct, kw_only=True):
    """Filters of the clue list; ``None`` means any. ``overdue``: the reply is past due
    and the clue not concluded (``False``: the others)."""

    inspection_id: int | None = None
    round_id: int | None = None
    org_id: int | None = None
    grade: ClueGrade | None = None
    status: ClueStatus | None = None
    receiving_body: ReceivingBody | None = None
    overdue: bool | None = None
    q: str | None = None


class ClueReportLine(msgspec.Struct, kw_only=True):
    """One clue in the 件件有着落 report."""

    id: int
    org_id: int
    org_name: str
    title: str
    grade: str
    grade_label: str
    city_managed: bool
    status: str
    status_label: str
    receiving_body: str | None
    receiving_body_label: str
    receiving_body_name: str
    referred_on: date | None
    reply_due: date | None
    overdue: bool
    has_outcome: bool
    outcome: str
    concluded_on: date | None
    carried_over: bool


class ClueReportTotals(msgspec.Struct, kw_only=True):
    """Counts of the report: ``total = concluded + carried_over + open``."""

    total: int
    concluded: int
    open: int
    overdue: int
    carried_over: int


class ClueReport(msgspec.Struct, kw_only=True):
    """Every clue of an inspection and whether it reached an outcome (件件有着落)."""

    inspection_id: int
    inspection_title: str
    stage: str
    stage_label: str
    as_of: date
    items: list[ClueReportLine]
    totals: ClueReportTotals
    all_resolved: bool


def _labels(row: dict[str, Any]) -> dict[str, Any]:
    body = row["receiving_body"]
    return {
        "grade_label": CLUE_GRADE_LABELS[ClueGrade(row["grade"])],
        "status_label": CLUE_STATUS_LABELS[ClueStatus(row["status"])],
        "receiving_body_label": RECEIVING_BODY_LABELS[ReceivingBody(body)] if body else "",
    }


def clue_out(row: dict[str, Any], org_names: dict[int, str], today: date) -> ClueOut:
    """The API shape of a clue row (its persons are only counted)."""
    return ClueOut(
        id=row["id"], inspection_id=row["inspection_id"], org_id=row["org_id"],
        org_name=org_names.get(row["org_id"], ""), title=row["title"], summary=row["summary"],
        grade=row["grade"], persons_count=len(row["persons"] or []),
        city_managed=bool(row["city_managed"]), status=row["status"],
        receiving_body=row["receiving_body"], receiving_body_name=row["receiving_body_name"],
        referred_on=row["referred_on"], reply_due=row["reply_due"],
        received_on=row["received_on"], outcome=row["outcome"],
        concluded_on=row["concluded_on"], carried_over=bool(row["carried_over"]),
        overdue=is_overdue(row, today), recorded_by=row["recorded_by"],
        recorded_at=row["recorded_at"], updated_at=row["updated_at"], **_labels(row),
    )


async def _org_names(session: TenantSession, rows: list[dict[str, Any]]) -> dict[int, str]:
    ids = sorted({r["org_id"] for r in rows})
    if not ids:
        return {}
    return {o["id"]: o["name"] for o in await session.list(Org, {"id": ids}, limit=None)}


async def one_clue(work: Work, row: dict[str, Any]) -> ClueOut:
    """The API shape of one clue row."""
    return clue_out(row, await _org_names(work.session, [row]), work.clock.today())


async def _page_not_overdue(
    session: TenantSession, where: dict[str, Any], search: tuple[tuple[str, ...], str] | None,
    today: date, limit: int, offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """A page of clues that are not overdue (an OR the filter helpers cannot say)."""
    info, dialect = table_info(Clue), session.db.dialect
    clause, args = dialect.where(info, {"tenant_id": session.tenant_id, **where}, search, 0)
    args += [ClueStatus.concluded.value, today]
    n = len(args)
    clause += (f' AND ("status" = {dialect.mark(n - 1)} OR "reply_due" IS NULL'
               f' OR "reply_due" >= {dialect.mark(n)})')
    count = await session.db.fetch(f'SELECT COUNT(*) AS n FROM "{info.name}" WHERE {clause}', args,
                                   session.tenant_id)
    columns = ", ".join(f'"{c}"' for c in info.columns)
    sql = (f'SELECT {columns} FROM "{info.name}" WHERE {clause} ORDER BY "id" DESC'
           f" LIMIT {dialect.mark(n + 1)} OFFSET {dialect.mark(n + 2)}")
    rows = await session.db.fetch(sql, [*args, limit, offset], session.tenant_id)
    return [info.decode(r) for r in rows], int(count[0]["n"])


async def read_clue(work: Work, clue_id: int) -> ClueOut:
    """One clue, without its persons.

    Raises:
        NotFound: no such clue.
    """
    return await one_clue(work, await load_clue(work.session, clue_id))


async def list_clues(work: Work, filters: ClueFilters, *, limit: int, offset: int) -> CluePage:
    """Clues filtered by inspection, round, org, grade, status, receiving body, overdue and
    a text in the title; newest first, without persons."""
    session, today = work.session, work.clock.today()
    where: dict[str, Any] = {}
    if filters.round_id is not None:
        ids = [r["id"] for r in await session.list(Inspection, {"round_id": filters.round_id},
                                                   limit=None)]
        if filters.inspection_id is not None:
            ids = [i for i in ids if i == filters.inspection_id]
        where["inspection_id"] = ids
    elif filters.inspection_id is not None:
        where["inspection_id"] = filters.inspection_id
    for key, value in (("org_id", filters.org_id), ("grade", filters.grade),
                       ("status", filters.status), ("receiving_body", filters.receiving_body)):
        if value is not None:
            where[key] = getattr(value, "value", value)
    q = (filters.q or "").strip()
    search = (("title",), q) if q else None
    if filters.overdue is False:
        rows, total = await _page_not_overdue(session, where, search, today, limit, offset)
    else:
        if filters.overdue:
            where |= {"reply_due__lt": today, "status__ne": ClueStatus.concluded.value}
        rows, total = await session.page(Clue, where, search=search, order_by=("-id",),
                                         limit=limit, offset=offset)
    names = await _org_names(session, rows)
    return CluePage(items=[clue_out(r, names, today) for r in rows], total=total,
                    limit=limit, offset=offset)


async def clue_report(work: Work, inspection_id: int) -> ClueReport:
    """Every clue of the inspection with its status and outcome, and the totals.

    Raises:
        NotFound: no such inspection.
    """
    session, today = work.session, work.clock.today()
    inspection = await load_inspection(session, inspection_id)
    rows = await session.list(Clue, {"inspection_id": inspection_id}, limit=None)
    names = await _org_names(session, rows)
    items = [_line(r, names, today) for r in rows]
    concluded = sum(1 for i in items if i.has_outcome)
    carried = sum(1 for i in items if i.carried_over and not i.has_outcome)
    totals = ClueReportTotals(
        total=len(items), concluded=concluded, carried_over=carried,
        open=len(items) - concluded - carried, overdue=sum(1 for i in items if i.overdue),
    )
    return ClueReport(
        inspection_id=inspection_id, inspection_title=inspection["title"],
        stage=inspection["stage"], stage_label=STAGE_LABELS[Stage(inspection["stage"])],
        as_of=today, items=items, totals=totals, all_resolved=totals.open == 0,
    )


def _line(row: dict[str, Any], org_names: dict[int, str], today: date) -> ClueReportLine:
    return ClueReportLine(
        id=row["id"], org_id=row["org_id"], org_name=org_names.get(row["org_id"], ""),
        title=row["title"], grade=row["grade"], city_managed=bool(row["city_managed"]),
        status=row["status"], receiving_body=row["receiving_body"],
        receiving_body_name=row["receiving_body_name"], referred_on=row["referred_on"],
        reply_due=row["reply_due"], overdue=is_overdue(row, today),
        has_outcome=row["status"] == ClueStatus.concluded, outcome=row["outcome"],
        concluded_on=row["concluded_on"], carried_over=bool(row["carried_over"]),
        **_labels(row),
    )
