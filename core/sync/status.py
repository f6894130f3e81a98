"""Where sync stands, per link: outbox waiting, last applied, lag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from nats.js import JetStreamContext

from core.db import Database
from core.sync.subjects import STREAM_DOWN, STREAM_UP, down_consumer, up_consumer
from core.tenancy.model import TenantInfo

__all__ = ["LinkStatus", "link_status"]


@dataclass
class LinkStatus:
    """One tenant's side of its link(s).

    Attributes:
        tenant: the local tenant's code.
        role: ``county`` (reports up, receives down) or ``city``.
        peer: the parent's code (county) or the counties heard from (city).
        outbox_pending: events committed but not yet acknowledged by JetStream.
        outbox_oldest: when the oldest of them was written.
        outbox_error: the last publish error recorded on a waiting event.
        consumer: the durable consumer this tenant pulls.
        consumer_pending: messages in it not yet applied here (None: not known,
            e.g. NATS unreachable or the consumer not yet created).
        last_applied_at: when the last received event was applied.
        last_event: type and origin of that event.
        lag_seconds: from that event's occurrence to its application.
    """

    tenant: str
    role: str
    peer: str
    outbox_pending: int = 0
    outbox_oldest: datetime | None = None
    outbox_error: str = ""
    consumer: str = ""
    consumer_pending: int | None = None
    last_applied_at: datetime | None = None
    last_event: str = ""
    lag_seconds: float | None = None


async def _outbox(db: Database, tenant_id: int) -> tuple[int, datetime | None, str]:
    mark = db.dialect.mark
    rows = await db.fetch(
        'SELECT COUNT(*) AS n, MIN("created_at") AS oldest, MAX("last_error") AS error '
        f'FROM "sync_outbox" WHERE "tenant_id" = {mark(1)}', [tenant_id], tenant_id)
    row = rows[0]
    return int(row["n"]), _when(row["oldest"]), str(row["error"] or "")


async def _last_applied(db: Database, tenant_id: int) -> dict[str, Any] | None:
    mark = db.dialect.mark
    rows = await db.fetch(
        'SELECT "type", "origin", "occurred_at", "received_at" FROM "sync_inbox" '
        f'WHERE "tenant_id" = {mark(1)} AND "status" = \'applied\' '
        'ORDER BY "received_at" DESC, "id" DESC LIMIT 1', [tenant_id], tenant_id)
    return rows[0] if rows else None


async def _origins(db: Database, tenant_id: int) -> list[str]:
    mark = db.dialect.mark
    rows = await db.fetch(
        f'SELECT DISTINCT "origin" FROM "sync_inbox" WHERE "tenant_id" = {mark(1)} '
        'ORDER BY "origin"', [tenant_id], tenant_id)
    return [str(r["origin"]) for r in rows]


def _when(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return cast(datetime, value if value.tzinfo else value.replace(tzinfo=UTC))


async def _pending(js: JetStreamContext | None, stream: str, consumer: str) -> int | None:
    if js is None:
        return None
    try:
        info = await js.consumer_info(stream, consumer, timeout=2)
    except Exception:  # unreachable or not created yet: shown as unknown
        return None
    return int(info.num_pending or 0) + int(info.num_ack_pending or 0)


async def link_status(db: Database, tenants: list[TenantInfo],
                      js: JetStreamContext | None) -> list[LinkStatus]:
    """The status of every local tenant's link (``js`` None: leave NATS figures unknown)."""
    out = []
    for tenant in tenants:
        county = bool(tenant.parent_code)
        peer = tenant.parent_code or "、".join(await _origins(db, tenant.id))
        status = LinkStatus(tenant=tenant.code, role="county" if county else "city", peer=peer)
        status.outbox_pending, status.outbox_oldest, status.outbox_error = await _outbox(
            db, tenant.id)
        status.consumer = down_consumer(tenant.code) if county else up_consumer(tenant.code)
        status.consumer_pending = await _pending(js, STREAM_DOWN if county else STREAM_UP,
                                                 status.consumer)
        last = await _last_applied(db, tenant.id)
        if last is not None:
            occurred, received = _when(last["occurred_at"]), _when(last["received_at"])
            status.last_applied_at = received
            status.last_event = f"{last['type']}（来自 {last['origin']}）"
            if occurred and received:
                status.lag_seconds = max(0.0, (received - occurred).total_seconds())
        out.append(status)
    return out
