"""Applying a received event: exactly once, through the inbox, in one transaction.

The inbox row, the replica and whatever ``xuncha_sync_received`` writes
commit together; only then is the message acknowledged. A redelivery finds
the inbox row and changes nothing. An event of a type or version this
deployment does not know is kept in the inbox (``stored``), not dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

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

__all__ = ["Received", "Status", "apply"]

log = logging.getLogger(__name__)

Status = Literal["applied", "stored", "duplicate", "rejected"]


def _values(db: Database, rows: int, columns: int) -> str:
    mark = db.dialect.mark
    return ", ".join(
        "(" + ", ".join(mark(r * columns + c + 1) for c in range(columns)) + ")"
        for r in range(rows)
    )


async def _record(session: TenantSession,
                  items: Sequence[tuple[Received, Status]]) -> set[str]:
    """Insert the inbox rows; returns the ids of the events not received before."""
    db, now, args = session.db, datetime.now(UTC), []
    for received, status in items:
        incoming = received.incoming
        args += [session.tenant_id, incoming.id, incoming.origin[:64], incoming.type[:100],
                 incoming.version, received.subject[:255], status,
                 received.body.decode("utf-8", "replace"), incoming.occurred_at, now]
    rows = await db.fetch(
        'INSERT INTO "sync_inbox" ("tenant_id", "event_id", "origin", "type", "version", '
        '"subject", "status", "body", "occurred_at", "received_at") VALUES '
        + _values(db, len(items), 10)
        + ' ON CONFLICT ("tenant_id", "event_id") DO NOTHING RETURNING "event_id"',
        args, session.tenant_id,
    )
    return {str(r["event_id"]) for r in rows}


async def _replicate(session: TenantSession, envelopes: Sequence[Envelope]) -> set[str]:
    """Write the newest of ``envelopes`` per entity as its replica, unless a newer
    version is held already; returns the ids of the events written."""
    # Keyed by origin too: two counties' events may name the same entity (a replica is
    # per origin), and neither supersedes the other.
    newest: dict[tuple[str, str], Envelope] = {}
    for env in envelopes:
        held = newest.get((env.origin, env.entity))
        if held is None or held.id < env.id:
            newest[(env.origin, env.entity)] = env
    db, now, args = session.db, datetime.now(UTC), []
    encode = table_info(Replica).encode
    for env in newest.values():
        kind, _, key = env.entity.partition(":")
        args += [session.tenant_id, env.origin, kind[:64], key[:128], env.id, env.type,
                 encode("data", msgspec.to_builtins(env.payload)), env.occurred_at, now]
    rows = await db.fetch(
        'INSERT INTO "replica" ("tenant_id", "origin", "kind", "key", "version", "type", '
        '"data", "occurred_at", "received_at") VALUES ' + _values(db, len(newest), 9)
        + ' ON CONFLICT ("tenant_id", "origin", "kind", "key") DO UPDATE SET '
        '"version" = excluded."version", "type" = excluded."type", "data" = excluded."data", '
        '"occurred_at" = excluded."occurred_at", "received_at" = excluded."received_at" '
        'WHERE "replica"."version" < excluded."version" RETURNING "version"',
        args, session.tenant_id,
    )
    return {str(r["version"]) for r in rows}


@dataclass(frozen=True)
class Received:
    """One message to apply: its body and subject, the envelope read from it, and
    why it must be refused (e.g. a forged origin), if it must."""

    body: bytes
    subject: str
    incoming: codec.Incoming
    refusal: str | None = None


def _event_of(known: codec.Catalog, received: Received) -> tuple[Status, Event | None]:
    incoming = received.incoming
    if received.refusal:
        log.warning("sync: refused %s from %s on %s: %s", incoming.id, incoming.origin,
                    received.subject, received.refusal)
        return "rejected", None
    cls = known.known(incoming)
    if cls is None:
        return "stored", None
    try:
        return "applied", codec.payload_of(incoming, cls)
    except msgspec.ValidationError as exc:
        log.warning("sync: %s %s does not fit its type: %s", incoming.type, incoming.id, exc)
        return "stored", None


async def apply(db: Database, tenant: TenantInfo, plugins: Plugins, clock: Clock,
                batch: Sequence[Received]) -> list[Status]:
    """Apply received messages to ``tenant`` in one transaction, each at most once.

    Args:
        db: the database.
        tenant: the receiving tenant.
        plugins: the plugins (for event types and ``xuncha_sync_received``).
        clock: the clock (for the unit of work handlers get).
        batch: the messages, in stream order.

    Returns:
        What happened to each message: ``applied``, ``duplicate`` (received
        before), ``stored`` (type or version unknown here) or ``rejected``.
        ``xuncha_sync_received`` sees the applied events in order, except one
        superseded by a newer version of its replica (held or in the batch).
    """
    known = codec.catalog(plugins)
    session = db.tenant(tenant.id)
    work = Work(session=session, tenant=tenant, actor="sync", clock=clock, plugins=plugins)
    judged = [_event_of(known, received) for received in batch]
    seen: set[str] = set()
    firsts = []  # a message twice in one batch counts once
    for received, (status, _) in zip(batch, judged, strict=True):
        if received.incoming.id not in seen:
            seen.add(received.incoming.id)
            firsts.append((received, status))
    async with work.transaction():
        new = await _record(session, firsts) if firsts else set()
        fresh: list[Envelope] = []
        statuses: list[Status] = []
        for received, (status, event) in zip(batch, judged, strict=True):
            incoming = received.incoming
            if incoming.id not in new:
                statuses.append("duplicate")
                continue
            new.discard(incoming.id)
            statuses.append(status)
            if event is not None:
                fresh.append(Envelope(
                    id=incoming.id, type=incoming.type, version=incoming.version,
                    origin=incoming.origin, entity=incoming.entity,
                    occurred_at=incoming.occurred_at, payload=event))
        replicated = [env for env in fresh if type(env.payload).replicated]
        written = await _replicate(session, replicated) if replicated else set()
        for env in fresh:
            if type(env.payload).replicated and env.id not in written:
                continue  # superseded by a newer version, held or in this batch
            work.actor = f"sync:{env.origin}"[:128]
            await plugins.call("xuncha_sync_received", tenant.plugins, event=env,
                               tenant=tenant, work=work)
    return statuses
