"""Tables of the audit trail."""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.tenancy.tables import Tenant

__all__ = ["GENESIS", "AuditEntry", "AuditHead"]

GENESIS = "0" * 64
"""The ``prev_hash`` of a tenant's first entry."""


class AuditEntry(Table, tablename="audit_entry"):
    """One write or confidential read; ``hash`` covers the entry and ``prev_hash``."""

    tenant_id = ForeignKey(Tenant, index=True)
    seq = BigInt()
    at = Timestamptz(default=TimestamptzNow())
    actor = Varchar(length=128)
    action = Varchar(length=64)
    object_type = Varchar(length=64)
    object_id = Varchar(length=64, default="")
    detail = JSON(default={})
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)


class AuditHead(Table, tablename="audit_head"):
    """The head of a tenant's chain: last ``seq`` and ``hash`` (one row per tenant).

    Appends lock this row, so a tenant's entries are written one at a time;
    the head is what a parent tenant keeps to catch a rewritten history.
    """

    tenant_id = ForeignKey(Tenant, unique=True)
    seq = BigInt(default=0)
    hash = Varchar(length=64, default=GENESIS)
    updated_at = Timestamptz(default=TimestamptzNow())
