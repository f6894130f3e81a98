"""JSON API of the tenant tree and the org registry (``/t/{tenant}/api/...``)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, JSONBody

from core.audit import chain as audit
from core.runtime import runtime_of
from core.tenancy.model import LEVEL_LABELS, ORG_KIND_LABELS, OrgCode, TenantInfo
from core.tenancy.model import Name as OrgName
from core.tenancy.tables import Org, OrgKind
from core.web.actor import actor_of
from core.web.deps import CurrentTenant, Session
from core.web.errors import FieldError, InputError
from core.web.params import Id, IdField, IdQuery, Limit, Offset, Search, changes_of

__all__ = ["OrgController", "TenantController"]

OrgId = Id


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


class OrgPage(msgspec.Struct, kw_only=True):
    """A page of orgs and the total matching."""

    items: list[OrgOut]
    total: int
    limit: int
    offset: int


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


class TenantOut(msgspec.Struct, kw_only=True):
    """A tenant (巡察机构) with its effective settings."""

    code: str
    name: str
    region: str
    level: str
    level_label: str
    parent: str | None
    plugins: list[str]
    settings: dict[str, Any]


def org_out(row: dict[str, Any]) -> OrgOut:
    """The API shape of a full org row."""
    return OrgOut(
        id=row["id"], code=row["code"], name=row["name"], kind=row["kind"],
        parent_id=row["parent"], active=bool(row["active"]), sort=row["sort"],
    )


async def _check_parent(
    session: Session, parent_id: int | None, kind: str, own_id: int | None = None
) -> None:
    if parent_id is None:
        return
    parent = await session.get(Org, parent_id)
    if parent is None:
        # Same answer whether the id is unused or another tenant's.
        raise InputError([FieldError("parent_id", "上级单位不存在")])
    if own_id is not None:
        seen = {own_id}
        current: dict[str, Any] | None = parent
        while current is not None:
            if current["id"] in seen:
                raise InputError([FieldError("parent_id", "上级单位不能是本单位或其下级")])
            seen.add(current["id"])
            current = await session.get(Org, current["parent"]) if current["parent"] else None
    if kind in (OrgKind.village.value, OrgKind.community.value) and (
        parent["kind"] != OrgKind.township.value
    ):
        raise InputError([FieldError("parent_id", "村、社区的上级单位应为乡镇（街道）")])


class OrgController(Controller):
    """The org registry of one tenant."""

    path = "/t/{tenant:str}/api/orgs"
    tags = ["被巡察对象"]

    @get("/", opt={"action": "org:read"}, summary="被巡察对象列表")
    async def list_orgs(
        self,
        session: Session,
        kind: FromQuery[OrgKind | None] = None,
        parent_id: IdQuery = None,
        q: Search = None,
        active: FromQuery[bool | None] = True,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> OrgPage:
        """Orgs of the tenant, filtered by kind, parent, status and name or code."""
        where: dict[str, Any] = {}
        if kind is not None:
            where["kind"] = kind.value
        if parent_id is not None:
            where["parent"] = parent_id
        if active is not None:
            where["active"] = active
        search = (("name", "code"), q.strip()) if q and q.strip() else None
        rows, total = await session.page(
            Org, where, search=search, order_by=("sort", "id"), limit=limit, offset=offset,
            columns=ORG_COLUMNS,
        )
        items = msgspec.convert(rows, list[OrgOut])  # the hot path: validated in C
        return OrgPage(items=items, total=total, limit=limit, offset=offset)

    @get("/{org_id:int}", opt={"action": "org:read"}, summary="被巡察对象详情")
    async def get_org(self, session: Session, org_id: OrgId) -> OrgOut:
        """One org of the tenant."""
        row = await session.get(Org, org_id)
        if row is None:
            raise NotFoundException("被巡察对象不存在")
        return org_out(row)

    @post("/", opt={"action": "org:write"}, summary="新增被巡察对象")
    async def create_org(
        self, request: Request[Any, Any, Any], session: Session, data: JSONBody[OrgCreate]
    ) -> OrgOut:
        """Register a new org in the tenant."""
        async with session.transaction():
            if await session.count(Org, {"code": data.code}):
                raise InputError([FieldError("code", f"代码 {data.code} 已被使用")], 409)
            await _check_parent(session, data.parent_id, data.kind.value)
            sort = await session.count(Org)
            (new_id,) = await session.insert(Org, [{
                "code": data.code, "name": data.name, "kind": data.kind.value,
                "parent": data.parent_id, "sort": sort,
            }])
            await audit.append(session, actor=actor_of(request), action="org.create",
                               object_type="org", object_id=new_id,
                               detail=msgspec.to_builtins(data))
            row = await session.get(Org, new_id)
        assert row is not None
        return org_out(row)

    @patch("/{org_id:int}", opt={"action": "org:write"}, summary="修改被巡察对象")
    async def update_org(
        self, request: Request[Any, Any, Any], session: Session, org_id: OrgId,
        data: JSONBody[OrgUpdate],
    ) -> OrgOut:
        """Change an org's name, kind, parent or status."""
        changes = changes_of(data)
        async with session.transaction():
            row = await session.get(Org, org_id)
            if row is None:
                raise NotFoundException("被巡察对象不存在")
            kind = changes["kind"].value if "kind" in changes else row["kind"]
            parent = changes.get("parent_id", row["parent"])
            await _check_parent(session, parent, kind, own_id=org_id)
            values = {("parent" if k == "parent_id" else k): getattr(v, "value", v)
                      for k, v in changes.items()}
            if values:
                await session.update(Org, {"id": org_id}, values)
                await audit.append(session, actor=actor_of(request), action="org.update",
                                   object_type="org", object_id=org_id,
                                   detail=msgspec.to_builtins(values))
            row = await session.get(Org, org_id)
        assert row is not None
        return org_out(row)


class TenantController(Controller):
    """The tenant tree (names only; data crosses tenants only through sync)."""

    tags = ["巡察机构"]

    @get("/api/tenants", opt={"action": "tenant:list"}, summary="巡察机构列表")
    async def list_tenants(self, state: State) -> list[TenantOut]:
        """Every tenant of this deployment, parents before children."""
        registry = runtime_of(state).tenants
        return [_tenant_out(t, registry.by_id(t.parent_id)) for t in await registry.all()]

    @get("/t/{tenant:str}/api/tenant", opt={"action": "tenant:read"}, summary="本机构信息")
    async def get_tenant(self, state: State, tenant_info: CurrentTenant) -> TenantOut:
        """The tenant with its effective settings (defaults merged)."""
        parent = runtime_of(state).tenants.by_id(tenant_info.parent_id)
        return _tenant_out(tenant_info, parent)


def _tenant_out(tenant: TenantInfo, parent: TenantInfo | None) -> TenantOut:
    return TenantOut(
        code=tenant.code, name=tenant.name, region=tenant.region, level=tenant.level,
        level_label=LEVEL_LABELS.get(tenant.level, tenant.level),
        parent=parent.code if parent else None, plugins=list(tenant.plugins),
        settings=tenant.settings,
    )
