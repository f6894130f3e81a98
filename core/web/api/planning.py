"""Planning API: terms (届), term and yearly plans, rounds (轮次).

The rules live in :mod:`core.inspection.rounds`; these handlers parse the
request and call it.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import FromQuery, JSONBody, QueryParameter

from core.inspection import rounds
from core.inspection.model import PlanKind
from core.inspection.rounds import (
    PlanIn,
    PlanOut,
    PlanPatch,
    RoundIn,
    RoundOut,
    RoundPage,
    RoundPatch,
    TermIn,
    TermOut,
    TermPatch,
)
from core.web.deps import CurrentWork, Session
from core.web.params import Id, IdQuery, Limit, Offset

__all__ = ["PlanningController"]

YearQuery = Annotated[int | None, QueryParameter(ge=2000, le=2100, description="年度")]


class PlanningController(Controller):
    """Terms, plans and rounds of one tenant."""

    path = "/t/{tenant:str}/api"
    tags = ["巡察规划"]

    @get("/terms", opt={"action": "plan:read"}, summary="届列表")
    async def list_terms(self, session: Session) -> list[TermOut]:
        """Every term of the tenant, newest first."""
        return await rounds.list_terms(session)

    @post("/terms", opt={"action": "plan:write"}, summary="新建届")
    async def create_term(self, work: CurrentWork, data: JSONBody[TermIn]) -> TermOut:
        """Open a term; its end defaults to ``term_years`` after the start."""
        return await rounds.create_term(work, data)

    @patch("/terms/{term_id:int}", opt={"action": "plan:write"}, summary="修改届")
    async def update_term(self, work: CurrentWork, term_id: Id,
                          data: JSONBody[TermPatch]) -> TermOut:
        """Rename a term or change its dates."""
        return await rounds.update_term(work, term_id, data)

    @get("/plans", opt={"action": "plan:read"}, summary="规划和年度计划列表")
    async def list_plans(self, session: Session, term_id: IdQuery = None,
                         kind: FromQuery[PlanKind | None] = None,
                         year: YearQuery = None) -> list[PlanOut]:
        """Plans of the tenant, filtered by term, kind and year."""
        return await rounds.list_plans(session, term_id=term_id, kind=kind, year=year)

    @post("/plans", opt={"action": "plan:write"}, summary="新建规划或年度计划")
    async def create_plan(self, work: CurrentWork, data: JSONBody[PlanIn]) -> PlanOut:
        """Add a term plan (one per term) or a yearly plan (one per year)."""
        return await rounds.create_plan(work, data)

    @patch("/plans/{plan_id:int}", opt={"action": "plan:write"}, summary="修改规划或计划")
    async def update_plan(self, work: CurrentWork, plan_id: Id,
                          data: JSONBody[PlanPatch]) -> PlanOut:
        """Change a plan's title, rounds, note or approval date."""
        return await rounds.update_plan(work, plan_id, data)

    @get("/rounds", opt={"action": "plan:read"}, summary="巡察轮次列表")
    async def list_rounds(self, session: Session, term_id: IdQuery = None,
                          year: YearQuery = None, limit: Limit = 50,
                          offset: Offset = 0) -> RoundPage:
        """Rounds of the tenant, newest first, with inspection counts by stage."""
        return await rounds.list_rounds(session, term_id=term_id, year=year, limit=limit,
                                        offset=offset)

    @get("/rounds/{round_id:int}", opt={"action": "plan:read"}, summary="巡察轮次详情")
    async def get_round(self, session: Session, round_id: Id) -> RoundOut:
        """One round with its inspection counts by stage."""
        return await rounds.read_round(session, round_id)

    @post("/rounds", opt={"action": "plan:write"}, summary="新建巡察轮次")
    async def create_round(self, work: CurrentWork, data: JSONBody[RoundIn]) -> RoundOut:
        """Add a round to a term (and optionally to its yearly plan)."""
        return await rounds.create_round(work, data)

    @patch("/rounds/{round_id:int}", opt={"action": "plan:write"}, summary="修改巡察轮次")
    async def update_round(self, work: CurrentWork, round_id: Id,
                           data: JSONBody[RoundPatch]) -> RoundOut:
        """Rename a round or change its dates."""
        return await rounds.update_round(work, round_id, data)
