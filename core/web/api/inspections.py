"""Inspections API: create and plan an inspection, its targets and timeline, move its stage."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import FromQuery, JSONBody, QueryParameter

from core.inspection.common import load_inspection, require_stage, stages_from
from core.inspection.events import InspectionPlanned
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
    create_inspection,
    kind_labels,
    log_entry,
    set_targets,
)
from core.inspection.stages import advance, allowed_next, release_team
from core.inspection.tables import Inspection, InspectionLog, InspectionTarget
from core.tenancy.tables import Org
from core.web.deps import CurrentWork, Session
from core.web.errors import FieldError, InputError
from core.web.params import Id, IdField, IdQuery, Limit, Offset, Search, changes_of
from core.work import Work

__all__ = ["EDITABLE", "InspectionController", "kind_labels", "log_entry"]

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Short = Annotated[str, msgspec.Meta(max_length=64)]
Remark = Annotated[str, msgspec.Meta(max_length=500)]
Summary = Annotated[str, msgspec.Meta(max_length=20000)]
OrgIds = Annotated[list[IdField], msgspec.Meta(min_length=1, max_length=50)]
UNSET: Any = msgspec.UNSET
EDITABLE = stages_from(Stage.planned, Stage.briefing)


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


class InspectionPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to an inspection; targets only while it is planned."""

    title: Title | msgspec.UnsetType = UNSET
    topic: Annotated[str, msgspec.Meta(max_length=200)] | msgspec.UnsetType = UNSET
    team_name: Short | msgspec.UnsetType = UNSET
    onsite_start: date | msgspec.UnsetType | None = UNSET
    onsite_end: date | msgspec.UnsetType | None = UNSET
    org_ids: OrgIds | msgspec.UnsetType = UNSET


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
    version: int


class InspectionPage(msgspec.Struct, kw_only=True):
    """A page of inspections and the total matching."""

    items: list[InspectionOut]
    total: int
    limit: int
    offset: int


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


async def _targets(session: Session, inspection_ids: list[int]) -> dict[int, list[Target]]:
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
    }) for row in rows]


async def _out(work: Work, inspection_id: int) -> InspectionOut:
    (out,) = await _out_many(work, [await load_inspection(work.session, inspection_id)])
    return out


_REPORT_STEPS = list(ReportStep)


