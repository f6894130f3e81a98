"""Clues (问题线索): recording, referral to a receiving body, receipt, outcome.

A clue's ``persons`` are confidential: only :func:`read_persons` returns
them, and every such read is audited. Lists, details, the report, audit
details and events carry only ``persons_count``.

Life: recorded → referred → received → concluded. A clue about a
city-managed cadre (市管干部) may only go to the discipline body (纪委监委).
The receiving body answers within the tenant setting ``clue_reply_months``
(default 3) after referral; every clue must reach an outcome (件件有着落).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec

from core.db import TenantSession
from core.errors import Conflict, FieldError, Invalid
from core.fields import IdField
from core.inspection.common import (
    due_in_months,
    get_or_not_found,
    load_inspection,
    require_stage,
    require_target,
    stages_from,
)
from core.inspection.events import ClueChanged, ClueClosed, ClueRecorded, ClueReferred
from core.inspection.model import (
    CLUE_STATUS_LABELS,
    ClueGrade,
    ClueStatus,
    ReceivingBody,
    Stage,
)
from core.inspection.tables import Clue
from core.work import Work

__all__ = [
    "MAX_PERSONS",
    "RECORD_STAGES",
    "REFERRAL_STAGES",
    "ClueCreate",
    "ClueOutcome",
    "ClueReceipt",
    "ClueReferral",
    "ClueUpdate",
    "Person",
    "conclude_clue",
    "is_overdue",
    "load_clue",
    "open_clue_count",
    "read_persons",
    "receive_clue",
    "record_clue",
    "refer_clue",
    "update_clue",
]

MAX_PERSONS = 20
"""At most this many persons concerned in one clue."""

RECORD_STAGES = stages_from(Stage.onsite, Stage.referral)
"""Stages in which a clue may be recorded."""

REFERRAL_STAGES = [Stage.feedback, Stage.referral, Stage.rectifying]
"""Stages in which a clue may be referred (the referral stage of DOMAIN.md)."""

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200, description="线索标题")]
Summary = Annotated[str, msgspec.Meta(max_length=5000, description="线索摘要")]
DateField = Annotated[date, msgspec.Meta(description="日期（YYYY-MM-DD），默认今天")]


class Person(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A person concerned by a clue (confidential)."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64, description="姓名")]
    position: Annotated[str, msgspec.Meta(min_length=1, max_length=100, description="职务")]
    unit: Annotated[str, msgspec.Meta(max_length=200, description="工作单位")] = ""


Persons = Annotated[list[Person], msgspec.Meta(max_length=MAX_PERSONS,
                                               description="涉及人员（1-20 人，保密）")]


class ClueCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new clue; ``org_id`` must be a target of the inspection."""

    title: Title
    grade: ClueGrade
    org_id: IdField
    persons: Persons
    summary: Summary = ""
    city_managed: bool = False


class ClueUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Fields of a recorded clue to change; absent fields stay as they are."""

    title: Title | msgspec.UnsetType = msgspec.UNSET
    summary: Summary | msgspec.UnsetType = msgspec.UNSET
    grade: ClueGrade | msgspec.UnsetType = msgspec.UNSET
    persons: Persons | msgspec.UnsetType = msgspec.UNSET
    city_managed: bool | msgspec.UnsetType = msgspec.UNSET


class ClueReferral(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Referral to a receiving body; a name is required for ``other``."""

    receiving_body: ReceivingBody
    receiving_body_name: Annotated[str, msgspec.Meta(max_length=100,
                                                     description="接收单位名称")] = ""
    referred_on: DateField | None = None


