"""A county's side of elevated inspections: what it was told, and taking the handover.

``elevated.handed_over`` is applied inside the transaction that records it in
the county's inbox, so its effects commit exactly once: a row of
:class:`ElevatedHandover` (unique per city and inspection, a second guard), the
county's own record of the inspection made by ``receive_inspection`` (so the
villages count as covered in the county's term) and one ledger item per
problem made by ``create_items``, with the city as issuer in the record's
title. A county without a round to file it under keeps the handover pending
and takes it at a later tick. Either way it answers ``elevated.received``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec

from core.api import (
    DomainError,
    ItemsIn,
    Replica,
    Runtime,
    TenantInfo,
    Work,
    create_items,
    list_orgs,
    list_rounds,
    receive_inspection,
)
from plugins.elevated_cross.events import ElevatedAssigned, ElevatedHandedOver, ElevatedReceived
from plugins.elevated_cross.model import (
    ELEVATED_STATUS_LABELS,
    VERIFICATION_LABELS,
    require_county,
)
from plugins.elevated_cross.tables import ElevatedHandover

__all__ = ["ReceivedElevated", "apply_handover", "received_elevated", "retry_pending"]


def _round_for(rounds: list[dict[str, Any]], day: date) -> int | None:
    """The county's round to file a received inspection under: the last of the year of
    ``day``, else the latest."""
    same_year = [r for r in rounds if r["year"] == day.year]
    chosen = (same_year or rounds)[-1:] if rounds else []
    return int(chosen[0]["id"]) if chosen else None


async def _take(work: Work, origin: str, handed: ElevatedHandedOver) -> ElevatedReceived:
    """File the inspection and its items, or say why not yet (writes nothing then)."""
    today = work.clock.today()
    active = {o["id"] for o in await list_orgs(work.session)}
    org_ids = [t.org_id for t in handed.targets if t.org_id in active]
    if not org_ids:
        return ElevatedReceived(elevated_id=handed.elevated_id, inspection_id=None, items=0,
                                note="巡察对象已不在本县机构名录中，无法承接")
    round_id = _round_for(await list_rounds(work.session), handed.feedback_on)
    if round_id is None:
        return ElevatedReceived(elevated_id=handed.elevated_id, inspection_id=None, items=0,
                                note="本县尚未建立巡察轮次，建立后自动承接")
    inspection_id = await receive_inspection(
        work, round_id=round_id, kind="elevated", org_ids=org_ids,
        title=f"市委提级巡察：{handed.title}"[:200], feedback_on=handed.feedback_on,
        remark=f"{origin} 反馈移交")
    items = 0
    for finding in handed.findings:
        if finding.org_id not in org_ids:
            continue
        created = await create_items(work, inspection_id, ItemsIn(
            org_id=finding.org_id, problem=finding.problem[:4000],
            deadline=max(finding.deadline, today, handed.feedback_on)))
        items += len(created.items)
    return ElevatedReceived(elevated_id=handed.elevated_id, inspection_id=inspection_id,
                            items=items)


async def apply_handover(work: Work, origin: str, handed: ElevatedHandedOver) -> None:
    """Take a handover of the county's own city, once (called in the inbox transaction)."""
    held = await work.session.list(ElevatedHandover, {
        "origin": origin, "elevated_id": handed.elevated_id}, limit=1)
    if held:
        return
    receipt = await _take(work, origin, handed)
    await work.session.insert(ElevatedHandover, [{
        "origin": origin, "elevated_id": handed.elevated_id,
        "inspection_id": receipt.inspection_id, "items": receipt.items,
        "pending": receipt.note if receipt.inspection_id is None else "",
        "payload": msgspec.to_builtins(handed), "received_at": work.clock.now()}])
    await work.audit("elevated.receive", "elevated_handover", handed.elevated_id, {
        "origin": origin, "inspection_id": receipt.inspection_id, "items": receipt.items})
    work.emit(receipt)


async def retry_pending(tenant: TenantInfo, runtime: Runtime) -> int:
    """Take the handovers left pending (at a tick); returns how many were taken."""
    if not tenant.parent_code:
        return 0
    session = runtime.db.tenant(tenant.id)
    waiting = await session.list(ElevatedHandover, {"inspection_id": None, "pending__ne": ""},
                                 limit=None)
    taken = 0
    for row in waiting:
        work = Work(session=session, tenant=tenant, actor=f"sync:{row['origin']}"[:128],
                    clock=runtime.clock, plugins=runtime.plugins)
        handed = msgspec.convert(row["payload"], ElevatedHandedOver, strict=False)
        try:
            async with work.transaction():
                receipt = await _take(work, row["origin"], handed)
                if receipt.inspection_id is None:
                    continue
                changed = await session.update(
                    ElevatedHandover, {"id": row["id"], "inspection_id": None},
                    {"inspection_id": receipt.inspection_id, "items": receipt.items,
                     "pending": ""})
                if not changed:
                    raise _Taken
                await work.audit("elevated.receive", "elevated_handover",
                                 handed.elevated_id, {"origin": row["origin"],
                                                      "inspection_id": receipt.inspection_id,
                                                      "items": receipt.items})
                work.emit(receipt)
            taken += 1
        except (_Taken, DomainError):
            continue
    return taken


class _Taken(Exception):
    """Another process took the handover first (roll this one back)."""


class ReceivedElevated(msgspec.Struct, kw_only=True):
    """An elevated inspection of the county's orgs, as the county sees it."""

    id: int
    origin: str
    title: str
    round_label: str
    targets: list[dict[str, Any]]
    status: str
    status_label: str
    planned_on: date
    handed_over_on: date | None
    inspection_id: int | None = None
    items: int = 0
    pending: str = ""
    allow_county: bool = False
    verification: str = ""
    verification_label: str = ""
    verification_reason: str = ""
    verified_on: date | None = None
    cancel_reason: str = ""


async def received_elevated(work: Work) -> list[ReceivedElevated]:
    """The elevated inspections the county's city told it of, newest first."""
    origin = require_county(work.tenant)
    rows = await work.session.list(Replica, {"kind": "elevated", "origin": origin},
                                   limit=None)
    taken = {r["elevated_id"]: r for r in await work.session.list(
        ElevatedHandover, {"origin": origin}, limit=None)}
    out = []
    for row in rows:
        try:
            told = msgspec.convert(row["data"], ElevatedAssigned, strict=False)
        except msgspec.ValidationError:
            continue
        mine = taken.get(told.elevated_id, {})
        out.append(ReceivedElevated(
            id=told.elevated_id, origin=origin, title=told.title, round_label=told.round_label,
            targets=msgspec.to_builtins(told.targets), status=told.status,
            status_label=ELEVATED_STATUS_LABELS.get(told.status, told.status),
            planned_on=told.planned_on, handed_over_on=told.handed_over_on,
            inspection_id=mine.get("inspection_id"), items=int(mine.get("items") or 0),
            pending=str(mine.get("pending") or ""), allow_county=told.allow_county,
            verification=told.verification,
            verification_label=VERIFICATION_LABELS.get(told.verification, ""),
            verification_reason=told.verification_reason, verified_on=told.verified_on,
            cancel_reason=told.cancel_reason))
    out.sort(key=lambda r: r.id, reverse=True)
    return out
