"""Planning API: terms (届), term and yearly plans, rounds (轮次)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import FromQuery, JSONBody, QueryParameter

from core.clock import add_months
from core.inspection.common import get_or_404
from core.inspection.model import PLAN_KIND_LABELS, STAGE_LABELS, PlanKind, Stage
from core.inspection.tables import Inspection, Plan, Round, Term
from core.web.deps import CurrentWork, Session
from core.web.errors import FieldError, InputError
from core.web.params import Id, IdField, IdQuery, Limit, Offset, changes_of

__all__ = ["PlanningController"]

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Note = Annotated[str, msgspec.Meta(max_length=2000)]
Year = Annotated[int, msgspec.Meta(ge=2000, le=2100)]
RoundNumber = Annotated[int, msgspec.Meta(ge=1, le=12)]
RoundCount = Annotated[int, msgspec.Meta(ge=1, le=12)]
YearQuery = Annotated[int | None, QueryParameter(ge=2000, le=2100, description="年度")]
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


class Page(msgspec.Struct, kw_only=True):
    """A page of rows and the total matching."""

    items: list[Any]
    total: int
    limit: int
    offset: int


def _term_out(row: dict[str, Any]) -> TermOut:
    return TermOut(id=row["id"], name=row["name"], start_date=row["start_date"],
                   end_date=row["end_date"])


def _plan_out(row: dict[str, Any]) -> PlanOut:
    return PlanOut(id=row["id"], term_id=row["term_id"], kind=row["kind"],
                   kind_label=PLAN_KIND_LABELS[PlanKind(row["kind"])], year=row["year"],
                   title=row["title"], rounds_planned=row["rounds_planned"], note=row["note"],
                   approved_on=row["approved_on"])


async def _round_out(session: Session, row: dict[str, Any]) -> RoundOut:
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
        raise InputError([FieldError(field, "结束日期不能早于开始日期")])


class PlanningController(Controller):
    """Terms, plans and rounds of one tenant."""

    path = "/t/{tenant:str}/api"
    tags = ["巡察规划"]

    @get("/terms", opt={"action": "plan:read"}, summary="届列表")
    async def list_terms(self, session: Session) -> list[TermOut]:
        """Every term of the tenant, newest first."""
        rows = await session.list(Term, order_by=("-start_date", "id"), limit=None)
        return [_term_out(r) for r in rows]

    @post("/terms", opt={"action": "plan:write"}, summary="新建届")
    async def create_term(self, work: CurrentWork, data: JSONBody[TermIn]) -> TermOut:
        """Open a term; its end defaults to ``term_years`` after the start."""
        end = data.end_date or (
            add_months(data.start_date, 12 * int(work.setting("term_years"))) - timedelta(days=1))
        _check_span(data.start_date, end)
        async with work.transaction():
            (term_id,) = await work.session.insert(Term, [{
                "name": data.name, "start_date": data.start_date, "end_date": end}])
            await work.audit("term.create", "term", term_id, {"name": data.name})
        return _term_out(await get_or_404(work.session, Term, term_id, "届"))

    @patch("/terms/{term_id:int}", opt={"action": "plan:write"}, summary="修改届")
    async def update_term(self, work: CurrentWork, term_id: Id,
                          data: JSONBody[TermPatch]) -> TermOut:
        """Rename a term or change its dates."""
        async with work.transaction():
            row = await get_or_404(work.session, Term, term_id, "届")
            changes = changes_of(data)
            _check_span(changes.get("start_date", row["start_date"]),
                        changes.get("end_date", row["end_date"]))
            if changes:
                await work.session.update(Term, {"id": term_id}, changes)
                await work.audit("term.update", "term", term_id, msgspec.to_builtins(changes))
        return _term_out(await get_or_404(work.session, Term, term_id, "届"))

    @get("/plans", opt={"action": "plan:read"}, summary="规划和年度计划列表")
    async def list_plans(self, session: Session, term_id: IdQuery = None,
                         kind: FromQuery[PlanKind | None] = None,
                         year: YearQuery = None) -> list[PlanOut]:
        """Plans of the tenant, filtered by term, kind and year."""
        where: dict[str, Any] = {}
        if term_id is not None:
            where["term_id"] = term_id
        if kind is not None:
            where["kind"] = kind.value
        if year is not None:
            where["year"] = year
        rows = await session.list(Plan, where, order_by=("kind", "year", "id"), limit=None)
        return [_plan_out(r) for r in rows]

    @post("/plans", opt={"action": "plan:write"}, summary="新建规划或年度计划")
    async def create_plan(self, work: CurrentWork, data: JSONBody[PlanIn]) -> PlanOut:
        """Add a term plan (one per term) or a yearly plan (one per year)."""
        async with work.transaction():
            term = await work.session.get(Term, data.term_id)
            if term is None:
                raise InputError([FieldError("term_id", "届不存在")])
            where: dict[str, Any] = {"term_id": data.term_id, "kind": data.kind.value}
            if data.kind == PlanKind.year:
                if data.year is None:
                    raise InputError([FieldError("year", "年度计划须填写年度")])
                if not term["start_date"].year <= data.year <= term["end_date"].year:
                    raise InputError([FieldError("year", "年度不在本届起止年份内")])
                where["year"] = data.year
            elif data.year is not None:
                raise InputError([FieldError("year", "届内巡察规划不填写年度")])
            if await work.session.count(Plan, where):
                raise InputError([FieldError("kind", "该届（年度）已有同类计划")], 409)
            rounds = data.rounds_planned or int(work.setting("rounds_per_year"))
            (plan_id,) = await work.session.insert(Plan, [{
                "term_id": data.term_id, "kind": data.kind.value, "year": data.year,
                "title": data.title, "rounds_planned": rounds, "note": data.note,
                "approved_on": data.approved_on}])
            await work.audit("plan.create", "plan", plan_id, {"title": data.title})
        return _plan_out(await get_or_404(work.session, Plan, plan_id, "计划"))

    @patch("/plans/{plan_id:int}", opt={"action": "plan:write"}, summary="修改规划或计划")
    async def update_plan(self, work: CurrentWork, plan_id: Id,
                          data: JSONBody[PlanPatch]) -> PlanOut:
        """Change a plan's title, rounds, note or approval date."""
        async with work.transaction():
            await get_or_404(work.session, Plan, plan_id, "计划")
            changes = changes_of(data)
            if changes:
                await work.session.update(Plan, {"id": plan_id}, changes)
                await work.audit("plan.update", "plan", plan_id, msgspec.to_builtins(changes))
        return _plan_out(await get_or_404(work.session, Plan, plan_id, "计划"))

    @get("/rounds", opt={"action": "plan:read"}, summary="巡察轮次列表")
    async def list_rounds(self, session: Session, term_id: IdQuery = None,
                          year: YearQuery = None, limit: Limit = 50,
                          offset: Offset = 0) -> Page:
        """Rounds of the tenant, newest first, with inspection counts by stage."""
        where: dict[str, Any] = {}
        if term_id is not None:
            where["term_id"] = term_id
        if year is not None:
            where["year"] = year
        rows, total = await session.page(Round, where, order_by=("-year", "-number"),
                                         limit=limit, offset=offset)
        items = [await _round_out(session, r) for r in rows]
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get("/rounds/{round_id:int}", opt={"action": "plan:read"}, summary="巡察轮次详情")
    async def get_round(self, session: Session, round_id: Id) -> RoundOut:
        """One round with its inspection counts by stage."""
        return await _round_out(session, await get_or_404(session, Round, round_id, "巡察轮次"))

    @post("/rounds", opt={"action": "plan:write"}, summary="新建巡察轮次")
    async def create_round(self, work: CurrentWork, data: JSONBody[RoundIn]) -> RoundOut:
        """Add a round to a term (and optionally to its yearly plan)."""
        _check_span(data.start_date, data.end_date)
        async with work.transaction():
            term = await work.session.get(Term, data.term_id)
            if term is None:
                raise InputError([FieldError("term_id", "届不存在")])
            if not term["start_date"].year <= data.year <= term["end_date"].year:
                raise InputError([FieldError("year", "年度不在本届起止年份内")])
            if data.plan_id is not None:
                plan = await work.session.get(Plan, data.plan_id)
                if plan is None or plan["term_id"] != data.term_id:
                    raise InputError([FieldError("plan_id", "计划不存在或不属于该届")])
            if await work.session.count(Round, {"year": data.year, "number": data.number}):
                raise InputError([FieldError("number", f"{data.year} 年第 {data.number} 轮已存在")],
                                 409)
            name = data.name or f"{data.year}年第{data.number}轮巡察"
            (round_id,) = await work.session.insert(Round, [{
                "term_id": data.term_id, "plan_id": data.plan_id, "year": data.year,
                "number": data.number, "name": name, "start_date": data.start_date,
                "end_date": data.end_date}])
            await work.audit("round.create", "round", round_id, {"name": name})
        return await _round_out(work.session,
                                await get_or_404(work.session, Round, round_id, "巡察轮次"))

    @patch("/rounds/{round_id:int}", opt={"action": "plan:write"}, summary="修改巡察轮次")
    async def update_round(self, work: CurrentWork, round_id: Id,
                           data: JSONBody[RoundPatch]) -> RoundOut:
        """Rename a round or change its dates."""
        async with work.transaction():
            row = await get_or_404(work.session, Round, round_id, "巡察轮次")
            changes = changes_of(data)
            _check_span(changes.get("start_date", row["start_date"]),
                        changes.get("end_date", row["end_date"]))
            if changes:
                await work.session.update(Round, {"id": round_id}, changes)
                await work.audit("round.update", "round", round_id,
                                 msgspec.to_builtins(changes))
        return await _round_out(work.session,
                                await get_or_404(work.session, Round, round_id, "巡察轮次"))
