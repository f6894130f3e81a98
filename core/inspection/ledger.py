"""The rectification ledger (整改台账): items, their life and their history.

An item is one problem an inspected org must fix, with measures, a
deadline, the responsible person and leader and the lead office. Its life
is open → in_progress → submitted → verified → closed (销号). The unit moves
it up to submitted (and may take a submission back); the office verifies,
closes or returns it. Every change is recorded as a ``RectificationAction``,
audited and emitted as ``rectification.item_changed``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

import msgspec

from core.db import TenantSession
from core.errors import Conflict, FieldError, Invalid, NotFound
from core.fields import IdField, changes_of
from core.inspection.common import load_inspection, require_stage, require_target, stages_from
from core.inspection.events import RectificationItemChanged
from core.inspection.ledger_query import ItemOut, item_out, org_names
from core.inspection.model import ITEM_STATUS_LABELS, ItemStatus, Stage
from core.inspection.tables import Finding, RectificationAction, RectificationItem
from core.work import Work

__all__ = [
    "FROZEN",
    "ITEM_STAGES",
    "VERIFY_MOVES",
    "WRITE_MOVES",
    "ItemPatch",
    "ItemsIn",
    "ItemsOut",
    "SkippedFinding",
    "StatusIn",
    "VerifyIn",
    "change_status",
    "check_deadline",
    "create_items",
    "item_event",
    "load_item",
    "update_item",
]

ITEM_STAGES = stages_from(Stage.feedback, Stage.sustained)
"""Stages in which ledger items may be added (from feedback to sustained rectification)."""

WRITE_MOVES: dict[ItemStatus, tuple[ItemStatus, ...]] = {
    ItemStatus.open: (ItemStatus.in_progress,),
    ItemStatus.in_progress: (ItemStatus.submitted,),
    ItemStatus.submitted: (ItemStatus.in_progress,),
}
"""Moves the inspected unit makes (``rectification:write``): start, submit, take back."""

VERIFY_MOVES: dict[ItemStatus, tuple[ItemStatus, ...]] = {
    ItemStatus.submitted: (ItemStatus.verified, ItemStatus.in_progress),
    ItemStatus.verified: (ItemStatus.closed,),
}
"""Moves the office makes (``rectification:verify``): accept, return, close (销号)."""

FROZEN = (ItemStatus.verified.value, ItemStatus.closed.value)
"""Statuses in which an item's content can no longer be edited."""

Problem = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
LongText = Annotated[str, msgspec.Meta(max_length=4000)]
Person = Annotated[str, msgspec.Meta(max_length=64)]
Office = Annotated[str, msgspec.Meta(max_length=100)]
Remark = Annotated[str, msgspec.Meta(max_length=1000)]
FindingIds = Annotated[list[IdField], msgspec.Meta(min_length=1, max_length=500)]
UNSET: Any = msgspec.UNSET


class ItemsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """New ledger items: from findings (``finding_ids``) or one item written out.

    From findings, each finding gives its problem (title and description) and
    org; the other fields apply to every new item. Written out, ``org_id``
    and ``problem`` are required and ``finding_id`` may link a finding.
    """

    deadline: date
    finding_ids: FindingIds | msgspec.UnsetType = UNSET
    org_id: IdField | msgspec.UnsetType = UNSET
    problem: Problem | msgspec.UnsetType = UNSET
    finding_id: IdField | None = None
    measures: LongText = ""
    responsible_person: Person = ""
    responsible_leader: Person = ""
    lead_office: Office = ""


class SkippedFinding(msgspec.Struct, kw_only=True):
    """A finding left out because it already has a ledger item."""

    finding_id: int
    item_id: int
    reason: str


class ItemsOut(msgspec.Struct, kw_only=True):
    """The items created and the findings skipped."""

    items: list[ItemOut]
    skipped: list[SkippedFinding]


class ItemPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to an item; absent fields stay as they are."""

    measures: LongText | msgspec.UnsetType = UNSET
    deadline: date | msgspec.UnsetType = UNSET
    responsible_person: Person | msgspec.UnsetType = UNSET
    responsible_leader: Person | msgspec.UnsetType = UNSET
    lead_office: Office | msgspec.UnsetType = UNSET
    progress: LongText | msgspec.UnsetType = UNSET


class StatusIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A status move by the unit: start, submit, or take a submission back."""

    to: ItemStatus
    remark: Remark = ""


class VerifyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A verdict of the office: ``verified``, ``closed`` (销号) or ``in_progress`` (returned)."""

    to: ItemStatus
    remark: Remark = ""


def item_event(row: Mapping[str, Any], today: date) -> RectificationItemChanged:
    """The ``rectification.item_changed`` event of an item row."""
    out = item_out(row, today)
    return RectificationItemChanged(
        item_id=out.id, inspection_id=out.inspection_id, org_id=out.org_id,
        finding_id=out.finding_id, status=out.status, escalation=out.escalation,
        deadline=out.deadline, overdue=out.overdue,
    )


def check_deadline(deadline: date, inspection: Mapping[str, Any], today: date) -> None:
    """Refuse (400) a deadline in the past or before the feedback date."""
    feedback_on = inspection.get("feedback_on")
    if deadline < today:
        raise Invalid([FieldError("deadline", "整改期限不能早于今天")])
    if feedback_on is not None and deadline < feedback_on:
        raise Invalid([FieldError("deadline", "整改期限不能早于反馈意见的日期")])


async def load_item(session: TenantSession, item_id: int) -> dict[str, Any]:
    """The tenant's item or 404."""
    row = await session.get(RectificationItem, item_id)
    if row is None:
        raise NotFound("整改事项不存在")
    return row


async def _with_org(session: TenantSession, row: dict[str, Any], today: date) -> ItemOut:
    names = await org_names(session, [row["org_id"]])
    return item_out(row, today, names.get(row["org_id"], ""))


def _shape_errors(data: ItemsIn) -> list[FieldError]:
    errors: list[FieldError] = []
    if data.finding_ids is not UNSET:
        for name in ("org_id", "problem"):
            if getattr(data, name) is not UNSET:
                errors.append(FieldError(name, "按问题生成整改事项时不能再填写此项"))
        if data.finding_id is not None:
            errors.append(FieldError("finding_id", "按问题生成时请使用 finding_ids"))
        return errors
    if data.org_id is UNSET:
        errors.append(FieldError("org_id", "请填写整改单位，或用 finding_ids 按问题生成"))
    if data.problem is UNSET:
        errors.append(FieldError("problem", "请填写存在的问题"))
    return errors


def _common(data: ItemsIn, work: Work) -> dict[str, Any]:
    now = work.clock.now()
    return {
        "deadline": data.deadline, "measures": data.measures,
        "responsible_person": data.responsible_person,
        "responsible_leader": data.responsible_leader, "lead_office": data.lead_office,
        "status": ItemStatus.open.value, "created_at": now, "updated_at": now,
    }


async def _existing(session: TenantSession, finding_ids: list[int]) -> dict[int, int]:
    rows = await session.list(RectificationItem, {"finding_id": finding_ids}, limit=None)
    return {r["finding_id"]: r["id"] for r in rows}


async def _from_findings(work: Work, inspection_id: int, data: ItemsIn,
                         ) -> tuple[list[dict[str, Any]], list[SkippedFinding]]:
    session = work.session
    assert isinstance(data.finding_ids, list)
    wanted: list[int] = list(dict.fromkeys(data.finding_ids))
    findings = {f["id"]: f for f in await session.list(
        Finding, {"id": wanted, "inspection_id": inspection_id}, limit=None)}
    unknown = [str(i) for i in wanted if i not in findings]
    if unknown:
        raise Invalid([FieldError(
            "finding_ids", f"问题 {'、'.join(unknown[:10])} 不存在或不属于本次巡察")])
    existing = await _existing(session, wanted)
    skipped = [SkippedFinding(finding_id=i, item_id=existing[i], reason="该问题已列入整改台账")
               for i in wanted if i in existing]
    common = _common(data, work)
    rows = []
    for finding_id in wanted:
        if finding_id in existing:
            continue
        finding = findings[finding_id]
        problem = finding["title"]
        if finding["description"]:
            problem += "：" + finding["description"]
        rows.append({**common, "inspection_id": inspection_id, "org_id": finding["org_id"],
                     "finding_id": finding_id, "problem": problem[:4000]})
    if not rows:
        raise Conflict([FieldError("finding_ids", "所选问题均已列入整改台账")])
    return rows, skipped


async def _written_out(work: Work, inspection_id: int, data: ItemsIn) -> dict[str, Any]:
    session = work.session
    assert isinstance(data.org_id, int) and isinstance(data.problem, str)
    await require_target(session, inspection_id, data.org_id)
    if data.finding_id is not None:
        finding = await session.get(Finding, data.finding_id)
        if finding is None or finding["inspection_id"] != inspection_id:
            raise Invalid([FieldError("finding_id", "该问题不存在或不属于本次巡察")])
        if finding["org_id"] != data.org_id:
            raise Invalid([FieldError("finding_id", "该问题属于其他被巡察单位")])
        if await _existing(session, [data.finding_id]):
            raise Conflict([FieldError("finding_id", "该问题已列入整改台账")])
    return {**_common(data, work), "inspection_id": inspection_id, "org_id": data.org_id,
            "finding_id": data.finding_id, "problem": data.problem}


