"""Tables of sync: the outbox, the inbox and the replicas a tenant holds.

All three are tenant-owned: the outbox row belongs to the tenant that
emitted the event, the inbox row and the replica to the tenant that received
it, so row-level security covers them like any other tenant table.
"""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.tenancy.tables import Tenant

__all__ = ["Replica", "SyncInbox", "SyncOutbox", "SyncState"]


class SyncOutbox(Table, tablename="sync_outbox"):
    """An event waiting to be published (written in the transaction of its change).

    The relay publishes rows in ``id`` order with ``Nats-Msg-Id`` = ``event_id``
    and deletes a row only once JetStream acknowledged it.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    event_id = Varchar(length=36, unique=True)
    subject = Varchar(length=255)
    type = Varchar(length=100)
    body = Text()
    created_at = Timestamptz(default=TimestamptzNow())
    attempts = Integer(default=0)
    last_error = Text(default="")


class SyncInbox(Table, tablename="sync_inbox"):
    """An event a tenant received, recorded in the transaction that applied it.

    ``(tenant_id, event_id)`` is unique, so a redelivered event finds its row
    and is acknowledged without being applied again. An event of a type or
    version this deployment does not know is kept with status ``stored``.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    event_id = Varchar(length=36)
    origin = Varchar(length=64)
    type = Varchar(length=100)
    version = Integer()
    subject = Varchar(length=255)
    status = Varchar(length=16)
    body = Text()
    occurred_at = Timestamptz()
    received_at = Timestamptz(default=TimestamptzNow())


class Replica(Table, tablename="replica"):
    """A read-only copy of another tenant's record, keyed by (origin, kind, key).

    ``version`` is the id (UUIDv7, ordered by time) of the event that wrote
    it; an older event never overwrites a newer one.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    origin = Varchar(length=64)
    kind = Varchar(length=64)
    key = Varchar(length=128)
    version = Varchar(length=36)
    type = Varchar(length=100)
    data = JSON(default={})
    occurred_at = Timestamptz()
    received_at = Timestamptz(default=TimestamptzNow())


class SyncState(Table, tablename="sync_state"):
    """A small per-tenant memo of sync (e.g. the audit head last published)."""

    tenant_id = ForeignKey(Tenant, index=True)
    key = Varchar(length=64)
    value = JSON(default={})
    updated_at = Timestamptz(default=TimestamptzNow())
