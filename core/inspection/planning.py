"""Planning an inspection (拟定巡察任务): the service behind ``POST /inspections``.

The API and plugins (e.g. the village coverage planner creating a round's
inspections from its schedule) create inspections through
:func:`create_inspection`, so every new inspection gets the same checks, the
``planned`` timeline entry, the audit entry and the ``inspection.planned``
event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from core.errors import FieldError, Invalid
from core.inspection.events import InspectionPlanned
from core.inspection.model import Stage
from core.inspection.tables import Inspection, InspectionLog, InspectionTarget, Round
from core.tenancy.tables import Org
from core.work import Work

__all__ = ["check_dates", "check_orgs", "create_inspection", "kind_labels", "log_entry",
           "set_targets"]


async def kind_labels(work: Work) -> dict[str, Any]:
    """The inspection kinds enabled for the tenant (core and plugins), by code."""
    kinds = await work.plugins.gather("xuncha_inspection_kinds", work.tenant.plugins)
    return {k.code: k for k in kinds}


async def check_orgs(work: Work, org_ids: Sequence[int]) -> list[int]:
    """The distinct ids of active orgs of the tenant; 400 naming ``org_ids`` otherwise."""
    unique = sorted(set(org_ids))
    found = await work.session.list(Org, {"id": unique, "active": True}, limit=None)
    if len(found) != len(unique):
        raise Invalid([FieldError("org_ids", "被巡察对象不存在或已停用")])
    return unique


async def set_targets(work: Work, inspection_id: int, org_ids: Sequence[int]) -> None:
    """Make ``org_ids`` the inspection's targets."""
    await work.session.delete(InspectionTarget, {"inspection_id": inspection_id})
    await work.session.insert(InspectionTarget, [
        {"inspection_id": inspection_id, "org_id": org_id} for org_id in org_ids])


def check_dates(start: date | None, end: date | None) -> None:
    """Refuse (400) a withdrawal planned before the arrival."""
    if start is not None and end is not None and end < start:
        raise Invalid([FieldError("onsite_end", "撤离日期不能早于进驻日期")])


async def log_entry(work: Work, inspection_id: int, kind: str, from_value: str, to_value: str,
                    remark: str) -> None:
    """Add an entry to the inspection's timeline."""
    await work.session.insert(InspectionLog, [{
        "inspection_id": inspection_id, "kind": kind, "from_value": from_value,
        "to_value": to_value, "actor": work.actor, "at": work.clock.now(), "remark": remark}])


async def create_inspection(
    work: Work, *, round_id: int, kind: str, org_ids: Sequence[int], title: str | None = None,
    topic: str = "", team_name: str = "", onsite_start: date | None = None,
    onsite_end: date | None = None,
) -> int:
    """Plan an inspection of ``org_ids`` in a round; returns its id.

    Joins the caller's transaction if one is open (several inspections can be
    created at once, all or none).

    Raises:
        Invalid: unknown or disabled kind, missing topic, unknown
            round or org, withdrawal before arrival; the field is named.
    """
    kinds = await kind_labels(work)
    found = kinds.get(kind)
    if found is None:
        raise Invalid([FieldError("kind", f"巡察类型 {kind} 不存在或未启用")])
    if found.needs_topic and not topic.strip():
        raise Invalid([FieldError("topic", f"{found.label}须填写专项主题")])
    check_dates(onsite_start, onsite_end)
    async with work.transaction():
        round_row = await work.session.get(Round, round_id)
        if round_row is None:
            raise Invalid([FieldError("round_id", "巡察轮次不存在")])
        targets = await check_orgs(work, org_ids)
        title = title or f"{round_row['name']}{team_name}{found.label}"
        (new_id,) = await work.session.insert(Inspection, [{
            "round_id": round_id, "kind": kind, "topic": topic.strip(), "title": title,
            "team_name": team_name, "onsite_start": onsite_start, "onsite_end": onsite_end}])
        await set_targets(work, new_id, targets)
        await log_entry(work, new_id, "stage", "", Stage.planned.value, "拟定巡察任务")
        await work.audit("inspection.create", "inspection", new_id,
                         {"title": title, "org_ids": targets})
        work.emit(InspectionPlanned(inspection_id=new_id, round_id=round_id, kind=kind,
                                    title=title, created=True))
    return int(new_id)
