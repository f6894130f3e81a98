"""The stage machine of one inspection (DOMAIN.md, "One inspection, stage by stage").

Only the moves in ``TRANSITIONS`` are allowed: forward one stage at a time,
and back from ``reviewed`` to ``reporting`` when the secretary's meeting
returns the report. Each move checks its preconditions and refuses with the
reason, records who, when and a remark in the inspection's timeline, sets
the dates and deadlines the stage starts, and emits
``inspection.stage_changed``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from core.clock import CHINA
from core.errors import Conflict, FieldError, Invalid
from core.inspection.clues import open_clue_count
from core.inspection.common import STAGES, due_in_months, load_inspection, stage_rank
from core.inspection.events import InspectionStageChanged
from core.inspection.model import (
    REPORT_STEP_LABELS,
    STAGE_LABELS,
    ClueStatus,
    PaperStatus,
    ReportStep,
    Retention,
    Stage,
    TeamRole,
)
from core.inspection.rectification import (
    carry_over_items,
    disclosure_count,
    open_item_count,
    orgs_missing_report,
)
from core.inspection.tables import (
    Clue,
    Inspection,
    InspectionLog,
    InspectionTarget,
    TeamMember,
    WorkingPaper,
)
from core.work import Work

__all__ = ["TRANSITIONS", "advance", "allowed_next", "grant_end", "missing_for", "release_team"]

TRANSITIONS: dict[Stage, tuple[Stage, ...]] = {
    stage: ((STAGES[i + 1],) if i + 1 < len(STAGES) else ()) for i, stage in enumerate(STAGES)
}
TRANSITIONS[Stage.reviewed] = (Stage.feedback, Stage.reporting)


def allowed_next(stage: str) -> tuple[Stage, ...]:
    """The stages an inspection in ``stage`` may move to."""
    return TRANSITIONS[Stage(stage)]


class _Move:
    """What one stage change is about to do (filled by the checks)."""

    def __init__(self, work: Work, inspection: dict[str, Any], to: Stage, remark: str,
                 carry_over: bool, retention: Retention | None) -> None:
        self.work, self.inspection, self.to = work, inspection, to
        self.remark, self.carry_over, self.retention = remark, carry_over, retention
        self.today: date = work.clock.today()
        self.values: dict[str, Any] = {}
        self.reasons: list[str] = []

    @property
    def id(self) -> int:
        return int(self.inspection["id"])

    def where(self, **extra: Any) -> dict[str, Any]:
        return {"inspection_id": self.id, **extra}


async def _to_authorized(move: _Move) -> None:
    session, insp = move.work.session, move.inspection
    if not await session.count(InspectionTarget, move.where()):
        move.reasons.append("尚未确定被巡察对象")
    team = await session.list(TeamMember, move.where(), limit=None)
    leaders = [m for m in team if m["role"] == TeamRole.leader]
    if len(leaders) != 1:
        move.reasons.append("巡察组须有且仅有一名组长")
    undeclared = [m["name"] for m in team if not m["recusal_declared"]]
    if undeclared:
        move.reasons.append(f"以下人员尚未提交回避声明：{'、'.join(undeclared)}")
    if insp["onsite_start"] is None:
        move.reasons.append("尚未确定进驻日期")
    else:
        notice_days = int(move.work.setting("notice_days_before_arrival"))
        move.values["notice_due"] = insp["onsite_start"] - timedelta(days=notice_days)


async def _to_onsite(move: _Move) -> None:
    session, insp = move.work.session, move.inspection
    leaders = await session.list(TeamMember, move.where(role=TeamRole.leader.value), limit=None)
    now = move.work.clock.now()
    if not any(m["authorized_at"] is not None and (m["released_at"] is None
                                                   or m["released_at"] > now) for m in leaders):
        move.reasons.append("组长尚未获得本次巡察授权，不能进驻")
    if insp["notice_sent_on"] is None:
        move.reasons.append("尚未向被巡察单位发出巡察通知")
    else:
        days = int(move.work.setting("notice_days_before_arrival"))
        if (move.today - insp["notice_sent_on"]).days < days:
            move.reasons.append(
                f"巡察通知须在进驻前 {days} 天发出（通知日期 {insp['notice_sent_on']}）"
            )
    move.values["arrived_on"] = move.today


async def _to_withdrawn(move: _Move) -> None:
    months = move.work.setting("report_months_after_withdrawal")
    move.values["withdrawn_on"] = move.today
    move.values["report_due"] = due_in_months(move.today, months)


async def _to_reviewed(move: _Move) -> None:
    session = move.work.session
    unsigned = await session.count(WorkingPaper, move.where(status__ne=PaperStatus.signed.value))
    if unsigned:
        move.reasons.append(f"还有 {unsigned} 份问题底稿未经组长签字")
    if move.inspection["report_step"] != ReportStep.secretary_meeting_heard:
        step = REPORT_STEP_LABELS[ReportStep(move.inspection["report_step"])]
        move.reasons.append(f"巡察报告尚未经书记专题会审议（当前：{step}）")


async def _to_feedback(move: _Move) -> None:
    months = move.work.setting("rectification_report_months")
    move.values["feedback_on"] = move.today
    move.values["rectification_report_due"] = due_in_months(move.today, months)


async def _to_rectifying(move: _Move) -> None:
    unreferred = await move.work.session.count(Clue, move.where(status=ClueStatus.recorded.value))
    if unreferred:
        move.reasons.append(f"还有 {unreferred} 条问题线索尚未移交")


async def _to_rectification_reported(move: _Move) -> None:
    missing = await orgs_missing_report(move.work.session, move.id)
    if missing:
        move.reasons.append(f"还有 {len(missing)} 个被巡察单位未报送整改报告")


async def _to_disclosed(move: _Move) -> None:
    if not await disclosure_count(move.work.session, move.id):
        move.reasons.append("尚未登记整改情况公开（或经批准不公开的理由）")


async def _to_sustained(move: _Move) -> None:
    if move.carry_over:
        await _carry_over(move)


async def _to_archived(move: _Move) -> None:
    clues = await open_clue_count(move.work.session, move.id)
    items = await open_item_count(move.work.session, move.id)
    if clues:
        move.reasons.append(f"还有 {clues} 条问题线索未办结，也未转入持续整改")
    if items:
        move.reasons.append(f"还有 {items} 项整改事项未销号，也未转入持续整改")
    move.values["archived_on"] = move.today
    move.values["retention"] = (move.retention or Retention.long_term).value


async def _carry_over(move: _Move) -> None:
    """Mark what is still open as carried into sustained rectification (持续整改)."""
    items = await carry_over_items(move.work, move.id)
    clues = await move.work.session.update(Clue, move.where(
        status__ne=ClueStatus.concluded.value, carried_over=False), {"carried_over": True})
    move.values["carried_over"] = True
    move.remark = (move.remark + f"（{items} 项整改事项、{len(clues)} 条线索转入持续整改）"
                   ).strip()


_CHECKS: dict[Stage, Callable[[_Move], Awaitable[None]]] = {
    Stage.authorized: _to_authorized,
    Stage.onsite: _to_onsite,
    Stage.withdrawn: _to_withdrawn,
    Stage.reviewed: _to_reviewed,
    Stage.feedback: _to_feedback,
    Stage.rectifying: _to_rectifying,
    Stage.rectification_reported: _to_rectification_reported,
    Stage.disclosed: _to_disclosed,
    Stage.sustained: _to_sustained,
    Stage.archived: _to_archived,
}


STAGE_CHECK_HOOK = "xuncha_stage_check"
"""Plugins' preconditions of a forward move (e.g. a signed evaluation before ``evaluated``)."""


