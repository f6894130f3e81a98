"""Granting and revoking tenant roles, checked and audited (shared by the API and the CLI)."""

from __future__ import annotations

from typing import Any

import msgspec

from core.audit import chain
from core.authz.policy import Authorizer
from core.authz.roles import LIAISON_SCOPES, ROLE_LABELS, TEAM_ROLE_NAMES, Role
from core.db import Database
from core.inspection.model import ReceivingBody
from core.tenancy.tables import Org

__all__ = ["GrantError", "RoleGrant", "grant_role", "list_grants", "revoke_role"]

GRANTABLE = [r for r in Role if r not in TEAM_ROLE_NAMES.values()]
"""Team roles are held through a team (一次一授权), never granted."""


class GrantError(ValueError):
    """A grant that cannot be made; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str = "role") -> None:
        super().__init__(message)
        self.message, self.field = message, field


class RoleGrant(msgspec.Struct, frozen=True, kw_only=True):
    """A role held by an account in a tenant (with a liaison scope)."""

    username: str
    role: str
    role_label: str
    tenant: str
    scope: str = ""


async def _tenant_and_above(db: Database, tenant_id: int) -> set[int]:
    """``tenant_id`` and the tenants above it (its city), as far as this database knows."""
    mark = db.dialect.mark
    found: set[int] = set()
    current: int | None = tenant_id
    while current is not None and current not in found:
        found.add(current)
        rows = await db.fetch(f'SELECT "parent" FROM "tenant" WHERE "id" = {mark(1)}',
                              [current])
        current = int(rows[0]["parent"]) if rows and rows[0]["parent"] is not None else None
    return found


async def _account(db: Database, username: str, tenant_id: int) -> dict[str, Any]:
    """The account, if it belongs to the tenant or to a tenant above it.

    An account of any other tenant is refused with the message of an unknown
    one: the grant form must not tell who exists elsewhere.
    """
    rows = await db.fetch(
        f'SELECT "id", "home_tenant", "active" FROM "account" WHERE "username" = '
        f'{db.dialect.mark(1)}', [username])
    if not rows or int(rows[0]["home_tenant"]) not in await _tenant_and_above(db, tenant_id):
        raise GrantError(f"账号 {username} 不存在", "username")
    return rows[0]


async def _scope(db: Database, tenant_id: int, role: Role, org_code: str | None,
                 body: str | None) -> str | None:
    kind = LIAISON_SCOPES.get(role)
    if kind is None:
        if org_code or body:
            raise GrantError(f"角色“{ROLE_LABELS[role]}”不设单位或承办机关范围", "scope")
        return None
    if kind == "org":
        if not org_code:
            raise GrantError("被巡察单位联络员须指定所联络的单位", "org")
        orgs = await db.tenant(tenant_id).list(Org, {"code": org_code}, limit=1)
        if not orgs:
            raise GrantError(f"本机构没有代码为 {org_code} 的单位", "org")
        return f"org:{orgs[0]['id']}"
    if body not in {b.value for b in ReceivingBody}:
        raise GrantError("线索承办单位联络员须指定承办机关：discipline、organisation 或 other",
                         "body")
    return f"body:{body}"


async def grant_role(db: Database, authz: Authorizer, *, tenant_id: int, tenant_code: str,
                     username: str, role: str, actor: str, org_code: str | None = None,
                     body: str | None = None) -> RoleGrant:
    """Give ``username`` (an account of the tenant or of the city above it) ``role`` in
    the tenant; audited in that tenant's chain. Granting what is held already changes
    nothing."""
    try:
        parsed = Role(role)
    except ValueError:
        raise GrantError(f"角色 {role} 不存在") from None
    if parsed not in GRANTABLE:
        raise GrantError("巡察组角色随组建巡察组按次授权，不能直接授予")
    await _account(db, username, tenant_id)
    scope = await _scope(db, tenant_id, parsed, org_code, body)
    await authz.grant(username, parsed.value, tenant_code, scope)
    await chain.append(db.tenant(tenant_id), actor=actor, action="role.grant",
                       object_type="account", object_id=username,
                       detail={"role": parsed.value, "scope": scope or ""})
    return RoleGrant(username=username, role=parsed.value, role_label=ROLE_LABELS[parsed],
                     tenant=tenant_code, scope=scope or "")


async def revoke_role(db: Database, authz: Authorizer, *, tenant_id: int, tenant_code: str,
                      username: str, role: str, actor: str) -> bool:
    """Take ``role`` in the tenant from ``username``; False when not held.

    Raises:
        GrantError: an office admin taking the role from themself (the tenant could be
            left with nobody to manage it).
    """
    if username == actor and role == Role.office_admin.value:
        raise GrantError("不能收回自己的巡察办管理员角色，请由其他管理员操作")
    removed = await authz.revoke(username, role, tenant_code)
    if removed:
        await chain.append(db.tenant(tenant_id), actor=actor, action="role.revoke",
                           object_type="account", object_id=username, detail={"role": role})
    return removed


async def list_grants(db: Database, tenant_code: str) -> list[RoleGrant]:
    """Every role held in the tenant, with liaison scopes."""
    mark = db.dialect.mark
    rows = await db.fetch(
        'SELECT g."v0", g."v1", s."v3" FROM "casbin_rule" g LEFT JOIN "casbin_rule" s '
        'ON s."ptype" = \'s\' AND s."v0" = g."v0" AND s."v1" = g."v1" AND s."v2" = g."v2" '
        f'WHERE g."ptype" = \'g\' AND g."v2" = {mark(1)} ORDER BY g."v0", g."v1"',
        [tenant_code])
    labels = {role.value: label for role, label in ROLE_LABELS.items()}
    return [RoleGrant(username=r["v0"], role=r["v1"], role_label=labels.get(r["v1"], r["v1"]),
                      tenant=tenant_code, scope=r["v3"] or "") for r in rows]
