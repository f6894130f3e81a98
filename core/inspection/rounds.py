"""Terms (届), term and yearly plans, rounds (轮次): the schedule inspections hang on.

A term plan is one per term, a yearly plan one per year of the term; a round's
number is unique within its year and its year lies within its term. Every
write is audited.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

import msgspec

from core.clock import add_months
from core.db import TenantSession
from core.errors import Conflict, Invalid, NotFound
from core.fields import IdField, changes_of
from core.inspection.model import PLAN_KIND_LABELS, STAGE_LABELS, PlanKind, Stage
from core.inspection.tables import Inspection, Plan, Round, Term
from core.pagination import Page
from core.work import Work

__all__ = [
    "PlanIn",
    "PlanOut",
    "PlanPatch",
    "RoundIn",
    "RoundOut",
    "RoundPage",
    "RoundPatch",
    "TermIn",
    "TermOut",
    "TermPatch",
    "create_plan",
    "create_round",
    "create_term",
    "list_plans",
    "list_rounds",
    "list_terms",
    "read_plan",
    "read_round",
    "read_term",
    "round_rows",
    "round_years",
    "update_plan",
    "update_round",
    "update_term",
]

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Note = Annotated[str, msgspec.Meta(max_length=2000)]
Year = Annotated[int, msgspec.Meta(ge=2000, le=2100)]
RoundNumber = Annotated[int, msgspec.Meta(ge=1, le=12)]
RoundCount = Annotated[int, msgspec.Meta(ge=1, le=12)]
UNSET: Any = msgspec.UNSET


class TermIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new term; ``end_date`` defaults to the tenant's term length after the start."""

    name: Name
    start_date: date
    end_date: date | None = None


class TermPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to a term."""

    name: Name | msgspec.UnsetType = UNSET
    start_date: date | msgspec.UnsetType = UNSET
    end_date: date | msgspec.UnsetType = UNSET


class TermOut(msgspec.Struct, kw_only=True):
    """A term (届)."""

    id: int
    name: str
    start_date: date
    end_date: date


class PlanIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A term plan or a yearly plan (default rounds from the tenant setting)."""

    term_id: IdField
    kind: PlanKind
    title: Title
    year: Year | None = None
    rounds_planned: RoundCount | None = None
    note: Note = ""
    approved_on: date | None = None


class PlanPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to a plan."""

    title: Title | msgspec.UnsetType = UNSET
    rounds_planned: RoundCount | msgspec.UnsetType = UNSET
    note: Note | msgspec.UnsetType = UNSET
    approved_on: date | msgspec.UnsetType | None = UNSET


class PlanOut(msgspec.Struct, kw_only=True):
    """A plan (巡察规划 / 年度计划)."""

    id: int
    term_id: int
    kind: str
    kind_label: str
    year: int | None
    title: str
    rounds_planned: int
    note: str
    approved_on: date | None


class RoundIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new round; ``number`` is unique within its year."""

    term_id: IdField
    year: Year
    number: RoundNumber
    plan_id: IdField | None = None
    name: Name | None = None
    start_date: date | None = None
    end_date: date | None = None


class RoundPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to a round."""

    name: Name | msgspec.UnsetType = UNSET
    start_date: date | msgspec.UnsetType | None = UNSET
    end_date: date | msgspec.UnsetType | None = UNSET


class RoundOut(msgspec.Struct, kw_only=True):
    """A round (轮次) with how many of its inspections are in each stage."""

    id: int
    term_id: int
    plan_id: int | None
    year: int
    number: int
    name: str
    start_date: date | None
    end_date: date | None
    inspections: int = 0
    stages: dict[str, int] = {}


RoundPage = Page[RoundOut]
"""A page of rounds, newest first, and the total matching."""


async def _get(session: TenantSession, table: Any, row_id: int, label: str) -> dict[str, Any]:
    row = await session.get(table, row_id)
    if row is None:
        raise NotFound(f"{label}不存在")
    return row


def _term_out(row: dict[str, Any]) -> TermOut:
    return TermOut(id=row["id"], name=row["name"], start_date=row["start_date"],
                   end_date=row["end_date"])


def _plan_out(row: dict[str, Any]) -> PlanOut:
    return PlanOut(id=row["id"], term_id=row["term_id"], kind=row["kind"],
                   kind_label=PLAN_KIND_LABELS[PlanKind(row["kind"])], year=row["year"],
                   title=row["title"], rounds_planned=row["rounds_planned"], note=row["note"],
                   approved_on=row["approved_on"])


async def _round_out(session: TenantSession, row: dict[str, Any]) -> RoundOut:
    stages: dict[str, int] = {}
    for insp in await session.list(Inspection, {"round_id": row["id"]}, limit=None):
        label = STAGE_LABELS[Stage(insp["stage"])]
        stages[label] = stages.get(label, 0) + 1
    return RoundOut(id=row["id"], term_id=row["term_id"], plan_id=row["plan_id"],
                    year=row["year"], number=row["number"], name=row["name"],
                    start_date=row["start_date"], end_date=row["end_date"],
                    inspections=sum(stages.values()), stages=stages)


def _check_span(start: date | None, end: date | None, field: str = "end_date") -> None:
    if start is not None and end is not None and end < start:
        raise Invalid.on(field, "结束日期不能早于开始日期")


async def _term_of(session: TenantSession, term_id: int) -> dict[str, Any]:
    """The term a new plan or round names (400 on ``term_id`` if there is none)."""
    term = await session.get(Term, term_id)
    if term is None:
        raise Invalid.on("term_id", "届不存在")
    return term


def _check_year_in_term(term: dict[str, Any], year: int) -> None:
    if not term["start_date"].year <= year <= term["end_date"].year:
        raise Invalid.on("year", "年度不在本届起止年份内")


async def list_terms(session: TenantSession) -> list[TermOut]:
    """Every term of the tenant, newest first."""
    rows = await session.list(Term, order_by=("-start_date", "id"), limit=None)
    return [_term_out(r) for r in rows]


async def read_term(session: TenantSession, term_id: int) -> TermOut:
    """One term.

    Raises:
        NotFound: no such term.
    """
    return _term_out(await _get(session, Term, term_id, "届"))


async def read_plan(session: TenantSession, plan_id: int) -> PlanOut:
    """One plan.

    Raises:
        NotFound: no such plan.
    """
    return _plan_out(await _get(session, Plan, plan_id, "计划"))


async def create_term(work: Work, data: TermIn) -> TermOut:
    """Open a term; its end defaults to the ``term_years`` setting after the start.

    Raises:
        Invalid: the end is before the start.
    """
    end = data.end_date or (
        add_months(data.start_date, 12 * int(work.setting("term_years"))) - timedelta(days=1))
    _check_span(data.start_date, end)
    async with work.transaction():
        (term_id,) = await work.session.insert(Term, [{
            "name": data.name, "start_date": data.start_date, "end_date": end}])
        await work.audit("term.create", "term", term_id, {"name": data.name})
    return _term_out(await _get(work.session, Term, term_id, "届"))


async def update_term(work: Work, term_id: int, data: TermPatch) -> TermOut:
    """Rename a term or change its dates.

    Raises:
        NotFound: no such term.
        Invalid: the end would be before the start.
    """
    async with work.transaction():
        row = await _get(work.session, Term, term_id, "届")
        changes = changes_of(data)
        _check_span(changes.get("start_date", row["start_date"]),
                    changes.get("end_date", row["end_date"]))
        if changes:
            await work.session.update(Term, {"id": term_id}, changes)
            await work.audit("term.update", "term", term_id, msgspec.to_builtins(changes))
    return _term_out(await _get(work.session, Term, term_id, "届"))


async def list_plans(session: TenantSession, *, term_id: int | None = None,
                     kind: PlanKind | None = None, year: int | None = None) -> list[PlanOut]:
    """Plans of the tenant, filtered by term, kind and year (``None``: any)."""
    where: dict[str, Any] = {}
    if term_id is not None:
        where["term_id"] = term_id
    if kind is not None:
        where["kind"] = kind.value
    if year is not None:
        where["year"] = year
    rows = await session.list(Plan, where, order_by=("kind", "year", "id"), limit=None)
    return [_plan_out(r) for r in rows]


async def create_plan(work: Work, data: PlanIn) -> PlanOut:
    """Add a term plan (one per term, no year) or a yearly plan (one per year of the term).

    Raises:
        Invalid: unknown term; a yearly plan without a year or outside the
            term; a term plan with a year.
        Conflict: the term (year) already has such a plan.
    """
    async with work.transaction():
        term = await _term_of(work.session, data.term_id)
        where: dict[str, Any] = {"term_id": data.term_id, "kind": data.kind.value}
        if data.kind == PlanKind.year:
            if data.year is None:
                raise Invalid.on("year", "年度计划须填写年度")
            _check_year_in_term(term, data.year)
            where["year"] = data.year
        elif data.year is not None:
            raise Invalid.on("year", "届内巡察规划不填写年度")
        if await work.session.count(Plan, where):
            raise Conflict.on("kind", "该届（年度）已有同类计划")
        rounds = data.rounds_planned or int(work.setting("rounds_per_year"))
        (plan_id,) = await work.session.insert(Plan, [{
            "term_id": data.term_id, "kind": data.kind.value, "year": data.year,
            "title": data.title, "rounds_planned": rounds, "note": data.note,
            "approved_on": data.approved_on}])
        await work.audit("plan.create", "plan", plan_id, {"title": data.title})
    return _plan_out(await _get(work.session, Plan, plan_id, "计划"))


async def update_plan(work: Work, plan_id: int, data: PlanPatch) -> PlanOut:
    """Change a plan's title, rounds, note or approval date.

    Raises:
        NotFound: no such plan.
    """
    async with work.transaction():
        await _get(work.session, Plan, plan_id, "计划")
        changes = changes_of(data)
        if changes:
            await work.session.update(Plan, {"id": plan_id}, changes)
            await work.audit("plan.update", "plan", plan_id, msgspec.to_builtins(changes))
    return _plan_out(await _get(work.session, Plan, plan_id, "计划"))


async def list_rounds(session: TenantSession, *, term_id: int | None = None,
                      year: int | None = None, limit: int, offset: int) -> RoundPage:
    """Rounds of the tenant, newest first, with their inspection counts by stage."""
    where: dict[str, Any] = {}
    if term_id is not None:
        where["term_id"] = term_id
    if year is not None:
        where["year"] = year
    rows, total = await session.page(Round, where, order_by=("-year", "-number"),
                                     limit=limit, offset=offset)
    items = [await _round_out(session, r) for r in rows]
    return RoundPage(items=items, total=total, limit=limit, offset=offset)


async def round_rows(session: TenantSession, *, year: int | None = None, limit: int,
                     offset: int) -> tuple[list[dict[str, Any]], int]:
    """A page of the tenant's round rows, newest first, of one year (``None``: every
    year), and how many there are in all."""
    where = {"year": year} if year is not None else {}
    return await session.page(Round, where, order_by=("-year", "-number", "-id"),
                              limit=limit, offset=offset)


async def round_years(session: TenantSession) -> list[int]:
    """The years that have rounds, newest first."""
    db = session.db
    rows = await db.fetch(
        f'SELECT DISTINCT "year" FROM "{Round._meta.tablename}" '
        f'WHERE "tenant_id" = {db.dialect.mark(1)} ORDER BY "year" DESC',
        [session.tenant_id], session.tenant_id)
    return [int(r["year"]) for r in rows]


async def read_round(session: TenantSession, round_id: int) -> RoundOut:
    """One round with its inspection counts by stage.

    Raises:
        NotFound: no such round.
    """
    return await _round_out(session, await _get(session, Round, round_id, "巡察轮次"))


async def create_round(work: Work, data: RoundIn) -> RoundOut:
    """Add a round to a term (and optionally to one of its plans); named by default
    ``<year>年第<number>轮巡察``.

    Raises:
        Invalid: the end before the start; unknown term; the year outside the
            term; a plan that is not the term's.
        Conflict: the year already has a round of that number.
    """
    _check_span(data.start_date, data.end_date)
    async with work.transaction():
        term = await _term_of(work.session, data.term_id)
        _check_year_in_term(term, data.year)
        if data.plan_id is not None:
            plan = await work.session.get(Plan, data.plan_id)
            if plan is None or plan["term_id"] != data.term_id:
                raise Invalid.on("plan_id", "计划不存在或不属于该届")
        if await work.session.count(Round, {"year": data.year, "number": data.number}):
            raise Conflict.on("number", f"{data.year} 年第 {data.number} 轮已存在")
        name = data.name or f"{data.year}年第{data.number}轮巡察"
        (round_id,) = await work.session.insert(Round, [{
            "term_id": data.term_id, "plan_id": data.plan_id, "year": data.year,
            "number": data.number, "name": name, "start_date": data.start_date,
            "end_date": data.end_date}])
        await work.audit("round.create", "round", round_id, {"name": name})
    return await read_round(work.session, round_id)


async def update_round(work: Work, round_id: int, data: RoundPatch) -> RoundOut:
    """Rename a round or change its dates.

    Raises:
        NotFound: no such round.
        Invalid: the end would be before the start.
    """
    async with work.transaction():
        row = await _get(work.session, Round, round_id, "巡察轮次")
        changes = changes_of(data)
        _check_span(changes.get("start_date", row["start_date"]),
                    changes.get("end_date", row["end_date"]))
        if changes:
            await work.session.update(Round, {"id": round_id}, changes)
            await work.audit("round.update", "round", round_id, msgspec.to_builtins(changes))
    return await read_round(work.session, round_id)
