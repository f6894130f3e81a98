"""Roles API: the role catalogue, and the office admin granting and revoking roles."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody

from core.authz.grants import GRANTABLE, GrantError, RoleGrant, grant_role, list_grants, revoke_role
from core.authz.roles import LIAISON_SCOPES, ROLE_LABELS, Role
from core.runtime import runtime_of
from core.web.actor import actor_of
from core.web.deps import CurrentTenant
from core.web.errors import FieldError, InputError

__all__ = ["RoleController"]

Username = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class RoleOut(msgspec.Struct, kw_only=True):
    """A role with its Chinese label, its actions in this tenant and its scope kind."""

    code: str
    label: str
    grantable: bool
    scope: str | None
    actions: list[str]


class GrantIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A role for an account; liaisons name their org (code) or receiving body."""

    username: Username
    role: Role
    org: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    body: Annotated[str, msgspec.Meta(max_length=32)] | None = None


class RoleController(Controller):
    """Roles of one tenant."""

    path = "/t/{tenant:str}/api"
    tags = ["角色与授权"]

    @get("/roles", opt={"action": "role:read"}, summary="角色列表")
    async def roles(self, state: State, tenant_info: CurrentTenant) -> list[RoleOut]:
        """Every role, what it may do in this tenant, and whether it can be granted."""
        authz = runtime_of(state).authz
        return [RoleOut(code=r.value, label=ROLE_LABELS[r], grantable=r in GRANTABLE,
                        scope=LIAISON_SCOPES.get(r),
                        actions=sorted(a for a in authz.actions
                                       if authz.role_allows(r.value, tenant_info.code, a)))
                for r in Role]

    @get("/role-grants", opt={"action": "role:read"}, summary="本机构授权列表")
    async def grants(self, state: State, tenant_info: CurrentTenant) -> list[RoleGrant]:
        """Who holds which role in this tenant."""
        return await list_grants(runtime_of(state).db, tenant_info.code)

    @post("/role-grants", opt={"action": "role:manage"}, summary="授予角色")
    async def grant(self, request: Request[Any, Any, Any], state: State,
                    tenant_info: CurrentTenant, data: JSONBody[GrantIn]) -> RoleGrant:
        """Give an account a role in this tenant (audited)."""
        runtime = runtime_of(state)
        try:
            return await grant_role(runtime.db, runtime.authz, tenant_id=tenant_info.id,
                                    tenant_code=tenant_info.code, username=data.username,
                                    role=data.role.value, actor=actor_of(request),
                                    org_code=data.org, body=data.body)
        except GrantError as exc:
            raise InputError([FieldError(exc.field, exc.message)]) from None

    @delete("/role-grants/{username:str}/{role:str}", opt={"action": "role:manage"},
            summary="收回角色", status_code=200)
    async def revoke(self, request: Request[Any, Any, Any], state: State,
                     tenant_info: CurrentTenant, username: FromPath[str],
                     role: FromPath[str]) -> dict[str, str]:
        """Take a role back (audited)."""
        runtime = runtime_of(state)
        try:
            removed = await revoke_role(runtime.db, runtime.authz, tenant_id=tenant_info.id,
                                        tenant_code=tenant_info.code, username=username[:64],
                                        role=role[:32], actor=actor_of(request))
        except GrantError as exc:
            raise InputError([FieldError(exc.field, exc.message, "path")]) from None
        if not removed:
            raise NotFoundException("该账号在本机构没有此角色")
        return {"username": username, "role": role, "status": "revoked"}
