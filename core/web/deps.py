"""Dependencies every tenant route uses: the tenant and its bound session."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath

from core.db import TenantSession
from core.plugins import enabled_for
from core.runtime import runtime_of
from core.tenancy.model import TenantInfo
from core.web.actor import actor_of
from core.work import Work

__all__ = [
    "CurrentTenant",
    "CurrentWork",
    "Session",
    "plugin_enabled_guard",
    "provide_session",
    "provide_tenant",
    "provide_work",
    "tenant_dependencies",
]


CurrentTenant = NamedDependency[TenantInfo]
"""Handler parameter ``tenant_info: CurrentTenant``: the tenant of ``/t/{tenant}/``."""
Session = NamedDependency[TenantSession]
"""Handler parameter ``session: Session``: the database bound to that tenant."""
CurrentWork = NamedDependency[Work]
"""Handler parameter ``work: CurrentWork``: session, tenant, actor, clock and plugins."""


async def provide_tenant(state: State, tenant: FromPath[str]) -> TenantInfo:
    """The tenant named by the ``{tenant}`` path parameter (404 if unknown)."""
    info = await runtime_of(state).tenants.get(tenant)
    if info is None:
        raise NotFoundException(f"巡察机构 {tenant[:64]} 不存在")
    return info


async def provide_session(state: State, tenant_info: CurrentTenant) -> TenantSession:
    """A database session bound to the request's tenant."""
    return runtime_of(state).db.tenant(tenant_info.id)


async def provide_work(request: Request[Any, Any, Any], state: State,
                       tenant_info: CurrentTenant, session: Session) -> Work:
    """The request's unit of work in its tenant."""
    runtime = runtime_of(state)
    return Work(session=session, tenant=tenant_info, actor=actor_of(request),
                clock=runtime.clock, plugins=runtime.plugins)


tenant_dependencies = {
    "tenant_info": Provide(provide_tenant),
    "session": Provide(provide_session),
    "work": Provide(provide_work),
}


async def plugin_enabled_guard(connection: ASGIConnection[Any, Any, Any, Any],
                               handler: BaseRouteHandler) -> None:
    """Refuse a plugin's tenant route when the tenant has not enabled the plugin."""
    plugin = handler.opt.get("plugin")
    code = connection.path_params.get("tenant")
    if not plugin or code is None:
        return
    info = await runtime_of(connection.app.state).tenants.get(str(code))
    if info is None:
        raise NotFoundException(f"巡察机构 {str(code)[:64]} 不存在")
    if not enabled_for(info.plugins, plugin):
        raise PermissionDeniedException(f"本机构未启用插件 {plugin}")
