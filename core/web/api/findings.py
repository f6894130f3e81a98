"""JSON API of findings (问题)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import FromQuery, JSONBody, QueryParameter

from core.inspection import findings
from core.inspection.findings import (
    FindingCreate,
    FindingFilters,
    FindingOut,
    FindingPage,
    FindingUpdate,
)
from core.inspection.model import Severity
from core.web.deps import CurrentWork
from core.web.params import Id, IdQuery, Limit, Offset, Search
from core.web.read_cache import READ_CACHE_SECONDS

__all__ = ["FindingController"]

CategoryQuery = Annotated[str | None, QueryParameter(max_length=64, description="问题类别代码")]


class FindingController(Controller):
    """Findings of the tenant's inspections."""

    path = "/t/{tenant:str}/api"
    tags = ["问题"]

    @post("/inspections/{inspection_id:int}/findings", opt={"action": "finding:write"},
          summary="登记问题")
    async def create_finding(self, work: CurrentWork, inspection_id: Id,
                             data: JSONBody[FindingCreate]) -> FindingOut:
        """Record a finding of one target org (from the visit until feedback)."""
        return await findings.create_finding(work, inspection_id, data)

    @get("/findings", opt={"action": "finding:read"}, summary="问题列表",
         cache=READ_CACHE_SECONDS)
    async def list_findings(
        self, work: CurrentWork, inspection_id: IdQuery = None, round_id: IdQuery = None,
        org_id: IdQuery = None, category: CategoryQuery = None,
        severity: FromQuery[Severity | None] = None, shared: FromQuery[bool | None] = None,
        fix_now: FromQuery[bool | None] = None, q: Search = None, limit: Limit = 50,
        offset: Offset = 0,
    ) -> FindingPage:
        """Findings filtered by inspection, round, org, category, severity, flags and title."""
        filters = FindingFilters(inspection_id=inspection_id, round_id=round_id, org_id=org_id,
                                 category=category, severity=severity, shared=shared,
                                 fix_now=fix_now, q=q)
        return await findings.list_findings(work, filters, limit=limit, offset=offset)

    @get("/findings/{finding_id:int}", opt={"action": "finding:read"}, summary="问题详情")
    async def get_finding(self, work: CurrentWork, finding_id: Id) -> FindingOut:
        """One finding."""
        return await findings.read_finding(work, finding_id)

    @patch("/findings/{finding_id:int}", opt={"action": "finding:write"}, summary="修改问题")
    async def update_finding(self, work: CurrentWork, finding_id: Id,
                             data: JSONBody[FindingUpdate]) -> FindingOut:
        """Reclassify or edit a finding, or mark it fix-now (立行立改) or shared (共性问题)."""
        return await findings.update_finding(work, finding_id, data)
