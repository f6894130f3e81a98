"""Tables of the tenant tree and the org registry."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

__all__ = ["Org", "OrgKind", "Tenant", "TenantLevel", "TenantPreference"]


class TenantLevel(StrEnum):
    """Level of an inspection office in the hierarchy."""

    province = "province"
    city = "city"
    county = "county"


class OrgKind(StrEnum):
    """Kinds of inspectable unit (DOMAIN.md glossary, "org")."""

    department = "department"
    people_org = "people_org"
    soe = "soe"
    institution = "institution"
    agency = "agency"
    township = "township"
    village = "village"
    community = "community"


class Tenant(Table, tablename="tenant"):
    """An inspection office (巡察机构): a node of province > city > county.

    The tenant registry is shared reference data (not tenant-owned): every
    office may know the names of the others; what it may read of them comes
    only through sync.
    """

    code = Varchar(length=64, unique=True)
    name = Varchar(length=128)
    region = Varchar(length=64, default="")
    level = Varchar(length=16, choices=TenantLevel)
    parent: ForeignKey[Any] = ForeignKey("self", null=True)
    #: The parent's code, also when the parent is served by another deployment
    #: (a county's own deployment knows its city only by code).
    parent_code = Varchar(length=64, null=True, default=None)
    plugins = JSON(default=["*"])
    settings = JSON(default={})
    updated_at = Timestamptz(default=TimestamptzNow())


class TenantPreference(Table, tablename="tenant_preference"):
    """What the office admin changed in the browser, over the tenant's file.

    ``tenants sync`` rewrites a tenant's ``settings`` and ``plugins`` from its
    TOML file; the admin's edits live here so a sync does not undo them. A
    setting here wins over the file's and the defaults; ``plugins``, when
    set, replaces the file's list. One row per tenant, shared like the
    tenant registry (the app role writes it; every change is audited in the
    tenant's chain).
    """

    app_writable = True

    tenant = ForeignKey(Tenant, unique=True)
    settings = JSON(default={})
    plugins = JSON(null=True, default=None)
    updated_by = Varchar(length=64, default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class Org(Table, tablename="org"):
    """An inspectable unit (被巡察对象 / 党组织) registered by one tenant.

    ``code`` is stable and unique within the tenant; ``parent`` links a
    village or community to its township (巡镇带村).
    """

    tenant_id = ForeignKey(Tenant, index=True)
    code = Varchar(length=64)
    name = Varchar(length=200)
    kind = Varchar(length=16, choices=OrgKind)
    parent: ForeignKey[Any] = ForeignKey("self", null=True)
    active = Boolean(default=True)
    sort = Integer(default=0)
    updated_at = Timestamptz(default=TimestamptzNow())
