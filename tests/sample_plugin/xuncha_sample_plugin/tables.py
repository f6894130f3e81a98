"""Tables of the sample plugin (one tenant-owned table)."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, Varchar
from piccolo.table import Table

from core.api import Tenant

__all__ = ["SampleNote"]


class SampleNote(Table, tablename="sample_note"):
    """A field note (现场记录) taken during a high-standard farmland inspection.

    The ``tenant_id`` column makes the table tenant-owned: ``TenantSession``
    filters it and, on PostgreSQL, row-level security guards it. A note taken
    by an inspection team names its ``inspection_id`` and the ``org_id`` it is
    about: registered as a grant target, it is open to that team (一次一授权)
    and to the org's liaison.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    title = Varchar(length=200)
    village = Varchar(length=100, default="")
    inspection_id = Integer(null=True, default=None)
    org_id = Integer(null=True, default=None)
