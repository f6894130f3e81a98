"""JSON API of the tenant tree and the org registry (``/t/{tenant}/api/...``).

The org rules live in :mod:`core.tenancy.orgs`.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.datastructures import State
from litestar.params import FromQuery, JSONBody

from core.runtime import runtime_of
from core.tenancy import orgs
from core.tenancy.model import LEVEL_LABELS, TenantInfo
from core.tenancy.orgs import OrgCreate, OrgFilters, OrgOut, OrgPage, OrgUpdate
from core.tenancy.tables import OrgKind
from core.web.actor import actor_of
from core.web.deps import CurrentTenant, Session
from core.web.params import Id, IdQuery, Limit, Offset, Search
from core.web.read_cache import READ_CACHE_SECONDS

__all__ = ["OrgController", "TenantController"]

OrgId = Id


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


class OrgController(Controller):
    """The org registry of one tenant."""

    path = "/t/{tenant:str}/api/orgs"
    tags = ["被巡察对象"]

    @get("/", opt={"action": "org:read"}, summary="被巡察对象列表",
         cache=READ_CACHE_SECONDS)
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
        filters = OrgFilters(kind=kind, parent_id=parent_id, q=q, active=active)
        return await orgs.list_orgs(session, filters, limit=limit, offset=offset)

    @get("/{org_id:int}", opt={"action": "org:read"}, summary="被巡察对象详情")
    async def get_org(self, session: Session, org_id: OrgId) -> OrgOut:
        """One org of the tenant."""
        return await orgs.read_org(session, org_id)

    @post("/", opt={"action": "org:write"}, summary="新增被巡察对象")
    async def create_org(
        self, request: Request[Any, Any, Any], session: Session, data: JSONBody[OrgCreate]
    ) -> OrgOut:
        """Register a new org in the tenant."""
        return await orgs.create_org(session, actor_of(request), data)

    @patch("/{org_id:int}", opt={"action": "org:write"}, summary="修改被巡察对象")
    async def update_org(
        self, request: Request[Any, Any, Any], session: Session, org_id: OrgId,
        data: JSONBody[OrgUpdate],
    ) -> OrgOut:
        """Change an org's name, kind, parent or status."""
        return await orgs.update_org(session, actor_of(request), org_id, data)


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
