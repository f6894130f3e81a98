"""The one guard of every route: deny by default, casbin-derived decisions.

Each route declares its action (``opt={"action": "paper:sign"}``); ``public``
marks the few routes anyone may call (sign-in, health, static files). A
request is allowed when the account's roles in the tenant allow the action;
otherwise when the object it touches belongs to an inspection whose team the
account is on, authorised and not yet released (一次一授权), and the team
role allows the action; otherwise when the account is a liaison of that
object's org or receiving body. The desk (``desk:view``, an action on nothing
but the tenant) is allowed to anyone holding a role or a team place there.
Everything else is refused.

Pages offer only what these decisions let through: :func:`route_actions` names
what a route asks for, :func:`allowed_in` decides without raising (the menu).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import (
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.handlers.base import BaseRouteHandler

from core.authz.roles import (
    LIAISON_SCOPES,
    PRESENCE_ACTIONS,
    SIGNED_IN_ACTIONS,
    TEAM_ROLE_NAMES,
)
from core.authz.scope import GrantTargets, Target, query_names, resolve_target
from core.db import TenantSession
from core.identity.principal import Principal
from core.inspection.tables import TeamMember
from core.runtime import Runtime, runtime_of
from core.tenancy.model import TenantInfo
from core.web.middleware import anonymous_message
from core.web.read_cache import FOLLOWED

__all__ = ["PUBLIC", "allowed_in", "also_requires", "authorize", "decide", "present_in",
           "require_action", "route_actions"]

PUBLIC = "public"
"""The action of routes open to anyone."""


async def authorize(connection: ASGIConnection[Any, Any, Any, Any],
                    handler: BaseRouteHandler) -> None:
    """Litestar guard: refuse unless the route's declared action is allowed."""
    action = handler.opt.get("action")
    if not action:
        raise PermissionDeniedException("该功能未声明所需权限，已拒绝访问")
    if action != PUBLIC:
        await decide(connection, str(action))


async def require_action(connection: ASGIConnection[Any, Any, Any, Any], action: str) -> None:
    """Refuse (403) unless the request's account may take ``action`` (a second check in a
    handler, e.g. approving a recusal exception)."""
    await decide(connection, action)


class _AlsoRequires:
    """A route guard asking for ``actions`` too (see :func:`also_requires`)."""

    def __init__(self, actions: tuple[str, ...]) -> None:
        self.actions = actions

    async def __call__(self, connection: ASGIConnection[Any, Any, Any, Any],
                       handler: BaseRouteHandler) -> None:
        for action in self.actions:
            await decide(connection, action)


def also_requires(*actions: str) -> Any:
    """A route guard asking for ``actions`` too, decided on the same object as the route's
    own action (an export of a paper needs ``paper:read`` besides ``export:read``)."""
    return _AlsoRequires(actions)


def route_actions(handler: BaseRouteHandler) -> list[str]:
    """Every action a route asks for: its own and those of its ``also_requires`` guards."""
    actions = [str(handler.opt.get("action") or "")]
    for guard in handler.resolve_guards():
        if isinstance(guard, _AlsoRequires):
            actions.extend(guard.actions)
    return actions


def _principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    principal = connection.scope.get("user")
    if not isinstance(principal, Principal):
        # Say why presented credentials were refused (expired session, revoked token...).
        raise NotAuthorizedException(anonymous_message(connection.scope))
    return principal


async def decide(connection: ASGIConnection[Any, Any, Any, Any], action: str) -> None:
    """Allow or raise: 401 when anonymous, 403 when not allowed (the object named being
    unknown or not), 404 for an unknown tenant."""
    principal = _principal(connection)
    runtime = runtime_of(connection.app.state)
    authz = runtime.authz
    if not connection.scope.get(FOLLOWED):  # core.web.read_cache may have followed already
        await authz.follow()  # a grant or revocation by another process of the deployment
    code = connection.path_params.get("tenant")
    if code is None:
        if action in SIGNED_IN_ACTIONS or any(
                authz.allows(principal.username, t, action)
                for t in authz.tenants_of(principal.username)):
            return
        if await authz.refresh():
            return await decide(connection, action)
        raise PermissionDeniedException("无权执行此操作")
    code = str(code)
    tenant = await runtime.tenants.get(code)
    if tenant is None:
        raise NotFoundException(f"巡察机构 {code[:64]} 不存在")
    if principal.via == "token" and principal.token_tenant != code:
        raise PermissionDeniedException(f"该 API 令牌只能用于机构 {principal.token_tenant}")
    if await allowed_in(runtime, principal, tenant, action, connection.path_params,
                        connection.query_params, connection.scope.get("route_handler")):
        return
    if await authz.refresh():  # a grant made by another process a moment ago
        return await decide(connection, action)
    raise PermissionDeniedException("无权执行此操作")


