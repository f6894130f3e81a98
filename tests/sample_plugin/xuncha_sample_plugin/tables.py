"""Tables of the sample plugin (one tenant-owned table)."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Varchar
from piccolo.table import Table

from core.tenancy.tables import Tenant

__all__ = ["SampleNote"]


class SampleNote(Table, tablename="sample_note"):
    """A field note (现场记录) taken during a high-standard farmland inspection.

    The ``tenant_id`` column makes the table tenant-owned: ``TenantSession``
    filters it and, on PostgreSQL, row-level security guards it.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    title = Varchar(length=200)
    village = Varchar(length=100, default="")
