"""The outbox: events that travel, written in the transaction of their change.

``Work`` calls :func:`write` just before its outermost transaction commits,
so an event leaves the tenant if and only if its change committed; the relay
(:mod:`core.sync.relay`) is woken after the commit through :func:`notify`,
and on PostgreSQL a relay in another process by ``NOTIFY`` on
:data:`CHANNEL` (sent with the transaction, delivered when it commits).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from core.db import TenantSession
from core.events import Envelope
from core.plugins import Plugins
from core.sync import codec
from core.sync.subjects import subject
from core.sync.tables import SyncOutbox
from core.tenancy.model import TenantInfo

__all__ = ["CHANNEL", "listen", "notify", "unlisten", "write"]

CHANNEL = "xuncha_outbox"
"""The PostgreSQL ``NOTIFY`` channel of committed outbox rows (payload: the tenant id)."""

_listeners: list[Callable[[int], None]] = []


def listen(callback: Callable[[int], None]) -> None:
    """Call ``callback(tenant_id)`` whenever a transaction committed outbox rows."""
    _listeners.append(callback)


def unlisten(callback: Callable[[int], None]) -> None:
    """Stop calling ``callback``."""
    if callback in _listeners:
        _listeners.remove(callback)


def notify(tenant_id: int) -> None:
    """Tell the relays of this process that ``tenant_id`` has rows to publish."""
    for callback in list(_listeners):
        callback(tenant_id)


async def write(session: TenantSession, tenant: TenantInfo, plugins: Plugins,
                outgoing: Sequence[tuple[Envelope, str | None]]) -> int:
    """Write outbox rows for ``outgoing`` (envelope, addressed county) in the open transaction.

    An ``up`` event of a tenant without a parent has nowhere to go and is
    skipped; a ``down`` event addressed to no county is a broadcast.

    Returns:
        How many rows were written.
    """
    known = codec.catalog(plugins)
    rows = []
    for env, to in outgoing:
        direction = known.direction_of.get(env.type)
        if direction == "up":
            if not tenant.parent_code:
                continue
            subj, target = subject("up", tenant.code, known.plugin_of[env.type], env.type), \
                tenant.parent_code
        elif direction == "down":
            subj, target = subject("down", to, known.plugin_of[env.type], env.type), to or ""
        else:
            continue
        rows.append({"event_id": env.id, "subject": subj, "type": env.type,
                     "body": codec.encode(env, target).decode("utf-8")})
    if rows:
        await session.insert(SyncOutbox, rows)
        if session.db.postgres:
            await session.db.fetch("SELECT pg_notify($1, $2)", [CHANNEL, str(session.tenant_id)],
                                   session.tenant_id)
    return len(rows)
