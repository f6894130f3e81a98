"""The one guard of every route: deny by default, casbin-derived decisions.

Each route declares its action (``opt={"action": "paper:sign"}``); ``public``
marks the few routes anyone may call (sign-in, health, static files). A
request is allowed when the account's roles in the tenant allow the action;
otherwise when the object it touches belongs to an inspection whose team the
account is on, authorised and not yet released (一次一授权), and the team
role allows the action; otherwise when the account is a liaison of that
object's org or receiving body. Everything else is refused.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import (
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.handlers.base import BaseRouteHandler

from core.authz.roles import LIAISON_SCOPES, SIGNED_IN_ACTIONS, TEAM_ROLE_NAMES
from core.authz.scope import GrantTargets, Target, query_names, resolve_target
from core.db import TenantSession
from core.identity.principal import Principal
from core.inspection.tables import TeamMember
from core.runtime import Runtime, runtime_of
from core.web.middleware import anonymous_message

__all__ = ["PUBLIC", "also_requires", "authorize", "decide", "require_action"]

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


def also_requires(*actions: str) -> Any:
    """A route guard asking for ``actions`` too, decided on the same object as the route's
    own action (an export of a paper needs ``paper:read`` besides ``export:read``)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any],
                    handler: BaseRouteHandler) -> None:
        for action in actions:
            await decide(connection, action)

    return guard


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
    if authz.allows(principal.username, code, action):
        return
    session = runtime.db.tenant(tenant.id)
    handler = connection.scope.get("route_handler")
    taken = query_names(handler) if handler is not None else frozenset()
    targets = GrantTargets(runtime.plugins.gather_now("xuncha_grant_targets"))
    target = await resolve_target(session, targets, connection.path_params,
                                  connection.query_params, taken)
    # An unknown id is refused like an object out of reach (same status, same message):
    # ids are one global sequence, so a 404 here would tell how busy other tenants and
    # other inspections are. Callers allowed tenant-wide get the handlers' 404.
    if not target.missing and target.inspection_id and await _team_allows(
            runtime, session, principal, code, target, action):
        return
    if not target.missing and target.named and await _liaison_allows(
            runtime, principal, code, target, action):
        return
    if await authz.refresh():  # a grant made by another process a moment ago
        return await decide(connection, action)
    raise PermissionDeniedException("无权执行此操作")


async def _team_allows(runtime: Runtime, session: TenantSession, principal: Principal,
                       code: str, target: Target, action: str) -> bool:
    rows = await session.list(TeamMember, {
        "inspection_id": target.inspection_id, "person": principal.username,
        "home_tenant": principal.home_tenant}, limit=None)
    now = runtime.clock.now()
    for row in rows:
        started, ended = row["authorized_at"], row["released_at"]
        if started is None or started > now or (ended is not None and ended <= now):
            continue
        if runtime.authz.role_allows(TEAM_ROLE_NAMES[row["role"]].value, code, action):
            return True
    return False


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


