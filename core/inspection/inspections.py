"""An inspection's record (巡察任务): read it, edit it, the notice and the report steps.

Creating one is :func:`core.inspection.planning.create_inspection`; moving its
stage is :func:`core.inspection.stages.advance`. What is here keeps the same
habits: every write bumps ``version``, is audited and, where the timeline
shows it, leaves an entry there.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec

from core.db import TenantSession
from core.errors import Conflict, Invalid
from core.fields import IdField, changes_of
from core.inspection.common import load_inspection, require_stage, stages_from
from core.inspection.events import InspectionPlanned
from core.inspection.extra import check_extra
from core.inspection.model import (
    REPORT_STEP_LABELS,
    STAGE_LABELS,
    ReportStep,
    Retention,
    Stage,
)
from core.inspection.planning import (
    check_dates,
    check_orgs,
    check_targets,
    kind_labels,
    log_entry,
    set_targets,
)
from core.inspection.stages import allowed_next, release_team
from core.inspection.tables import Inspection, InspectionLog, InspectionTarget
from core.pagination import Page
from core.tenancy.tables import Org
from core.work import Work

__all__ = [
    "EDITABLE",
    "EXTRA_EDITABLE",
    "Choice",
    "InspectionFilters",
    "InspectionIn",
    "InspectionOut",
    "InspectionPage",
    "InspectionPatch",
    "LogOut",
    "NoticeIn",
    "ReportStepIn",
    "StageIn",
    "Target",
    "list_inspections",
    "read_inspection",
    "record_notice",
    "report_step",
    "target_org_ids",
    "timeline",
    "update_inspection",
]

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Short = Annotated[str, msgspec.Meta(max_length=64)]
Remark = Annotated[str, msgspec.Meta(max_length=500)]
Summary = Annotated[str, msgspec.Meta(max_length=20000)]
OrgIds = Annotated[list[IdField], msgspec.Meta(min_length=1, max_length=50)]
UNSET: Any = msgspec.UNSET
EDITABLE = stages_from(Stage.planned, Stage.briefing)
"""The stages in which an inspection's title, topic, team name and dates may change."""
EXTRA_EDITABLE = stages_from(Stage.planned, Stage.reporting)
"""The stages in which its extra fields alone may change (what the team finds on site)."""


class InspectionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new inspection in a round: kind, targets, team name and planned dates."""

    round_id: IdField
    kind: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    org_ids: OrgIds
    title: Title | None = None
    topic: Annotated[str, msgspec.Meta(max_length=200)] = ""
    team_name: Short = ""
    onsite_start: date | None = None
    onsite_end: date | None = None
    extra: dict[str, Any] = {}
    """Values of the kind's extra fields (hook ``xuncha_extra_fields``)."""


class InspectionPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to an inspection; targets only while it is planned."""

    title: Title | msgspec.UnsetType = UNSET
    topic: Annotated[str, msgspec.Meta(max_length=200)] | msgspec.UnsetType = UNSET
    team_name: Short | msgspec.UnsetType = UNSET
    onsite_start: date | msgspec.UnsetType | None = UNSET
    onsite_end: date | msgspec.UnsetType | None = UNSET
    org_ids: OrgIds | msgspec.UnsetType = UNSET
    extra: dict[str, Any] | msgspec.UnsetType = UNSET
    """Extra field values to change; the others stay."""


class StageIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A stage change: the stage to enter and a remark.

    ``carry_over`` (only into ``sustained``) carries open items and clues into
    sustained rectification; ``retention`` applies when archiving.
    """

    to: Stage
    remark: Remark = ""
    carry_over: bool = False
    retention: Retention | None = None


class NoticeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The date the inspection notice went to the unit (default today)."""

    sent_on: date | None = None
    remark: Remark = ""


class ReportStepIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The next step of the inspection report; drafting sets its title and summary."""

    step: ReportStep
    remark: Remark = ""
    title: Title | None = None
    summary: Summary | None = None


class Target(msgspec.Struct, kw_only=True):
    """An inspected org."""

    org_id: int
    name: str
    kind: str


class Choice(msgspec.Struct, kw_only=True):
    """A code with its Chinese label."""

    code: str
    label: str


class InspectionOut(msgspec.Struct, kw_only=True):
    """An inspection (巡察任务) with its targets, stage and deadlines."""

    id: int
    round_id: int
    kind: str
    kind_label: str
    topic: str
    title: str
    team_name: str
    stage: str
    stage_label: str
    next_stages: list[Choice]
    targets: list[Target]
    onsite_start: date | None
    onsite_end: date | None
    notice_due: date | None
    notice_sent_on: date | None
    arrived_on: date | None
    withdrawn_on: date | None
    report_due: date | None
    report_step: str
    report_step_label: str
    report_title: str
    feedback_on: date | None
    rectification_report_due: date | None
    carried_over: bool
    archived_on: date | None
    retention: str | None
    extra: dict[str, Any]
    """The kind's extra fields (hook ``xuncha_extra_fields``) by name."""
    version: int