class ClueReceipt(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The receiving body signed for the clue."""

    received_on: DateField | None = None


class ClueOutcome(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The receiving body's answer: how the clue was dealt with."""

    outcome: Annotated[str, msgspec.Meta(min_length=2, max_length=2000,
                                         description="办理结果")]
    concluded_on: DateField | None = None


def is_overdue(row: dict[str, Any], today: date) -> bool:
    """Whether the reply is past due: ``reply_due < today`` and not concluded."""
    due = row.get("reply_due")
    return due is not None and due < today and row["status"] != ClueStatus.concluded


async def load_clue(session: TenantSession, clue_id: int) -> dict[str, Any]:
    """The tenant's clue or 404."""
    return await get_or_not_found(session, Clue, clue_id, "问题线索")


async def open_clue_count(session: TenantSession, inspection_id: int) -> int:
    """Clues of the inspection neither concluded nor carried over (for the stage machine)."""
    return await session.count(Clue, {"inspection_id": inspection_id,
                                      "status__ne": ClueStatus.concluded.value,
                                      "carried_over": False})


def _persons(persons: list[Person]) -> list[dict[str, str]]:
    """Persons as stored (trimmed), or 400 naming the bad entry."""
    if not persons:
        raise Invalid([FieldError("persons", "至少填写 1 名涉及人员")])
    errors: list[FieldError] = []
    out = []
    for i, person in enumerate(persons):
        name, position = person.name.strip(), person.position.strip()
        if not name:
            errors.append(FieldError(f"persons[{i}].name", "姓名不能为空"))
        if not position:
            errors.append(FieldError(f"persons[{i}].position", "职务不能为空"))
        out.append({"name": name, "position": position, "unit": person.unit.strip()})
    if errors:
        raise Invalid(errors)
    return out


def _title(title: str) -> str:
    if not title.strip():
        raise Invalid([FieldError("title", "标题不能为空")])
    return title.strip()


def _require_status(row: dict[str, Any], allowed: list[ClueStatus], doing: str) -> None:
    status = ClueStatus(row["status"])
    if status not in allowed:
        names = "、".join(f"“{CLUE_STATUS_LABELS[s]}”" for s in allowed)
        current = CLUE_STATUS_LABELS[status]
        raise Conflict([FieldError(
            "status", f"线索当前状态为“{current}”，不能{doing}（仅限{names}状态）")])


def _day(value: date | None, today: date, field: str, what: str,
         earliest: date | None = None, earliest_what: str = "") -> date:
    """A date defaulting to today, neither in the future nor before ``earliest``."""
    day = value or today
    if day > today:
        raise Invalid([FieldError(field, f"{what}不能晚于今天（{today.isoformat()}）")])
    if earliest is not None and day < earliest:
        raise Invalid([FieldError(
            field, f"{what}不能早于{earliest_what}（{earliest.isoformat()}）")])
    return day


def _changed(row: dict[str, Any], was_city_managed: bool) -> ClueChanged:
    return ClueChanged(clue_id=row["id"], inspection_id=row["inspection_id"], grade=row["grade"],
                       status=row["status"], city_managed=bool(row["city_managed"]),
                       was_city_managed=was_city_managed)


async def _set(work: Work, row: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Update the clue if its status is still the one read; else 409."""
    values = {**values, "updated_at": work.clock.now()}
    changed = await work.session.update(Clue, {"id": row["id"], "status": row["status"]}, values)
    if not changed:
        raise Conflict([FieldError("status", "线索已被他人修改，请刷新后重试")])
    return await load_clue(work.session, row["id"])


async def record_clue(work: Work, inspection_id: int, data: ClueCreate) -> dict[str, Any]:
    """Record a clue found during the inspection (onsite to referral)."""
    title, persons = _title(data.title), _persons(data.persons)
    async with work.transaction():
        inspection = await load_inspection(work.session, inspection_id)
        require_stage(inspection, RECORD_STAGES, "登记问题线索")
        await require_target(work.session, inspection_id, data.org_id)
        now = work.clock.now()
        (clue_id,) = await work.session.insert(Clue, [{
            "inspection_id": inspection_id, "org_id": data.org_id, "title": title,
            "summary": data.summary.strip(), "grade": data.grade.value, "persons": persons,
            "city_managed": data.city_managed, "status": ClueStatus.recorded.value,
            "recorded_by": work.actor[:128], "recorded_at": now, "updated_at": now,
        }])
        await work.audit("clue.create", "clue", clue_id, {
            "inspection_id": inspection_id, "org_id": data.org_id, "title": title,
            "grade": data.grade.value, "city_managed": data.city_managed,
            "persons_count": len(persons),
        })
        work.emit(ClueRecorded(clue_id=clue_id, inspection_id=inspection_id,
                               grade=data.grade.value, city_managed=data.city_managed))
        return await load_clue(work.session, clue_id)


async def update_clue(work: Work, clue_id: int, data: ClueUpdate) -> dict[str, Any]:
    """Change a clue while it is still only recorded."""
    values: dict[str, Any] = {}
    if data.title is not msgspec.UNSET:
        values["title"] = _title(data.title)
    if data.summary is not msgspec.UNSET:
        values["summary"] = data.summary.strip()
    if data.grade is not msgspec.UNSET:
        values["grade"] = data.grade.value
    if data.persons is not msgspec.UNSET:
        values["persons"] = _persons(data.persons)
    if data.city_managed is not msgspec.UNSET:
        values["city_managed"] = data.city_managed
    async with work.transaction():
        row = await load_clue(work.session, clue_id)
        _require_status(row, [ClueStatus.recorded], "修改")
        if not values:
            return row
        was_city_managed = bool(row["city_managed"])
        row = await _set(work, row, values)
        detail = {k: v for k, v in values.items() if k != "persons"}
        if "persons" in values:
            detail["persons_count"] = len(values["persons"])
        await work.audit("clue.update", "clue", clue_id, detail)
        work.emit(_changed(row, was_city_managed))
        return row


async def read_persons(work: Work, clue_id: int) -> list[dict[str, Any]]:
    """The clue's persons concerned; the read itself is audited (who and when)."""
    async with work.transaction():
        row = await load_clue(work.session, clue_id)
        persons: list[dict[str, Any]] = list(row["persons"] or [])
        await work.audit("clue.persons.read", "clue", clue_id,
                         {"inspection_id": row["inspection_id"],
                          "persons_count": len(persons)})
    return persons


async def refer_clue(work: Work, clue_id: int, data: ClueReferral) -> dict[str, Any]:
    """Refer a recorded clue to a receiving body; the reply falls due after N months."""
    body = data.receiving_body
    name = data.receiving_body_name.strip()
    if body is ReceivingBody.other and not name:
        raise Invalid([FieldError("receiving_body_name",
                                     "移交其他有关部门时须填写接收单位名称")])
    today = work.clock.today()
    referred_on = _day(data.referred_on, today, "referred_on", "移交日期")
    async with work.transaction():
        row = await load_clue(work.session, clue_id)
        _require_status(row, [ClueStatus.recorded], "移交")
        inspection = await load_inspection(work.session, row["inspection_id"])
        require_stage(inspection, REFERRAL_STAGES, "移交问题线索")
        if row["city_managed"] and body is not ReceivingBody.discipline:
            raise Conflict([FieldError(
                "receiving_body", "该线索涉及市管干部，只能移交纪委监委（报市纪委监委办理）",
            )])
        reply_due = due_in_months(referred_on, work.setting("clue_reply_months"))
        row = await _set(work, row, {
            "status": ClueStatus.referred.value, "receiving_body": body.value,
            "receiving_body_name": name, "referred_on": referred_on, "reply_due": reply_due,
        })
        await work.audit("clue.refer", "clue", clue_id, {
            "receiving_body": body.value, "receiving_body_name": name,
            "referred_on": referred_on.isoformat(), "reply_due": reply_due.isoformat(),
        })
        work.emit(ClueReferred(
            clue_id=clue_id, inspection_id=row["inspection_id"], grade=row["grade"],
            receiving_body=body.value, city_managed=bool(row["city_managed"]),
            reply_due=reply_due,
        ))
        return row


async def receive_clue(work: Work, clue_id: int, data: ClueReceipt) -> dict[str, Any]:
    """Record that the receiving body signed for a referred clue."""
    today = work.clock.today()
    async with work.transaction():
        row = await load_clue(work.session, clue_id)
        _require_status(row, [ClueStatus.referred], "登记签收")
        received_on = _day(data.received_on, today, "received_on", "签收日期",
                           row["referred_on"], "移交日期")
        row = await _set(work, row, {"status": ClueStatus.received.value,
                                     "received_on": received_on})
        await work.audit("clue.receive", "clue", clue_id,
                         {"received_on": received_on.isoformat()})
        work.emit(_changed(row, bool(row["city_managed"])))
        return row


async def conclude_clue(work: Work, clue_id: int, data: ClueOutcome) -> dict[str, Any]:
    """Record the receiving body's outcome (件件有着落).

    A body may answer without a separate receipt; the receipt is then
    recorded on the day of the outcome.
    """
    outcome = data.outcome.strip()
    if len(outcome) < 2:
        raise Invalid([FieldError("outcome", "办理结果不能少于 2 个字符")])
    today = work.clock.today()
    async with work.transaction():
        row = await load_clue(work.session, clue_id)
        _require_status(row, [ClueStatus.referred, ClueStatus.received], "反馈办理结果")
        earliest, what = ((row["received_on"], "签收日期") if row["received_on"]
                          else (row["referred_on"], "移交日期"))
        concluded_on = _day(data.concluded_on, today, "concluded_on", "办结日期", earliest, what)
        received_on = row["received_on"] or concluded_on
        row = await _set(work, row, {
            "status": ClueStatus.concluded.value, "outcome": outcome,
            "concluded_on": concluded_on, "received_on": received_on,
        })
        await work.audit("clue.conclude", "clue", clue_id, {
            "concluded_on": concluded_on.isoformat(), "received_on": received_on.isoformat(),
            "outcome_chars": len(outcome),
        })
        work.emit(ClueClosed(
            clue_id=clue_id, inspection_id=row["inspection_id"], grade=row["grade"],
            receiving_body=row["receiving_body"] or "", city_managed=bool(row["city_managed"]),
            concluded_on=concluded_on,
        ))
        return row
