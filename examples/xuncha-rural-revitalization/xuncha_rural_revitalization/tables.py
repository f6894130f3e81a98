"""Tables of the rural_revitalization plugin: one tenant-owned table of check records."""

from __future__ import annotations

from core.api import Tenant
from piccolo.columns import Date, ForeignKey, Integer, Text, Varchar
from piccolo.table import Table

__all__ = ["Record"]


class Record(Table, tablename="rural_revitalization_record"):
    """A check record (检查记录) of an inspection, about one of its orgs.

    The ``tenant_id`` column makes the table tenant-owned: the request's
    ``Session`` filters it and, on PostgreSQL, row-level security guards it.
    ``inspection_id`` and ``org_id`` make it a grant target: the inspection's
    team and the org's liaison may open it.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    inspection_id = Integer()
    org_id = Integer(null=True, default=None)
    title = Varchar(length=200)
    note = Text(default="")
    recorded_on = Date()
    recorded_by = Varchar(length=100, default="")