InspectionPage = Page[InspectionOut]
"""A page of inspections and the total matching."""


class InspectionFilters(msgspec.Struct, kw_only=True):
    """Filters of the inspection list; ``None`` means any."""

    round_id: int | None = None
    stage: Stage | None = None
    kind: str | None = None
    org_id: int | None = None
    q: str | None = None


class LogOut(msgspec.Struct, kw_only=True):
    """One timeline entry: a stage change, a report step or the notice."""

    id: int
    kind: str
    from_value: str
    to_value: str
    label: str
    actor: str
    at: Any
    remark: str


async def _targets(session: TenantSession,
                   inspection_ids: list[int]) -> dict[int, list[Target]]:
    links = await session.list(InspectionTarget, {"inspection_id": inspection_ids}, limit=None)
    orgs = {o["id"]: o for o in await session.list(
        Org, {"id": sorted({link["org_id"] for link in links})}, limit=None)}
    out: dict[int, list[Target]] = {i: [] for i in inspection_ids}
    for link in links:
        org = orgs[link["org_id"]]
        out[link["inspection_id"]].append(Target(org_id=org["id"], name=org["name"],
                                                 kind=org["kind"]))
    return out


async def _out_many(work: Work, rows: list[dict[str, Any]]) -> list[InspectionOut]:
    kinds = await kind_labels(work)
    targets = await _targets(work.session, [r["id"] for r in rows])
    fields = InspectionOut.__struct_fields__
    return [InspectionOut(**{
        **{k: row[k] for k in fields if k in row},
        "kind_label": kinds[row["kind"]].label if row["kind"] in kinds else row["kind"],
        "stage_label": STAGE_LABELS[Stage(row["stage"])],
        "report_step_label": REPORT_STEP_LABELS[ReportStep(row["report_step"])],
        "next_stages": [Choice(code=s.value, label=STAGE_LABELS[s])
                        for s in allowed_next(row["stage"])],
        "targets": targets[row["id"]],
        "extra": row.get("extra") or {},
    }) for row in rows]


async def read_inspection(work: Work, inspection_id: int) -> InspectionOut:
    """One inspection with its targets, stage, next stages and deadlines.

    Raises:
        NotFound: no such inspection.
    """
    (out,) = await _out_many(work, [await load_inspection(work.session, inspection_id)])
    return out


async def list_inspections(work: Work, filters: InspectionFilters, *, limit: int,
                           offset: int) -> InspectionPage:
    """Inspections by round (newest first), filtered by round, stage, kind, target org
    and a text in the title or team name."""
    where: dict[str, Any] = {}
    if filters.round_id is not None:
        where["round_id"] = filters.round_id
    if filters.stage is not None:
        where["stage"] = filters.stage.value
    if filters.kind is not None:
        where["kind"] = filters.kind
    if filters.org_id is not None:
        links = await work.session.list(InspectionTarget, {"org_id": filters.org_id},
                                        limit=None)
        where["id"] = [link["inspection_id"] for link in links]
    q = (filters.q or "").strip()
    search = (("title", "team_name"), q) if q else None
    rows, total = await work.session.page(Inspection, where, search=search,
                                          order_by=("-round_id", "id"), limit=limit,
                                          offset=offset)
    return InspectionPage(items=await _out_many(work, rows), total=total, limit=limit,
                          offset=offset)


async def target_org_ids(session: TenantSession) -> set[int]:
    """The orgs any of the tenant's inspections has inspected (read in SQL, each once)."""
    db = session.db
    rows = await db.fetch(
        f'SELECT DISTINCT "org_id" FROM "{InspectionTarget._meta.tablename}" '
        f'WHERE "tenant_id" = {db.dialect.mark(1)}', [session.tenant_id], session.tenant_id)
    return {int(r["org_id"]) for r in rows}


