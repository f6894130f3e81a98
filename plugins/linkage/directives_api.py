"""JSON API of what the city sends down: directives, their answers, shared findings.

The same paths serve both levels: in a city ``/api/directives`` lists what
it issued (with every county's progress), in a county what it received
(with its own ledger items answering them).
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.params import FromQuery, JSONBody, QueryParameter

from core.api import READ_CACHE_SECONDS, CurrentWork, Id, ItemsOut, Limit, Offset, runtime_of
from plugins.linkage import answers, directives
from plugins.linkage.answers import AnswerItemsIn
from plugins.linkage.directives import (
    DirectiveDetail,
    DirectiveIn,
    DirectiveOut,
    DirectivePage,
    WithdrawIn,
)
from plugins.linkage.model import DirectiveKind, is_county
from plugins.linkage.shared import SharedFindingPage, list_shared_findings

__all__ = ["DirectiveController"]

DIRECTIVES = "/t/{tenant:str}/api/directives"
SourceQuery = Annotated[str | None,
                        QueryParameter(max_length=64, description="来源县（市、区）代码")]


class DirectiveController(Controller):
    """Directives down, answers up, shared findings across (上下联动)."""

    tags = ["上下联动"]

    @get(DIRECTIVES, opt={"action": "directive:read"}, summary="部署列表（下发或收到的）",
         cache=READ_CACHE_SECONDS)
    async def list_directives(self, work: CurrentWork,
                              kind: FromQuery[DirectiveKind | None] = None,
                              limit: Limit = 50, offset: Offset = 0) -> DirectivePage:
        """A city's directives with the counties' answers summed; a county's received
        directives with its own ledger items counted. Newest first."""
        if is_county(work.tenant):
            return await answers.received_directives(work, kind, limit=limit, offset=offset)
        return await directives.list_directives(work, kind, limit=limit, offset=offset)

    @post(DIRECTIVES, opt={"action": "directive:write"}, summary="下发部署")
    async def create_directive(self, state: State, work: CurrentWork,
                               data: JSONBody[DirectiveIn]) -> DirectiveOut:
        """Issue a directive (``kind``: deployment, directive, common_problem, knowledge,
        elevated_assignment, cross_assignment) to ``targets`` (county codes) or, when
        empty, to every county. Only a city issues."""
        directives.require_city(work.tenant)
        counties = await directives.known_counties(work, runtime_of(state).tenants)
        return await directives.create_directive(work, data, counties)

    @get(f"{DIRECTIVES}/{{directive_id:int}}", opt={"action": "directive:read"},
         summary="部署详情和落实情况")
    async def get_directive(self, state: State, work: CurrentWork,
                            directive_id: Id) -> DirectiveDetail:
        """In a city: the directive and each addressed county's progress. In a county:
        the directive received and its own ledger items answering it."""
        if is_county(work.tenant):
            return await answers.received_detail(work, directive_id)
        counties = await directives.known_counties(work, runtime_of(state).tenants)
        return await directives.directive_detail(work, directive_id, counties)

    @post(f"{DIRECTIVES}/{{directive_id:int}}/withdraw", opt={"action": "directive:write"},
          status_code=200, summary="撤回部署")
    async def withdraw_directive(self, work: CurrentWork, directive_id: Id,
                                 data: JSONBody[WithdrawIn | None] = None) -> DirectiveOut:
        """Take a directive back; the counties it addressed are told."""
        return await directives.withdraw_directive(work, directive_id, data or WithdrawIn())

    @post(f"{DIRECTIVES}/{{directive_id:int}}/items", opt={"action": "directive:answer"},
          summary="以整改事项回应共性问题")
    async def answer_with_items(self, work: CurrentWork, directive_id: Id,
                                data: JSONBody[AnswerItemsIn]) -> ItemsOut:
        """A county answers a common problem (共性问题) with ledger items of one of its
        inspections (from ``finding_ids``, or one item with ``org_id``; ``problem``
        defaults to the directive's title). Their progress is reported to the city."""
        return await answers.answer_with_items(work, directive_id, data)

    @get("/t/{tenant:str}/api/shared-findings", opt={"action": "shared_finding:read"},
         summary="共享问题")
    async def shared_findings(self, work: CurrentWork, source: SourceQuery = None,
                              limit: Limit = 50, offset: Offset = 0) -> SharedFindingPage:
        """In a county: the findings its sibling counties shared (through the city). In a
        city: the findings its counties shared. Newest first; un-shared ones are gone."""
        return await list_shared_findings(work, source=source, limit=limit, offset=offset)
