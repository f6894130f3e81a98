"""The org registry (被巡察对象) of a tenant: list, read, register, change.

An org's parent must be an org of the same tenant, never the org itself or
one below it; villages and communities sit under a township. Every write is
audited.
"""

from __future__ import annotations

from typing import Any

import msgspec

from core.audit import chain as audit
from core.db import TenantSession
from core.errors import Conflict, Invalid, NotFound
from core.fields import IdField, changes_of
from core.pagination import Page
from core.tenancy.model import ORG_KIND_LABELS, OrgCode
from core.tenancy.model import Name as OrgName
from core.tenancy.tables import Org, OrgKind

__all__ = [
    "ORG_COLUMNS",
    "OrgCreate",
    "OrgFilters",
    "OrgOut",
    "OrgPage",
    "OrgUpdate",
    "create_org",
    "list_orgs",
    "org_out",
    "read_org",
    "update_org",
]

class OrgOut(msgspec.Struct, kw_only=True):
    """An org (被巡察对象) as the API shows it."""

    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    active: bool
    sort: int
    kind_label: str = ""

    def __post_init__(self) -> None:
        self.kind_label = ORG_KIND_LABELS.get(self.kind, self.kind)


ORG_COLUMNS = {name: name for name in ("id", "code", "name", "kind", "active", "sort")} | {
    "parent_id": "parent"
}
"""What the API reads of an org row (``parent`` is shown as ``parent_id``)."""


OrgPage = Page[OrgOut]
"""A page of orgs and the total matching."""


class OrgFilters(msgspec.Struct, kw_only=True):
    """Filters of the org list; ``None`` means any."""

    kind: OrgKind | None = None
    parent_id: int | None = None
    q: str | None = None
    active: bool | None = True


class OrgCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new org; ``code`` must be unused in the tenant."""

    code: OrgCode
    name: OrgName
    kind: OrgKind
    parent_id: IdField | None = None


class OrgUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Fields of an org to change; absent fields stay as they are."""

    name: OrgName | msgspec.UnsetType = msgspec.UNSET
    kind: OrgKind | msgspec.UnsetType = msgspec.UNSET
    parent_id: IdField | msgspec.UnsetType | None = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


def org_out(row: dict[str, Any]) -> OrgOut:
    """The API shape of a full org row."""
    return OrgOut(
        id=row["id"], code=row["code"], name=row["name"], kind=row["kind"],
        parent_id=row["parent"], active=bool(row["active"]), sort=row["sort"],
    )


async def _check_parent(
    session: TenantSession, parent_id: int | None, kind: str, own_id: int | None = None
) -> None:
    if parent_id is None:
        return
    parent = await session.get(Org, parent_id)
    if parent is None:
        # Same answer whether the id is unused or another tenant's.
        raise Invalid.on("parent_id", "上级单位不存在")
    if own_id is not None:
        seen = {own_id}
        current: dict[str, Any] | None = parent
        while current is not None:
            if current["id"] in seen:
                raise Invalid.on("parent_id", "上级单位不能是本单位或其下级")
            seen.add(current["id"])
            current = await session.get(Org, current["parent"]) if current["parent"] else None
    if kind in (OrgKind.village.value, OrgKind.community.value) and (
        parent["kind"] != OrgKind.township.value
    ):
        raise Invalid.on("parent_id", "村、社区的上级单位应为乡镇（街道）")


async def list_orgs(session: TenantSession, filters: OrgFilters, *, limit: int,
                    offset: int) -> OrgPage:
    """Orgs of the tenant in their order, filtered by kind, parent, status and a text in
    the name or code."""
    where: dict[str, Any] = {}
    if filters.kind is not None:
        where["kind"] = filters.kind.value
    if filters.parent_id is not None:
        where["parent"] = filters.parent_id
    if filters.active is not None:
        where["active"] = filters.active
    q = (filters.q or "").strip()
    search = (("name", "code"), q) if q else None
    rows, total = await session.page(
        Org, where, search=search, order_by=("sort", "id"), limit=limit, offset=offset,
        columns=ORG_COLUMNS,
    )
    items = msgspec.convert(rows, list[OrgOut])  # the hot path: validated in C
    return OrgPage(items=items, total=total, limit=limit, offset=offset)


async def read_org(session: TenantSession, org_id: int) -> OrgOut:
    """One org of the tenant.

    Raises:
        NotFound: no such org (or another tenant's).
    """
    row = await session.get(Org, org_id)
    if row is None:
        raise NotFound("被巡察对象不存在")
    return org_out(row)


async def create_org(session: TenantSession, actor: str, data: OrgCreate) -> OrgOut:
    """Register a new org, last in the tenant's order.

    Raises:
        Conflict: the code is taken.
        Invalid: the parent is unknown, or not a township for a village or community.
    """
    async with session.transaction():
        if await session.count(Org, {"code": data.code}):
            raise Conflict.on("code", f"代码 {data.code} 已被使用")
        await _check_parent(session, data.parent_id, data.kind.value)
        sort = await session.count(Org)
        (new_id,) = await session.insert(Org, [{
            "code": data.code, "name": data.name, "kind": data.kind.value,
            "parent": data.parent_id, "sort": sort,
        }])
        await audit.append(session, actor=actor, action="org.create", object_type="org",
                           object_id=new_id, detail=msgspec.to_builtins(data))
    return await read_org(session, new_id)


async def update_org(session: TenantSession, actor: str, org_id: int,
                     data: OrgUpdate) -> OrgOut:
    """Change an org's name, kind, parent or status.

    Raises:
        NotFound: no such org.
        Invalid: the parent is unknown, the org itself or below it, or not a
            township for a village or community.
    """
    changes = changes_of(data)
    async with session.transaction():
        row = await session.get(Org, org_id)
        if row is None:
            raise NotFound("被巡察对象不存在")
        kind = changes["kind"].value if "kind" in changes else row["kind"]
        parent = changes.get("parent_id", row["parent"])
        await _check_parent(session, parent, kind, own_id=org_id)
        values = {("parent" if k == "parent_id" else k): getattr(v, "value", v)
                  for k, v in changes.items()}
        if values:
            await session.update(Org, {"id": org_id}, values)
            await audit.append(session, actor=actor, action="org.update", object_type="org",
                               object_id=org_id, detail=msgspec.to_builtins(values))
    return await read_org(session, org_id)
