"""Inspections API: create and plan an inspection, its targets and timeline, move its stage.

The rules live in :mod:`core.inspection.inspections` (the record),
:mod:`core.inspection.planning` (creating one) and
:mod:`core.inspection.stages` (moving its stage).
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import FromQuery, JSONBody, QueryParameter

from core.inspection import inspections
from core.inspection.inspections import (
    EDITABLE,
    InspectionFilters,
    InspectionIn,
    InspectionOut,
    InspectionPage,
    InspectionPatch,
    LogOut,
    NoticeIn,
    ReportStepIn,
    StageIn,
)
from core.inspection.model import Stage
from core.inspection.planning import create_inspection, kind_labels, log_entry
from core.inspection.stages import advance
from core.web.deps import CurrentWork, Session
from core.web.params import Id, IdQuery, Limit, Offset, Search
from core.web.read_cache import READ_CACHE_SECONDS

__all__ = ["EDITABLE", "InspectionController", "kind_labels", "log_entry"]


class InspectionController(Controller):
    """Inspections of one tenant."""

    path = "/t/{tenant:str}/api/inspections"
    tags = ["巡察任务"]

    @get("/", opt={"action": "inspection:read"}, summary="巡察任务列表",
         cache=READ_CACHE_SECONDS)
    async def list_inspections(
        self, work: CurrentWork, round_id: IdQuery = None, stage: FromQuery[Stage | None] = None,
        kind: Annotated[str | None, QueryParameter(max_length=32)] = None,
        org_id: IdQuery = None, q: Search = None, limit: Limit = 50, offset: Offset = 0,
    ) -> InspectionPage:
        """Inspections filtered by round, stage, kind, target org and title."""
        filters = InspectionFilters(round_id=round_id, stage=stage, kind=kind, org_id=org_id,
                                    q=q)
        return await inspections.list_inspections(work, filters, limit=limit, offset=offset)

    @get("/{inspection_id:int}", opt={"action": "inspection:read"}, summary="巡察任务详情")
    async def get_inspection(self, work: CurrentWork, inspection_id: Id) -> InspectionOut:
        """One inspection with its targets, stage, next stages and deadlines."""
        return await inspections.read_inspection(work, inspection_id)

    @post("/", opt={"action": "inspection:write"}, summary="新建巡察任务")
    async def create_inspection(self, work: CurrentWork,
                                data: JSONBody[InspectionIn]) -> InspectionOut:
        """Plan an inspection of one or more orgs in a round."""
        new_id = await create_inspection(
            work, round_id=data.round_id, kind=data.kind, org_ids=data.org_ids,
            title=data.title, topic=data.topic, team_name=data.team_name,
            onsite_start=data.onsite_start, onsite_end=data.onsite_end, extra=data.extra)
        return await inspections.read_inspection(work, new_id)

    @patch("/{inspection_id:int}", opt={"action": "inspection:write"}, summary="修改巡察任务")
    async def update_inspection(self, work: CurrentWork, inspection_id: Id,
                                data: JSONBody[InspectionPatch]) -> InspectionOut:
        """Change title, topic, team name or dates (until on site), or targets (while planned)."""
        return await inspections.update_inspection(work, inspection_id, data)

    @post("/{inspection_id:int}/stage", opt={"action": "inspection:advance"},
          summary="推进巡察环节", status_code=200)
    async def change_stage(self, work: CurrentWork, inspection_id: Id,
                           data: JSONBody[StageIn]) -> InspectionOut:
        """Move the inspection to its next stage (preconditions are checked)."""
        await advance(work, inspection_id, data.to, data.remark.strip(),
                      carry_over=data.carry_over, retention=data.retention)
        return await inspections.read_inspection(work, inspection_id)

    @get("/{inspection_id:int}/timeline", opt={"action": "inspection:read"},
         summary="巡察环节时间线")
    async def timeline(self, session: Session, inspection_id: Id) -> list[LogOut]:
        """Every stage change, report step and notice, oldest first."""
        return await inspections.timeline(session, inspection_id)

    @post("/{inspection_id:int}/notice", opt={"action": "inspection:write"},
          summary="登记巡察通知", status_code=200)
    async def record_notice(self, work: CurrentWork, inspection_id: Id,
                            data: JSONBody[NoticeIn]) -> InspectionOut:
        """Record the date the notice went to the inspected unit."""
        return await inspections.record_notice(work, inspection_id, data)

    @post("/{inspection_id:int}/report", opt={"action": "report:write"},
          summary="办理巡察报告", status_code=200)
    async def report_step(self, work: CurrentWork, inspection_id: Id,
                          data: JSONBody[ReportStepIn]) -> InspectionOut:
        """Take the report one step on: drafted → team → leader → office → group → meeting."""
        return await inspections.report_step(work, inspection_id, data)