async def update_inspection(work: Work, inspection_id: int,
                            data: InspectionPatch) -> InspectionOut:
    """Change title, topic, team name or dates (until briefing), targets (while planned) or
    the extra fields alone (until reporting); emits ``inspection.planned`` again.

    Raises:
        NotFound: no such inspection.
        Invalid: unknown or inactive orgs; withdrawal before arrival; a bad extra field.
        Conflict: the inspection is past the stage that allows the change.
    """
    changes = changes_of(data)
    async with work.transaction():
        row = await load_inspection(work.session, inspection_id)
        if set(changes) == {"extra"}:
            require_stage(row, EXTRA_EDITABLE, "填写专项信息")
        else:
            require_stage(row, EDITABLE, "修改任务信息")
        org_ids = changes.pop("org_ids", None)
        if org_ids is not None:
            require_stage(row, [Stage.planned], "调整被巡察对象")
            targets = await check_orgs(work, org_ids)
            await check_targets(work, row["round_id"], row["kind"], targets)
            await set_targets(work, inspection_id, targets)
        check_dates(changes.get("onsite_start", row["onsite_start"]),
                    changes.get("onsite_end", row["onsite_end"]))
        if "extra" in changes:
            changes["extra"] = check_extra(work.plugins, row["kind"], "inspection",
                                           {**(row["extra"] or {}), **changes["extra"]})
        changes["version"] = int(row["version"]) + 1
        changes["updated_at"] = work.clock.now()
        await work.session.update(Inspection, {"id": inspection_id}, changes)
        await work.audit("inspection.update", "inspection", inspection_id,
                         msgspec.to_builtins({**changes, "org_ids": org_ids}))
        work.emit(InspectionPlanned(inspection_id=inspection_id, round_id=row["round_id"],
                                    kind=row["kind"],
                                    title=changes.get("title", row["title"])))
    return await read_inspection(work, inspection_id)


def _log_label(row: dict[str, Any]) -> str:
    if row["kind"] == "stage":
        return STAGE_LABELS[Stage(row["to_value"])]
    if row["kind"] == "report":
        return "巡察报告：" + REPORT_STEP_LABELS[ReportStep(row["to_value"])]
    return f"发出巡察通知（{row['to_value']}）"


async def timeline(session: TenantSession, inspection_id: int) -> list[LogOut]:
    """Every stage change, report step and notice of the inspection, oldest first.

    Raises:
        NotFound: no such inspection.
    """
    await load_inspection(session, inspection_id)
    rows = await session.list(InspectionLog, {"inspection_id": inspection_id},
                              order_by=("at", "id"), limit=None)
    return [LogOut(id=r["id"], kind=r["kind"], from_value=r["from_value"],
                   to_value=r["to_value"], label=_log_label(r), actor=r["actor"],
                   at=r["at"], remark=r["remark"]) for r in rows]


async def record_notice(work: Work, inspection_id: int, data: NoticeIn) -> InspectionOut:
    """Record the date the notice went to the inspected unit (default today).

    Raises:
        NotFound: no such inspection.
        Invalid: a date after today.
        Conflict: the inspection is not authorised or in briefing.
    """
    sent_on = data.sent_on or work.clock.today()
    if sent_on > work.clock.today():
        raise Invalid.on("sent_on", "通知日期不能晚于今天")
    async with work.transaction():
        row = await load_inspection(work.session, inspection_id)
        require_stage(row, [Stage.authorized, Stage.briefing], "登记巡察通知")
        await work.session.update(Inspection, {"id": inspection_id},
                                  {"notice_sent_on": sent_on, "updated_at": work.clock.now()})
        await log_entry(work, inspection_id, "notice", "", sent_on.isoformat(), data.remark)
        await work.audit("inspection.notice", "inspection", inspection_id,
                         {"sent_on": sent_on.isoformat()})
    return await read_inspection(work, inspection_id)


_REPORT_STEPS = list(ReportStep)


async def report_step(work: Work, inspection_id: int, data: ReportStepIn) -> InspectionOut:
    """Take the report one step on: drafted → team → leader → office → group → meeting.

    When the team's access ends at the leader's signature (setting
    ``team_access_until``), signing releases the team.

    Raises:
        NotFound: no such inspection.
        Invalid: drafting without a title.
        Conflict: the inspection is not reporting; a step out of order.
    """
    async with work.transaction():
        row = await load_inspection(work.session, inspection_id)
        require_stage(row, [Stage.reporting], "办理巡察报告")
        current = ReportStep(row["report_step"])
        expected = _REPORT_STEPS[_REPORT_STEPS.index(current) + 1] if (
            current != ReportStep.secretary_meeting_heard) else None
        if data.step != expected:
            nxt = REPORT_STEP_LABELS[expected] if expected else "无"
            raise Conflict.on(
                "step", f"报告当前为“{REPORT_STEP_LABELS[current]}”，下一步应为“{nxt}”")
        values: dict[str, Any] = {"report_step": data.step.value,
                                  "updated_at": work.clock.now()}
        if data.step == ReportStep.drafted:
            if not data.title:
                raise Invalid.on("title", "起草报告须填写报告标题")
            values["report_title"] = data.title
        if data.summary is not None:
            values["report_summary"] = data.summary
        await work.session.update(Inspection, {"id": inspection_id}, values)
        if (data.step == ReportStep.leader_signed
                and work.setting("team_access_until") == "report_signed"):
            await release_team(work, inspection_id)
        await log_entry(work, inspection_id, "report", current.value, data.step.value,
                        data.remark)
        await work.audit("inspection.report", "inspection", inspection_id,
                         {"step": data.step.value})
    return await read_inspection(work, inspection_id)