async def _check(move: _Move, current: Stage) -> None:
    """The core's checks of a forward move, then the plugins' (``xuncha_stage_check``)."""
    if stage_rank(move.to) <= stage_rank(current):
        return
    check = _CHECKS.get(move.to)
    if check is not None:
        await check(move)
    work = move.work
    answers = await work.plugins.call(STAGE_CHECK_HOOK, work.tenant.plugins, work=work,
                                      inspection_id=move.id, kind=move.inspection["kind"],
                                      stage=move.to.value)
    for reasons in answers:
        move.reasons.extend(str(reason) for reason in reasons or ())


async def advance(work: Work, inspection_id: int, to: Stage, remark: str = "", *,
                  carry_over: bool = False, retention: Retention | None = None
                  ) -> dict[str, Any]:
    """Move an inspection to stage ``to``; returns the updated inspection row.

    Raises:
        NotFound: no such inspection in the tenant.
        Conflict: the move is not allowed or a precondition fails; the errors
            list every reason.
    """
    async with work.transaction():
        inspection = await load_inspection(work.session, inspection_id)
        current = Stage(inspection["stage"])
        if to not in TRANSITIONS[current]:
            allowed = "、".join(f"“{STAGE_LABELS[s]}”" for s in TRANSITIONS[current]) or "无"
            raise Conflict([FieldError("to", (
                f"巡察任务处于“{STAGE_LABELS[current]}”环节，不能转入“{STAGE_LABELS[to]}”"
                f"（可转入：{allowed}）"))])
        if carry_over and to != Stage.sustained:
            raise Invalid([FieldError("carry_over",
                                         "只有转入“持续整改”环节时才能结转未办结事项")])
        move = _Move(work, inspection, to, remark, carry_over, retention)
        await _check(move, current)
        if move.reasons:
            raise Conflict([FieldError("to", reason) for reason in move.reasons])
        now = work.clock.now()
        await _apply(work, move, current, now)
    row = await load_inspection(work.session, inspection_id)
    return row


