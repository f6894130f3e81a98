"""The JSON API of village coverage, under ``/t/{tenant}/api/coverage/``.

County (any tenant with targets): targets and their classification, the
term's progress, the plan (propose, edit, create a round's inspections),
received directives and applying them. City: the roll-up over its counties,
one county's report, and sending a directive down. A county asking for the
city's views gets 403; an unknown term, org or directive 404.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.datastructures import State as AppState
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import JSONBody, PathParameter, QueryParameter

from core.api import READ_CACHE_SECONDS, CurrentWork, Id, Work, require_action, runtime_of
from plugins.village_coverage import service
from plugins.village_coverage.directives import DirectiveIn, apply_directive, issue_directive
from plugins.village_coverage.directives import list_directives as all_directives
from plugins.village_coverage.model import State
from plugins.village_coverage.rollup import rollup
from plugins.village_coverage.service import EntryChange, TargetChange
from plugins.village_coverage.status import current_term, load_coverage
from plugins.village_coverage.views import (
    DirectiveOut,
    PlanOut,
    ProgressOut,
    RollupOut,
    TargetOut,
    directive_out,
    plan_out,
    progress_out,
    rollup_out,
    target_out,
)

__all__ = ["CoverageController", "require_city"]

CountyCode = Annotated[str, PathParameter(min_length=1, max_length=64,
                                          description="下级巡察机构代码")]
SlotCode = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{1,2}$")]


def require_city(work: Work) -> None:
    """Refuse (403) a tenant that reports to a parent: it has no counties."""
    if work.tenant.parent_code:
        raise PermissionDeniedException(f"{work.tenant.name}是下级巡察机构，没有下级全覆盖汇总")


class EntriesIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Edits of the plan."""

    entries: Annotated[list[EntryChange], msgspec.Meta(min_length=1, max_length=500)]


class SlotIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A round of the term, ``2025-2``."""

    slot: SlotCode


class ProposalOut(msgspec.Struct, kw_only=True):
    """A new proposal: how many were scheduled, what did not fit, and the plan."""

    planned: int
    unscheduled: list[int]
    warnings: list[str]
    plan: PlanOut


class CreatedOut(msgspec.Struct, kw_only=True):
    """Inspections created for a round from the plan."""

    round_id: int
    inspections: list[dict[str, Any]]
    skipped: list[str]


class CountyReportOut(msgspec.Struct, kw_only=True):
    """The latest report of one county, as received (villages included)."""

    code: str
    name: str
    report: dict[str, Any] | None


class CoverageController(Controller):
    """Village coverage of one tenant (and, for a city, of its counties)."""

    path = "/t/{tenant:str}/api/coverage"
    tags = ["村(居)巡察全覆盖"]

    @get("/progress", opt={"action": "coverage:read"}, summary="本届巡察全覆盖进度",
         cache=READ_CACHE_SECONDS)
    async def current_progress(self, work: CurrentWork) -> ProgressOut:
        """The coverage of the current term (404 when the tenant has no term)."""
        term = await current_term(work)
        if term is None:
            raise NotFoundException("尚未设立届")
        return progress_out(await load_coverage(work, term))

    @get("/terms/{term_id:int}/progress", opt={"action": "coverage:read"},
         summary="一届的巡察全覆盖进度")
    async def progress(self, work: CurrentWork, term_id: Id) -> ProgressOut:
        """Rates for departments and villages, per year and township, and the orgs at risk."""
        term = await service.load_term(work, term_id)
        return progress_out(await load_coverage(work, term))

    @get("/terms/{term_id:int}/targets", opt={"action": "coverage:read"},
         summary="全覆盖对象列表")
    async def targets(
        self, work: CurrentWork, term_id: Id,
        population: Annotated[str | None, QueryParameter(max_length=32)] = None,
        status: Annotated[State | None, QueryParameter(description="状态")] = None,
        township_id: Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)] = None,
    ) -> list[TargetOut]:
        """Every target of the term, filtered by population, status and township."""
        term = await service.load_term(work, term_id)
        coverage = await load_coverage(work, term)
        return [target_out(line) for line in coverage.lines
                if (population is None or population in line.populations)
                and (status is None or line.state == status)
                and (township_id is None or line.township_id == township_id)]

    @patch("/terms/{term_id:int}/targets/{org_id:int}", opt={"action": "coverage:plan"},
           summary="修改全覆盖对象分类、巡察方式或登记其他方式覆盖")
    async def update_target(self, work: CurrentWork, term_id: Id, org_id: Id,
                            data: JSONBody[TargetChange]) -> TargetOut:
        """Classify a village (key/watch/general), set its mode, or record a coverage."""
        term = await service.load_term(work, term_id)
        return target_out(await service.update_target(work, term, org_id, data))

    @get("/terms/{term_id:int}/plan", opt={"action": "coverage:read"}, summary="全覆盖巡察规划")
    async def plan(self, work: CurrentWork, term_id: Id) -> PlanOut:
        """The term's rounds with the orgs planned in each, and what is not planned."""
        term = await service.load_term(work, term_id)
        return plan_out(await load_coverage(work, term))

    @post("/terms/{term_id:int}/plan/propose", opt={"action": "coverage:plan"},
          summary="生成全覆盖建议方案", status_code=200)
    async def propose(self, work: CurrentWork, term_id: Id) -> ProposalOut:
        """Schedule everything still to cover over the open rounds (replaces the unfixed plan)."""
        term = await service.load_term(work, term_id)
        proposal = await service.propose_plan(work, term)
        return ProposalOut(planned=len(proposal.assign), unscheduled=proposal.unscheduled,
                           warnings=proposal.warnings,
                           plan=plan_out(await load_coverage(work, term)))

    @post("/terms/{term_id:int}/plan/entries", opt={"action": "coverage:plan"},
          summary="调整全覆盖巡察规划", status_code=200)
    async def set_entries(self, work: CurrentWork, term_id: Id,
                          data: JSONBody[EntriesIn]) -> PlanOut:
        """Move orgs to other open rounds, or out of the plan (``slot`` null)."""
        term = await service.load_term(work, term_id)
        await service.set_entries(work, term, data.entries)
        return plan_out(await load_coverage(work, term))

    @post("/terms/{term_id:int}/plan/inspections", opt={"action": "coverage:schedule"},
          summary="按规划创建本轮巡察任务")
    async def create_inspections(self, request: Request[Any, Any, Any], work: CurrentWork,
                                 term_id: Id, data: JSONBody[SlotIn]) -> CreatedOut:
        """Create the round's inspections: a township with its villages, each department."""
        await require_action(request, "inspection:write")
        term = await service.load_term(work, term_id)
        created = await service.create_round_inspections(work, term, data.slot)
        return CreatedOut(round_id=created.round_id, inspections=created.inspections,
                          skipped=created.skipped)

    @get("/counties", opt={"action": "coverage:rollup"}, summary="下级巡察全覆盖汇总")
    async def counties(self, state: AppState, work: CurrentWork) -> RollupOut:
        """Each county's latest reported rates, and the city-wide totals."""
        require_city(work)
        return rollup_out(await rollup(work, runtime_of(state)))

    @get("/counties/{county:str}", opt={"action": "coverage:rollup"},
         summary="一个下级巡察机构报送的全覆盖情况")
    async def county(self, state: AppState, work: CurrentWork,
                     county: CountyCode) -> CountyReportOut:
        """The county's latest report as received, villages included."""
        require_city(work)
        found = await rollup(work, runtime_of(state))
        for item in found.counties:
            if item.code == county:
                return CountyReportOut(code=item.code, name=item.name, report=item.report)
        raise NotFoundException(f"{county[:64]} 不是本机构的下级巡察机构")

    @get("/directives", opt={"action": "coverage:read"}, summary="全覆盖工作指示")
    async def directives(self, work: CurrentWork) -> list[DirectiveOut]:
        """Directives sent (a city) or received (a county), newest first."""
        return [directive_out(row) for row in await all_directives(work)]

    @post("/directives", opt={"action": "coverage:direct"}, summary="下发全覆盖工作指示")
    async def issue(self, state: AppState, work: CurrentWork,
                    data: JSONBody[DirectiveIn]) -> DirectiveOut:
        """Send a county a directive naming its villages (e.g. for elevated inspection)."""
        require_city(work)
        return directive_out(await issue_directive(work, runtime_of(state), data))

    @post("/directives/{coverage_directive_id:int}/apply", opt={"action": "coverage:plan"},
          summary="应用上级全覆盖工作指示", status_code=200)
    async def apply(self, work: CurrentWork, coverage_directive_id: Id) -> DirectiveOut:
        """Mark the directive's villages as key villages (elevated ones: inspected by the city)."""
        row, _missing = await apply_directive(work, coverage_directive_id)
        return directive_out(row)
