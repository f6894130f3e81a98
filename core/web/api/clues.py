"""JSON API of clues (问题线索) under ``/t/{tenant}/api``.

Lists, details and the 件件有着落 report never carry a clue's persons,
only ``persons_count``; ``GET /clues/{id}/persons`` returns them (action
``clue:read_persons``) and every such read is audited.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import FromQuery, JSONBody

from core.db import TenantSession
from core.db.sql import table_info
from core.inspection import clues
from core.inspection.clues import (
    ClueCreate,
    ClueOutcome,
    ClueReceipt,
    ClueReferral,
    ClueUpdate,
    is_overdue,
)
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
from core.tenancy.tables import Org
from core.web.deps import CurrentWork
from core.web.params import Id, IdQuery, Limit, Offset, Search
from core.work import Work

__all__ = [
    "ClueController",
    "ClueOut",
    "CluePage",
    "ClueReport",
    "ClueReportLine",
    "ClueReportTotals",
    "PersonOut",
    "PersonsOut",
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


class CluePage(msgspec.Struct, kw_only=True):
    """A page of clues and the total matching."""

    items: list[ClueOut]
    total: int
    limit: int
    offset: int


class PersonOut(msgspec.Struct, kw_only=True):
    """A person concerned by a clue (confidential)."""

    name: str
    position: str = ""
    unit: str = ""


class PersonsOut(msgspec.Struct, kw_only=True):
    """The persons concerned by a clue (confidential)."""

    clue_id: int
    persons: list[PersonOut]


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


async def _one(work: Work, row: dict[str, Any]) -> ClueOut:
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


class ClueController(Controller):
    """Clues of the tenant's inspections: record, refer, receipt, outcome, report."""

    path = "/t/{tenant:str}/api"
    tags = ["问题线索"]

    @post("/inspections/{inspection_id:int}/clues", opt={"action": "clue:write"},
          summary="登记问题线索")
    async def create_clue(self, work: CurrentWork, inspection_id: Id,
                          data: JSONBody[ClueCreate]) -> ClueOut:
        """Record a clue (inspection stages 进驻巡察 to 移交线索); persons stay confidential."""
        return await _one(work, await clues.record_clue(work, inspection_id, data))

    @get("/clues", opt={"action": "clue:read"}, summary="问题线索列表")
    async def list_clues(
        self,
        work: CurrentWork,
        inspection_id: IdQuery = None,
        round_id: IdQuery = None,
        org_id: IdQuery = None,
        grade: FromQuery[ClueGrade | None] = None,
        status: FromQuery[ClueStatus | None] = None,
        receiving_body: FromQuery[ReceivingBody | None] = None,
        overdue: FromQuery[bool | None] = None,
        q: Search = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> CluePage:
        """Clues filtered by inspection, round, org, grade, status, receiving body, overdue
        (reply past due and not concluded) and title; newest first, without persons."""
        session, today = work.session, work.clock.today()
        where: dict[str, Any] = {}
        if round_id is not None:
            ids = [r["id"] for r in await session.list(Inspection, {"round_id": round_id},
                                                       limit=None)]
            if inspection_id is not None:
                ids = [i for i in ids if i == inspection_id]
            where["inspection_id"] = ids
        elif inspection_id is not None:
            where["inspection_id"] = inspection_id
        for key, value in (("org_id", org_id), ("grade", grade), ("status", status),
                           ("receiving_body", receiving_body)):
            if value is not None:
                where[key] = getattr(value, "value", value)
        search = (("title",), q.strip()) if q and q.strip() else None
        if overdue is False:
            rows, total = await _page_not_overdue(session, where, search, today, limit, offset)
        else:
            if overdue:
                where |= {"reply_due__lt": today, "status__ne": ClueStatus.concluded.value}
            rows, total = await session.page(Clue, where, search=search, order_by=("-id",),
                                             limit=limit, offset=offset)
        names = await _org_names(session, rows)
        return CluePage(items=[clue_out(r, names, today) for r in rows], total=total,
                        limit=limit, offset=offset)

    @get("/clues/{clue_id:int}", opt={"action": "clue:read"}, summary="问题线索详情")
    async def get_clue(self, work: CurrentWork, clue_id: Id) -> ClueOut:
        """One clue, without its persons."""
        return await _one(work, await clues.load_clue(work.session, clue_id))

    @get("/clues/{clue_id:int}/persons", opt={"action": "clue:read_persons"},
         summary="查阅线索涉及人员（保密，留痕）")
    async def get_persons(self, work: CurrentWork, clue_id: Id) -> PersonsOut:
        """The persons concerned; each read is recorded in the audit trail."""
        persons = await clues.read_persons(work, clue_id)
        return PersonsOut(clue_id=clue_id, persons=msgspec.convert(persons, list[PersonOut]))

    @patch("/clues/{clue_id:int}", opt={"action": "clue:write"}, summary="修改问题线索")
    async def update_clue(self, work: CurrentWork, clue_id: Id,
                          data: JSONBody[ClueUpdate]) -> ClueOut:
        """Change title, summary, grade, persons or the city-managed flag (only while 已登记)."""
        return await _one(work, await clues.update_clue(work, clue_id, data))

    @post("/clues/{clue_id:int}/referral", opt={"action": "clue:refer"}, status_code=200,
          summary="移交问题线索")
    async def refer_clue(self, work: CurrentWork, clue_id: Id,
                         data: JSONBody[ClueReferral]) -> ClueOut:
        """Refer a recorded clue to 纪委监委, 组织部 or another body; the reply falls due
        after the tenant's ``clue_reply_months``. City-managed clues go to 纪委监委 only."""
        return await _one(work, await clues.refer_clue(work, clue_id, data))

    @post("/clues/{clue_id:int}/receipt", opt={"action": "clue:answer"}, status_code=200,
          summary="登记线索签收")
    async def receive_clue(self, work: CurrentWork, clue_id: Id,
                           data: JSONBody[ClueReceipt]) -> ClueOut:
        """The receiving body signed for a referred clue."""
        return await _one(work, await clues.receive_clue(work, clue_id, data))

    @post("/clues/{clue_id:int}/outcome", opt={"action": "clue:answer"}, status_code=200,
          summary="反馈线索办理结果")
    async def conclude_clue(self, work: CurrentWork, clue_id: Id,
                            data: JSONBody[ClueOutcome]) -> ClueOut:
        """The receiving body's outcome; the clue is concluded (办结)."""
        return await _one(work, await clues.conclude_clue(work, clue_id, data))

    @get("/inspections/{inspection_id:int}/clue-report", opt={"action": "clue:read"},
         summary="问题线索办理情况（件件有着落）")
    async def clue_report(self, work: CurrentWork, inspection_id: Id) -> ClueReport:
        """Every clue of the inspection with its status and outcome, and the totals."""
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
