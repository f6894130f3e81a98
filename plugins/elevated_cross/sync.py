"""The plugin's sync hooks: what each side does with what arrives, and the tick."""

from __future__ import annotations

from core.api import Envelope, Replica, Runtime, TenantInfo, TenantSession, Work
from plugins.elevated_cross.cross import end_cancelled, take_decision
from plugins.elevated_cross.directory import publish_directory, store_classes
from plugins.elevated_cross.elevated import take_receipt
from plugins.elevated_cross.events import (
    CrossAssigned,
    CrossDecided,
    ElevatedHandedOver,
    ElevatedReceived,
)
from plugins.elevated_cross.guests import close_ended_guests
from plugins.elevated_cross.handover import apply_handover, retry_pending

__all__ = ["replica_counties", "sync_received", "sync_tick"]


async def replica_counties(session: TenantSession) -> dict[str, str]:
    """County names by code, from the directories the city holds."""
    rows = await session.list(Replica, {"kind": "org_directory"}, limit=None)
    return {r["origin"]: str((r["data"] or {}).get("county_name") or r["origin"])
            for r in rows}


async def sync_received(event: Envelope, tenant: TenantInfo, work: Work) -> None:
    """Apply what arrived: a city its counties' answers, a county its city's handovers and
    cancellations (the host releases the cross team at once)."""
    payload = event.payload
    if tenant.parent_code:
        if event.origin != tenant.parent_code:
            return
        if isinstance(payload, ElevatedHandedOver):
            await apply_handover(work, event.origin, payload)
        elif isinstance(payload, CrossAssigned):
            await end_cancelled(work, event.origin, payload)
        return
    if isinstance(payload, ElevatedReceived):
        await take_receipt(work, event.origin, payload)
    elif isinstance(payload, CrossDecided):
        await take_decision(work, event.origin, payload,
                            await replica_counties(work.session))
    else:
        await store_classes(work, event)


async def sync_tick(tenant: TenantInfo, runtime: Runtime) -> None:
    """A county publishes its directory when it changed, takes pending handovers and
    disables the guest accounts whose work has ended."""
    if not tenant.parent_code:
        return
    await publish_directory(tenant, runtime)
    await retry_pending(tenant, runtime)
    await close_ended_guests(tenant, runtime)