async def missing_for(work: Work, inspection_id: int) -> dict[Stage, list[str]]:
    """What is still missing before each stage the inspection may move to now.

    The same checks :func:`advance` makes, without moving (and without
    carrying anything over); an empty list means the move would be allowed.

    Raises:
        NotFound: no such inspection in the tenant.
    """
    inspection = await load_inspection(work.session, inspection_id)
    current = Stage(inspection["stage"])
    out: dict[Stage, list[str]] = {}
    for to in TRANSITIONS[current]:
        move = _Move(work, inspection, to, "", False, None)
        await _check(move, current)
        out[to] = move.reasons
    return out


async def _apply(work: Work, move: _Move, current: Stage, now: Any) -> None:
    session = work.session
    values = {**move.values, "stage": move.to.value, "updated_at": now,
              "version": int(move.inspection["version"]) + 1}
    await session.update(Inspection, {"id": move.id}, values)
    if move.to == Stage.authorized:
        await session.update(TeamMember, move.where(authorized_at=None), {
            "authorized_at": now, "released_at": grant_end(work, move.inspection)})
    if move.to == Stage.withdrawn and work.setting("team_access_until") == "withdrawn":
        await release_team(work, move.id)
    await session.insert(InspectionLog, [{
        "inspection_id": move.id, "kind": "stage", "from_value": current.value,
        "to_value": move.to.value, "actor": work.actor, "at": now, "remark": move.remark}])
    await work.audit("inspection.stage", "inspection", move.id,
                     {"from": current.value, "to": move.to.value, "remark": move.remark})
    work.emit(InspectionStageChanged(
        inspection_id=move.id, round_id=move.inspection["round_id"],
        kind=move.inspection["kind"], title=move.inspection["title"],
        from_stage=current.value, to_stage=move.to.value, remark=move.remark))


def grant_end(work: Work, inspection: dict[str, Any]) -> datetime | None:
    """When a team's access to ``inspection`` ends by itself (一次一授权).

    At the end of the planned withdrawal day (China time), or, with the
    tenant setting ``team_access_until = report_signed``, when the report is
    due after it; entering ``withdrawn`` (or the leader signing the report)
    ends it earlier.
    """
    end_day: date | None = inspection["onsite_end"]
    if end_day is None:
        return None
    if work.setting("team_access_until") == "report_signed":
        end_day = due_in_months(end_day, work.setting("report_months_after_withdrawal"))
    return datetime.combine(end_day + timedelta(days=1), time(), tzinfo=CHINA)


async def release_team(work: Work, inspection_id: int) -> None:
    """End the team's access to the inspection now (一次一授权 ends with it)."""
    now = work.clock.now()
    where = {"inspection_id": inspection_id, "authorized_at__ne": None}
    await work.session.update(TeamMember, {**where, "released_at": None}, {"released_at": now})
    await work.session.update(TeamMember, {**where, "released_at__gt": now},
                              {"released_at": now})
