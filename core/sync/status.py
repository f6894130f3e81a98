"""Where sync stands, per link: outbox waiting, last applied, lag.

:class:`LinkReader` is the one source of these figures: ``xuncha sync status``
prints what it reads, and the metrics endpoint of ``xuncha serve``
(:mod:`core.observability`) exports the same reading at each scrape.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from nats.js import JetStreamContext

from core.db import Database
from core.messaging.connection import Messaging
from core.settings import Settings
from core.sync.subjects import STREAM_DOWN, STREAM_UP, down_consumer, up_consumer
from core.tenancy.model import TenantInfo
from core.tenancy.registry import TenantRegistry

__all__ = ["LinkReader", "LinkReport", "LinkStatus", "link_status"]

log = logging.getLogger(__name__)


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


@dataclass
class LinkReport:
    """One reading of every local tenant's link.

    Attributes:
        links: one status per local tenant, in creation order.
        nats_note: why the NATS figures (consumer backlog) are unknown, empty when
            they were read.
    """

    links: list[LinkStatus] = field(default_factory=list)
    nats_note: str = ""


class LinkReader:
    """Reads the deployment's link status with connections of its own.

    The database is the deployment's (``settings.database_url``); NATS is read
    only when it is external (``XUNCHA_NATS_URL``): the embedded nats-server
    belongs to the running ``xuncha serve`` and no second one is started. The
    connections are opened at the first :meth:`read` and kept for the next
    ones (the metrics endpoint reads at every scrape); a failed NATS
    connection is tried again at the next read.

    Args:
        settings: the deployment's settings.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._db: Database | None = None
        self._tenants: TenantRegistry | None = None
        self._messaging: Messaging | None = None

    async def read(self) -> LinkReport:
        """Every local tenant's link status (see :func:`link_status`).

        Raises:
            ConnectionError: the database cannot be reached.
        """
        if self._db is None:
            db = Database(self.settings.database_url, 2)
            await db.start()
            self._db, self._tenants = db, TenantRegistry(db, {})
        assert self._tenants is not None
        report = LinkReport()
        js = None
        if not self.settings.nats_url:
            report.nats_note = "未配置 XUNCHA_NATS_URL，只显示数据库中的同步状态"
        else:
            if self._messaging is None:
                messaging = Messaging(self.settings)
                try:
                    await messaging.start()
                except ConnectionError as exc:
                    report.nats_note = f"NATS 不可达，消费者积压未知（{exc}）"
                else:
                    self._messaging = messaging
            if self._messaging is not None:
                js = self._messaging.sync_js
        report.links = await link_status(self._db, await self._tenants.all(), js)
        return report

    async def close(self) -> None:
        """Close the connections (a later :meth:`read` opens them again)."""
        messaging, self._messaging = self._messaging, None
        db, self._db, self._tenants = self._db, None, None
        if messaging is not None:
            await messaging.stop()
        if db is not None:
            await db.stop()
