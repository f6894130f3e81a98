"""Applying a received event: exactly once, through the inbox, in one transaction.

The inbox row, the replica and whatever ``xuncha_sync_received`` writes
commit together; only then is the message acknowledged. A redelivery finds
the inbox row and changes nothing. An event of a type or version this
deployment does not know is kept in the inbox (``stored``), not dropped.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Literal

import msgspec

from core.clock import Clock
from core.db import Database, TenantSession
from core.db.sql import table_info
from core.events import Envelope, Event
from core.plugins import Plugins
from core.sync import codec
from core.sync.tables import Replica
from core.tenancy.model import TenantInfo
from core.work import Work

__all__ = ["Status", "apply"]

log = logging.getLogger(__name__)

Status = Literal["applied", "stored", "duplicate", "rejected"]


async def _record(session: TenantSession, incoming: codec.Incoming, subject: str,
                  status: str, body: bytes) -> bool:
    """Insert the inbox row; False when the event was received before."""
    db, mark = session.db, session.db.dialect.mark
    values = [session.tenant_id, incoming.id, incoming.origin[:64], incoming.type[:100],
              incoming.version, subject[:255], status, body.decode("utf-8", "replace"),
              incoming.occurred_at, datetime.now(UTC)]
    rows = await db.fetch(
        'INSERT INTO "sync_inbox" ("tenant_id", "event_id", "origin", "type", "version", '
        '"subject", "status", "body", "occurred_at", "received_at") VALUES ('
        + ", ".join(mark(i) for i in range(1, 11))
        + ') ON CONFLICT ("tenant_id", "event_id") DO NOTHING RETURNING "id"',
        values, session.tenant_id,
    )
    return bool(rows)


async def _replicate(session: TenantSession, env: Envelope) -> bool:
    """Write the replica unless a newer version is already held; True when written."""
    kind, _, key = env.entity.partition(":")
    db, mark = session.db, session.db.dialect.mark
    encoded = table_info(Replica).encode("data", msgspec.to_builtins(env.payload))
    rows = await db.fetch(
        'INSERT INTO "replica" ("tenant_id", "origin", "kind", "key", "version", "type", '
        '"data", "occurred_at", "received_at") VALUES ('
        + ", ".join(mark(i) for i in range(1, 10))
        + ') ON CONFLICT ("tenant_id", "origin", "kind", "key") DO UPDATE SET '
        '"version" = excluded."version", "type" = excluded."type", "data" = excluded."data", '
        '"occurred_at" = excluded."occurred_at", "received_at" = excluded."received_at" '
        'WHERE "replica"."version" < excluded."version" RETURNING "id"',
        [session.tenant_id, env.origin, kind[:64], key[:128], env.id, env.type, encoded,
         env.occurred_at, datetime.now(UTC)], session.tenant_id,
    )
    return bool(rows)


async def apply(db: Database, tenant: TenantInfo, plugins: Plugins, clock: Clock,
                body: bytes, subject: str, incoming: codec.Incoming | None = None,
                check: Any = None) -> Status:
    """Apply one received message to ``tenant`` (once), returning what happened.

    Args:
        db: the database.
        tenant: the receiving tenant.
        plugins: the plugins (for event types and ``xuncha_sync_received``).
        clock: the clock (for the unit of work handlers get).
        body: the message body (an encoded envelope).
        subject: the subject it arrived on.
        incoming: the envelope if already decoded.
        check: optional callable ``(incoming) -> str | None`` returning why the
            message must be refused (e.g. a forged origin); refused messages are
            kept in the inbox as ``rejected``.
    """
    incoming = incoming or codec.decode(body)
    known = codec.catalog(plugins)
    refusal = check(incoming) if check is not None else None
    event: Event | None = None
    status: Status = "applied"
    if refusal:
        log.warning("sync: refused %s from %s on %s: %s", incoming.id, incoming.origin,
                    subject, refusal)
        status = "rejected"
    else:
        cls = known.known(incoming)
        if cls is None:
            status = "stored"
        else:
            try:
                event = codec.payload_of(incoming, cls)
            except msgspec.ValidationError as exc:
                log.warning("sync: %s %s does not fit its type: %s", incoming.type,
                            incoming.id, exc)
                status = "stored"
    session = db.tenant(tenant.id)
    work = Work(session=session, tenant=tenant, actor=f"sync:{incoming.origin}"[:128],
                clock=clock, plugins=plugins)
    async with work.transaction():
        if not await _record(session, incoming, subject, status, body):
            return "duplicate"
        if event is not None:
            env = Envelope(id=incoming.id, type=incoming.type, version=incoming.version,
                           origin=incoming.origin, entity=incoming.entity,
                           occurred_at=incoming.occurred_at, payload=event)
            if not type(event).replicated or await _replicate(session, env):
                await plugins.collect("xuncha_sync_received", tenant.plugins, event=env,
                                      tenant=tenant, work=work)
    return status
