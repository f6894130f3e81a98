"""Planning an inspection (拟定巡察任务): the service behind ``POST /inspections``.

The API and plugins (e.g. the village coverage planner creating a round's
inspections from its schedule) create inspections through
:func:`create_inspection`, so every new inspection gets the same checks, the
``planned`` timeline entry, the audit entry and the ``inspection.planned``
event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from core.errors import Conflict, FieldError, Invalid
from core.inspection.common import due_in_months
from core.inspection.events import InspectionPlanned, InspectionStageChanged
from core.inspection.extra import check_extra
from core.inspection.model import Stage
from core.inspection.tables import Inspection, InspectionLog, InspectionTarget, Round
from core.tenancy.tables import Org
from core.work import Work

__all__ = ["TARGET_CHECK_HOOK", "check_dates", "check_orgs", "check_targets",
           "create_inspection", "kind_labels", "log_entry", "receive_inspection", "set_targets"]

TARGET_CHECK_HOOK = "xuncha_target_check"
"""Plugins' refusals of an inspection's targets (e.g. an org under the city's elevated
inspection of the same round)."""


async def kind_labels(work: Work) -> dict[str, Any]:
    """The inspection kinds enabled for the tenant (core and plugins), by code."""
    kinds = await work.plugins.gather("xuncha_inspection_kinds", work.tenant.plugins)
    return {k.code: k for k in kinds}


async def check_orgs(work: Work, org_ids: Sequence[int]) -> list[int]:
    """The distinct ids of active orgs of the tenant; 400 naming ``org_ids`` otherwise
    (none at all included)."""
    if not org_ids:
        raise Invalid([FieldError("org_ids", "请至少选择一个被巡察对象")])
    unique = sorted(set(org_ids))
    found = await work.session.list(Org, {"id": unique, "active": True}, limit=None)
    if len(found) != len(unique):
        raise Invalid([FieldError("org_ids", "被巡察对象不存在或已停用")])
    return unique


async def check_targets(work: Work, round_id: int, kind: str, org_ids: Sequence[int]) -> None:
    """Ask the tenant's plugins (``xuncha_target_check``) whether ``org_ids`` may be inspected
    in round ``round_id``; 409 naming ``org_ids`` with every reason otherwise."""
    answers = await work.plugins.call(TARGET_CHECK_HOOK, work.tenant.plugins, work=work,
                                      round_id=round_id, kind=kind, org_ids=list(org_ids))
    reasons = [str(reason) for found in answers for reason in found or ()]
    if reasons:
        raise Conflict([FieldError("org_ids", reason) for reason in reasons])


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
    onsite_end: date | None = None, extra: Mapping[str, Any] | None = None,
) -> int:
    """Plan an inspection of ``org_ids`` in a round; returns its id.

    Joins the caller's transaction if one is open (several inspections can be
    created at once, all or none).

    Raises:
        Invalid: unknown or disabled kind, missing topic, unknown
            round or org, withdrawal before arrival; the field is named.
        Conflict: a plugin refuses the targets (``xuncha_target_check``).
    """
    kinds = await kind_labels(work)
    found = kinds.get(kind)
    if found is None:
        raise Invalid([FieldError("kind", f"巡察类型 {kind} 不存在或未启用")])
    if found.needs_topic and not topic.strip():
        raise Invalid([FieldError("topic", f"{found.label}须填写专项主题")])
    check_dates(onsite_start, onsite_end)
    values = check_extra(work.plugins, kind, "inspection", extra or {})
    async with work.transaction():
        round_row = await work.session.get(Round, round_id)
        if round_row is None:
            raise Invalid([FieldError("round_id", "巡察轮次不存在")])
        targets = await check_orgs(work, org_ids)
        await check_targets(work, round_id, kind, targets)
        title = title or f"{round_row['name']}{team_name}{found.label}"
        (new_id,) = await work.session.insert(Inspection, [{
            "round_id": round_id, "kind": kind, "topic": topic.strip(), "title": title,
            "team_name": team_name, "onsite_start": onsite_start, "onsite_end": onsite_end,
            "extra": values, "created_at": work.clock.now()}])
        await set_targets(work, new_id, targets)
        await log_entry(work, new_id, "stage", "", Stage.planned.value, "拟定巡察任务")
        await work.audit("inspection.create", "inspection", new_id,
                         {"title": title, "org_ids": targets})
        work.emit(InspectionPlanned(inspection_id=new_id, round_id=round_id, kind=kind,
                                    title=title, created=True))
    return int(new_id)


async def receive_inspection(
    work: Work, *, round_id: int, kind: str, org_ids: Sequence[int], title: str,
    feedback_on: date, remark: str = "",
) -> int:
    """Record an inspection another tenant held of this tenant's orgs, fed back already.

    The city's elevated inspection (提级巡察) of a county's village: the city
    owns it, the county rectifies. The county's copy is created as
    :func:`create_inspection` would and moved straight to ``feedback`` on
    ``feedback_on`` (the stage checks belong to the tenant that held it), so
    its ledger takes the items and its orgs count as covered. Joins the
    caller's transaction.

    Raises:
        Invalid: as :func:`create_inspection` (unknown round, org or kind).
    """
    async with work.transaction():
        new_id = await create_inspection(work, round_id=round_id, kind=kind, org_ids=org_ids,
                                         title=title)
        months = work.setting("rectification_report_months")
        await work.session.update(Inspection, {"id": new_id}, {
            "stage": Stage.feedback.value, "feedback_on": feedback_on,
            "rectification_report_due": due_in_months(feedback_on, months),
            "updated_at": work.clock.now(), "version": 2})
        await log_entry(work, new_id, "stage", Stage.planned.value, Stage.feedback.value,
                        remark)
        await work.audit("inspection.receive", "inspection", new_id,
                         {"title": title, "feedback_on": feedback_on.isoformat(),
                          "remark": remark})
        work.emit(InspectionStageChanged(
            inspection_id=new_id, round_id=round_id, kind=kind, title=title,
            from_stage=Stage.planned.value, to_stage=Stage.feedback.value, remark=remark))
    return new_id
