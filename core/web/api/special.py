"""JSON API of a special inspection's checklist (检查清单), extra fields and statistics."""

from __future__ import annotations

from typing import Annotated

from litestar import get, put
from litestar.params import JSONBody, PathParameter

from core.contributions import InspectionStatistic
from core.inspection.checklist import ChecklistOut, MarkIn, inspection_statistics, mark_item
from core.inspection.checklist import read_checklist as read_checklist_of
from core.inspection.common import load_inspection
from core.inspection.extra import ExtraField, extra_fields
from core.web.deps import CurrentWork
from core.web.params import Id

__all__ = ["ItemCode", "special_handlers"]

ItemCode = Annotated[str, PathParameter(max_length=64, description="检查事项代码")]
_BASE = "/t/{tenant:str}/api/inspections/{inspection_id:int}"


@get(f"{_BASE}/checklist", opt={"action": "inspection:read"}, summary="检查清单",
     tags=["专项巡察"])
async def read_checklist(work: CurrentWork, inspection_id: Id) -> ChecklistOut:
    """The checklist of the inspection's kind, each item with its mark and citing findings."""
    return await read_checklist_of(work, inspection_id)


@put(f"{_BASE}/checklist/{{item_code:str}}", opt={"action": "finding:write"},
     summary="填写检查清单事项", tags=["专项巡察"])
async def mark_checklist_item(work: CurrentWork, inspection_id: Id, item_code: ItemCode,
                              data: JSONBody[MarkIn]) -> ChecklistOut:
    """Mark one item: checked, problem found (a finding must cite it), not applicable,
    or pending again."""
    return await mark_item(work, inspection_id, item_code, data)


@get(f"{_BASE}/statistics", opt={"action": "inspection:read"}, summary="专项统计",
     tags=["专项巡察"])
async def read_statistics(work: CurrentWork, inspection_id: Id) -> list[InspectionStatistic]:
    """The figures the tenant's plugins count for the inspection (also sent up)."""
    row = await load_inspection(work.session, inspection_id)
    return await inspection_statistics(work, inspection_id, row["kind"])


@get(f"{_BASE}/extra-fields", opt={"action": "inspection:read"}, summary="补充字段",
     tags=["专项巡察"])
async def read_extra_fields(work: CurrentWork, inspection_id: Id) -> dict[str, list[ExtraField]]:
    """The extra fields of the inspection's kind, for the inspection and for its findings."""
    row = await load_inspection(work.session, inspection_id)
    return {on: extra_fields(work.plugins, row["kind"], on)
            for on in ("inspection", "finding")}


special_handlers = [read_checklist, mark_checklist_item, read_statistics, read_extra_fields]
"""Every handler of the special-inspection API."""