async def allowed_in(runtime: Runtime, principal: Principal, tenant: TenantInfo, action: str,
                     path_params: Mapping[str, Any], query: Any,
                     handler: BaseRouteHandler | None) -> bool:
    """Whether ``principal`` may take ``action`` in ``tenant`` on what the path and query
    name (the route's ``handler`` says which query names count): tenant-wide, by
    presence (:data:`PRESENCE_ACTIONS`), through a team place or a liaison scope."""
    if runtime.authz.allows(principal.username, tenant.code, action):
        return True
    session = runtime.db.tenant(tenant.id)
    if action in PRESENCE_ACTIONS:
        return await present_in(runtime, principal, tenant, action)
    taken = query_names(handler) if handler is not None else frozenset()
    targets = GrantTargets(runtime.plugins.gather_now("xuncha_grant_targets"))
    target = await resolve_target(session, targets, path_params, query, taken)
    # An unknown id is refused like an object out of reach (same status, same message):
    # ids are one global sequence, so a 404 here would tell how busy other tenants and
    # other inspections are. Callers allowed tenant-wide get the handlers' 404.
    if not target.missing and target.inspection_id and await _team_allows(
            runtime, session, principal, tenant.code, target, action):
        return True
    return bool(not target.missing and target.named and await _liaison_allows(
        runtime, principal, tenant.code, target, action))


async def present_in(runtime: Runtime, principal: Principal, tenant: TenantInfo,
                     action: str = "desk:view") -> bool:
    """Whether one of ``principal``'s roles in ``tenant`` allows ``action``, a liaison's
    scoped role or an authorised, not released team place included."""
    authz = runtime.authz
    if any(authz.role_allows(role, tenant.code, action)
           for role in authz.roles_of(principal.username, tenant.code)):
        return True
    rows = await runtime.db.tenant(tenant.id).list(TeamMember, {
        "person": principal.username, "home_tenant": principal.home_tenant}, limit=None)
    return any(_active(row, runtime.clock.now()) and authz.role_allows(
        TEAM_ROLE_NAMES[row["role"]].value, tenant.code, action) for row in rows)


def _active(row: Mapping[str, Any], now: datetime) -> bool:
    started, ended = row["authorized_at"], row["released_at"]
    return started is not None and started <= now and (ended is None or ended > now)


async def _team_allows(runtime: Runtime, session: TenantSession, principal: Principal,
                       code: str, target: Target, action: str) -> bool:
    rows = await session.list(TeamMember, {
        "inspection_id": target.inspection_id, "person": principal.username,
        "home_tenant": principal.home_tenant}, limit=None)
    now = runtime.clock.now()
    return any(_active(row, now) and runtime.authz.role_allows(
        TEAM_ROLE_NAMES[row["role"]].value, code, action) for row in rows)


async def _liaison_allows(runtime: Runtime, principal: Principal, code: str, target: Target,
                          action: str) -> bool:
    authz = runtime.authz
    roles = set(authz.roles_of(principal.username, code))
    scopes = None
    for role, kind in LIAISON_SCOPES.items():
        if role.value not in roles or not authz.role_allows(role.value, code, action):
            continue
        scopes = scopes or await authz.scopes(principal.username, code)
        held = scopes.get(kind, frozenset())
        if kind == "org" and target.org_id is not None and str(target.org_id) in held:
            return True
        if kind == "body" and target.receiving_body is not None and (
                target.receiving_body in held):
            return True
    return False