async def create_items(work: Work, inspection_id: int, data: ItemsIn) -> ItemsOut:
    """Add items to an inspection's ledger (from findings or one written out).

    Raises:
        NotFound: no such inspection in the tenant.
        Conflict: wrong stage, or only findings already in the ledger.
        Invalid: bad fields.
    """
    session, today = work.session, work.clock.today()
    errors = _shape_errors(data)
    if errors:
        raise Invalid(errors)
    async with work.transaction():
        inspection = await load_inspection(session, inspection_id)
        require_stage(inspection, ITEM_STAGES, "建立整改台账")
        check_deadline(data.deadline, inspection, today)
        skipped: list[SkippedFinding] = []
        if data.finding_ids is not UNSET:
            rows, skipped = await _from_findings(work, inspection_id, data)
        else:
            rows = [await _written_out(work, inspection_id, data)]
        ids = await session.insert(RectificationItem, rows)
        created = await session.list(RectificationItem, {"id": ids}, limit=None)
        for row in created:
            await work.audit("rectification_item.create", "rectification_item", row["id"], {
                "inspection_id": inspection_id, "org_id": row["org_id"],
                "finding_id": row["finding_id"], "deadline": row["deadline"].isoformat()})
            work.emit(item_event(row, today))
    names = await org_names(session, [r["org_id"] for r in created])
    return ItemsOut(items=[item_out(r, today, names.get(r["org_id"], "")) for r in created],
                    skipped=skipped)


async def update_item(work: Work, item_id: int, data: ItemPatch) -> ItemOut:
    """Edit an item's measures, deadline, people, lead office or progress (not once verified)."""
    session, today = work.session, work.clock.today()
    changes = changes_of(data)
    async with work.transaction():
        row = await load_item(session, item_id)
        if row["status"] in FROZEN:
            label = ITEM_STATUS_LABELS[ItemStatus(row["status"])]
            raise Conflict([FieldError("status", f"整改事项{label}，不能再修改")])
        if "deadline" in changes and changes["deadline"] != row["deadline"]:
            inspection = await load_inspection(session, row["inspection_id"])
            check_deadline(changes["deadline"], inspection, today)
        changes = {k: v for k, v in changes.items() if v != row[k]}
        if changes:
            await session.update(RectificationItem, {"id": item_id},
                                 {**changes, "updated_at": work.clock.now()})
            row = await load_item(session, item_id)
            await work.audit("rectification_item.update", "rectification_item", item_id,
                             msgspec.to_builtins(changes))
            work.emit(item_event(row, today))
    return await _with_org(session, row, today)


def _refuse_move(current: ItemStatus, to: ItemStatus,
                 moves: Mapping[ItemStatus, tuple[ItemStatus, ...]]) -> Conflict:
    allowed = moves.get(current, ())
    now, wanted = ITEM_STATUS_LABELS[current], ITEM_STATUS_LABELS[to]
    reason = f"整改事项当前为“{now}”，不能改为“{wanted}”"
    if allowed:
        reason += "（可改为：" + "、".join(f"“{ITEM_STATUS_LABELS[s]}”" for s in allowed) + "）"
    elif moves is WRITE_MOVES:
        reason += "（验收、销号或退回请由巡察办在验收操作中办理）"
    return Conflict([FieldError("to", reason)])


async def change_status(work: Work, item_id: int, to: ItemStatus, remark: str,
                        moves: Mapping[ItemStatus, tuple[ItemStatus, ...]]) -> ItemOut:
    """Move an item along ``moves``; records the action, audits and emits.

    Raises:
        Conflict: the move is not allowed; the reason is given.
    """
    session, today, now = work.session, work.clock.today(), work.clock.now()
    async with work.transaction():
        row = await load_item(session, item_id)
        current = ItemStatus(row["status"])
        if to not in moves.get(current, ()):
            raise _refuse_move(current, to, moves)
        returned = moves is VERIFY_MOVES and to == ItemStatus.in_progress
        if returned and not remark.strip():
            raise Invalid([FieldError("remark", "退回整改须写明理由")])
        values: dict[str, Any] = {"status": to.value, "updated_at": now}
        if to == ItemStatus.closed:
            values["closed_on"] = today
        changed = await session.update(
            RectificationItem, {"id": item_id, "status": current.value}, values)
        if not changed:
            raise Conflict([FieldError("to", "整改事项状态已被他人修改，请刷新后重试")])
        await session.insert(RectificationAction, [{
            "item_id": item_id, "kind": "status", "from_value": current.value,
            "to_value": to.value, "actor": work.actor, "at": now, "remark": remark.strip()}])
        row = await load_item(session, item_id)
        await work.audit("rectification_item.status", "rectification_item", item_id,
                         {"from": current.value, "to": to.value, "remark": remark.strip()})
        work.emit(item_event(row, today))
    return await _with_org(session, row, today)
