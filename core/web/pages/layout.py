"""The layout of every page: who is signed in, the tenant's menu and the tenant switcher.

The menu offers only links the signed-in person may open: each entry (the
core's and the plugins', from ``xuncha_menu_items``) is resolved to the route
it links to, and that route's actions (its own and those of its
``also_requires`` guards) are decided as the guard decides them
(:func:`core.web.guard.allowed_in`), for the objects its path and query name.
The switcher lists the tenants where the person holds a role, and the one
the page belongs to (a team place is held there, or the page would not open).

People acting on the records the page shows are named by their names
(``people`` and the ``person`` filter, :mod:`core.web.people`).

The request being served is known to the layout without being passed down:
the app's guard records it (:func:`serving`), so ``page_context(state,
tenant)`` keeps the signature plugins call.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any
from urllib.parse import parse_qsl

from litestar.connection import ASGIConnection
from litestar.datastructures import MultiDict, State
from litestar.exceptions import HTTPException

from core.contributions import MenuItem
from core.identity.principal import Principal
from core.runtime import Runtime, runtime_of
from core.tenancy.model import ORG_KIND_LABELS, TenantInfo
from core.web.guard import PUBLIC, allowed_in, route_actions
from core.web.people import display_names, logins_in

__all__ = ["menu_for", "page_context", "serving", "switcher_for", "tree_order"]

_SERVING: ContextVar[ASGIConnection[Any, Any, Any, Any] | None] = ContextVar(
    "xuncha_serving", default=None)


def serving(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Record the request being served (called by the app's guard, before the handler)."""
    _SERVING.set(connection)


def _principal(connection: ASGIConnection[Any, Any, Any, Any] | None) -> Principal | None:
    user = connection.scope.get("user") if connection is not None else None
    return user if isinstance(user, Principal) else None


def tree_order(tenants: list[TenantInfo]) -> list[TenantInfo]:
    """Tenants parent first, each followed by its subtree."""
    children: dict[int | None, list[TenantInfo]] = {}
    for t in tenants:
        children.setdefault(t.parent_id, []).append(t)
    ordered: list[TenantInfo] = []

    def walk(parent: int | None) -> None:
        for t in children.get(parent, []):
            ordered.append(t)
            walk(t.id)

    walk(None)
    return ordered


async def _opens(runtime: Runtime, connection: ASGIConnection[Any, Any, Any, Any],
                 principal: Principal, tenant: TenantInfo, item: MenuItem) -> bool:
    """Whether the route ``item`` links to lets ``principal`` through (as its guard would)."""
    if item.action and not await allowed_in(runtime, principal, tenant, item.action, {},
                                            MultiDict(), None):
        return False
    path, _, query = f"/t/{tenant.code}/{item.path}".partition("?")
    try:
        _, handler, _, params, _ = connection.app.asgi_router.handle_routing(
            path=path, method="GET")
    except HTTPException:
        return False  # a link to no page
    values = MultiDict(parse_qsl(query, keep_blank_values=True))
    for action in route_actions(handler):
        if action == PUBLIC:
            continue
        if not action or not await allowed_in(runtime, principal, tenant, action, params,
                                              values, handler):
            return False
    return True


async def menu_for(connection: ASGIConnection[Any, Any, Any, Any] | None,
                   tenant: TenantInfo) -> list[MenuItem]:
    """The tenant's menu entries the request's account may open, in menu order."""
    principal = _principal(connection)
    if connection is None or principal is None or (
            principal.via == "token" and principal.token_tenant != tenant.code):
        return []
    runtime = runtime_of(connection.app.state)
    items = await runtime.plugins.gather("xuncha_menu_items", tenant.plugins, tenant=tenant)
    return [item for item in sorted(items, key=lambda i: (i.order, i.label))
            if await _opens(runtime, connection, principal, tenant, item)]


async def switcher_for(connection: ASGIConnection[Any, Any, Any, Any] | None,
                       runtime: Runtime, tenant: TenantInfo | None,
                       ) -> list[tuple[TenantInfo, int]]:
    """The switcher's tenants with their depth in the tree: those where the account holds
    a role, and the page's own."""
    principal = _principal(connection)
    if principal is None:
        return []
    tenants = await runtime.tenants.all()
    held = set(runtime.authz.tenants_of(principal.username))
    if tenant is not None:
        held.add(tenant.code)
    by_id = {t.id: t for t in tenants}

    def depth(t: TenantInfo) -> int:
        parent = by_id.get(t.parent_id) if t.parent_id else None
        return depth(parent) + 1 if parent else 0

    return [(t, depth(t)) for t in tree_order(tenants) if t.code in held]


async def page_context(state: State, tenant: TenantInfo | None, *,
                       connection: ASGIConnection[Any, Any, Any, Any] | None = None,
                       **extra: Any) -> dict[str, Any]:
    """What the layout needs: the tenant, its menu and the tenant switcher (for the request
    being served, or ``connection`` where no guard ran: the router's error pages)."""
    runtime = runtime_of(state)
    connection = connection or _SERVING.get()
    if connection is not None and runtime_of(connection.app.state) is not runtime:
        connection = None  # recorded by another app (tests run several in one process)
    menu = await menu_for(connection, tenant) if tenant is not None else []
    return {
        "tenant": tenant,
        "menu": menu,
        "switcher": await switcher_for(connection, runtime, tenant),
        "kind_labels": ORG_KIND_LABELS,
        "people": await display_names(runtime.db, logins_in(extra.values())),
        **extra,
    }