class InspectionController(Controller):
    """Inspections of one tenant."""

    path = "/t/{tenant:str}/api/inspections"
    tags = ["巡察任务"]

    @get("/", opt={"action": "inspection:read"}, summary="巡察任务列表")
    async def list_inspections(
        self, work: CurrentWork, round_id: IdQuery = None, stage: FromQuery[Stage | None] = None,
        kind: Annotated[str | None, QueryParameter(max_length=32)] = None,
        org_id: IdQuery = None, q: Search = None, limit: Limit = 50, offset: Offset = 0,
    ) -> InspectionPage:
        """Inspections filtered by round, stage, kind, target org and title."""
        where: dict[str, Any] = {}
        if round_id is not None:
            where["round_id"] = round_id
        if stage is not None:
            where["stage"] = stage.value
        if kind is not None:
            where["kind"] = kind
        if org_id is not None:
            links = await work.session.list(InspectionTarget, {"org_id": org_id}, limit=None)
            where["id"] = [link["inspection_id"] for link in links]
        search = (("title", "team_name"), q.strip()) if q and q.strip() else None
        rows, total = await work.session.page(Inspection, where, search=search,
                                              order_by=("-round_id", "id"), limit=limit,
                                              offset=offset)
        return InspectionPage(items=await _out_many(work, rows), total=total, limit=limit,
                              offset=offset)

    @get("/{inspection_id:int}", opt={"action": "inspection:read"}, summary="巡察任务详情")
    async def get_inspection(self, work: CurrentWork, inspection_id: Id) -> InspectionOut:
        """One inspection with its targets, stage, next stages and deadlines."""
        return await _out(work, inspection_id)

    @post("/", opt={"action": "inspection:write"}, summary="新建巡察任务")
    async def create_inspection(self, work: CurrentWork,
                                data: JSONBody[InspectionIn]) -> InspectionOut:
        """Plan an inspection of one or more orgs in a round."""
        new_id = await create_inspection(
            work, round_id=data.round_id, kind=data.kind, org_ids=data.org_ids,
            title=data.title, topic=data.topic, team_name=data.team_name,
            onsite_start=data.onsite_start, onsite_end=data.onsite_end)
        return await _out(work, new_id)

    @patch("/{inspection_id:int}", opt={"action": "inspection:write"}, summary="修改巡察任务")
    async def update_inspection(self, work: CurrentWork, inspection_id: Id,
                                data: JSONBody[InspectionPatch]) -> InspectionOut:
        """Change title, topic, team name or dates (until on site), or targets (while planned)."""
        changes = changes_of(data)
        async with work.transaction():
            row = await load_inspection(work.session, inspection_id)
            require_stage(row, EDITABLE, "修改任务信息")
            org_ids = changes.pop("org_ids", None)
            if org_ids is not None:
                require_stage(row, [Stage.planned], "调整被巡察对象")
                await set_targets(work, inspection_id, await check_orgs(work, org_ids))
            check_dates(changes.get("onsite_start", row["onsite_start"]),
                        changes.get("onsite_end", row["onsite_end"]))
            changes["version"] = int(row["version"]) + 1
            changes["updated_at"] = work.clock.now()
            await work.session.update(Inspection, {"id": inspection_id}, changes)
            await work.audit("inspection.update", "inspection", inspection_id,
                             msgspec.to_builtins({**changes, "org_ids": org_ids}))
            work.emit(InspectionPlanned(inspection_id=inspection_id, round_id=row["round_id"],
                                        kind=row["kind"],
                                        title=changes.get("title", row["title"])))
        return await _out(work, inspection_id)

    @post("/{inspection_id:int}/stage", opt={"action": "inspection:advance"},
          summary="推进巡察环节", status_code=200)
    async def change_stage(self, work: CurrentWork, inspection_id: Id,
                           data: JSONBody[StageIn]) -> InspectionOut:
        """Move the inspection to its next stage (preconditions are checked)."""
        await advance(work, inspection_id, data.to, data.remark.strip(),
                      carry_over=data.carry_over, retention=data.retention)
        return await _out(work, inspection_id)

    @get("/{inspection_id:int}/timeline", opt={"action": "inspection:read"},
         summary="巡察环节时间线")
    async def timeline(self, session: Session, inspection_id: Id) -> list[LogOut]:
        """Every stage change, report step and notice, oldest first."""
        await load_inspection(session, inspection_id)
        rows = await session.list(InspectionLog, {"inspection_id": inspection_id},
                                  order_by=("at", "id"), limit=None)
        return [LogOut(id=r["id"], kind=r["kind"], from_value=r["from_value"],
                       to_value=r["to_value"], label=_log_label(r), actor=r["actor"],
                       at=r["at"], remark=r["remark"]) for r in rows]

    @post("/{inspection_id:int}/notice", opt={"action": "inspection:write"},
          summary="登记巡察通知", status_code=200)
    async def record_notice(self, work: CurrentWork, inspection_id: Id,
                            data: JSONBody[NoticeIn]) -> InspectionOut:
        """Record the date the notice went to the inspected unit."""
        sent_on = data.sent_on or work.clock.today()
        if sent_on > work.clock.today():
            raise InputError([FieldError("sent_on", "通知日期不能晚于今天")])
        async with work.transaction():
            row = await load_inspection(work.session, inspection_id)
            require_stage(row, [Stage.authorized, Stage.briefing], "登记巡察通知")
            await work.session.update(Inspection, {"id": inspection_id},
                                      {"notice_sent_on": sent_on, "updated_at": work.clock.now()})
            await log_entry(work, inspection_id, "notice", "", sent_on.isoformat(), data.remark)
            await work.audit("inspection.notice", "inspection", inspection_id,
                             {"sent_on": sent_on.isoformat()})
        return await _out(work, inspection_id)

    @post("/{inspection_id:int}/report", opt={"action": "report:write"},
          summary="办理巡察报告", status_code=200)
    async def report_step(self, work: CurrentWork, inspection_id: Id,
                          data: JSONBody[ReportStepIn]) -> InspectionOut:
        """Take the report one step on: drafted → team → leader → office → group → meeting."""
        async with work.transaction():
            row = await load_inspection(work.session, inspection_id)
            require_stage(row, [Stage.reporting], "办理巡察报告")
            current = ReportStep(row["report_step"])
            expected = _REPORT_STEPS[_REPORT_STEPS.index(current) + 1] if (
                current != ReportStep.secretary_meeting_heard) else None
            if data.step != expected:
                nxt = REPORT_STEP_LABELS[expected] if expected else "无"
                raise InputError([FieldError("step", (
                    f"报告当前为“{REPORT_STEP_LABELS[current]}”，下一步应为“{nxt}”"))], 409)
            values: dict[str, Any] = {"report_step": data.step.value,
                                      "updated_at": work.clock.now()}
            if data.step == ReportStep.drafted:
                if not data.title:
                    raise InputError([FieldError("title", "起草报告须填写报告标题")])
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
        return await _out(work, inspection_id)


def _log_label(row: dict[str, Any]) -> str:
    if row["kind"] == "stage":
        return STAGE_LABELS[Stage(row["to_value"])]
    if row["kind"] == "report":
        return "巡察报告：" + REPORT_STEP_LABELS[ReportStep(row["to_value"])]
    return f"发出巡察通知（{row['to_value']}）"

