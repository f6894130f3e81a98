"""Accounts API: the office admin lists, creates, disables and enables the tenant's accounts
and sets their passwords (the rules and the audit are in :mod:`core.identity.office`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from core.authz.policy import Authorizer
from core.authz.roles import ROLE_LABELS
from core.identity.accounts import AccountInfo
from core.identity.office import (
    NewAccountIn,
    PasswordIn,
    office_accounts,
    office_create_account,
    office_set_active,
    office_set_password,
)
from core.runtime import runtime_of
from core.web.actor import actor_of
from core.web.deps import CurrentTenant

__all__ = ["AccountController", "AccountOut", "RoleHeld", "account_out"]


class RoleHeld(msgspec.Struct, frozen=True, kw_only=True):
    """A role an account holds in the tenant, with its Chinese label."""

    code: str
    label: str


class AccountOut(msgspec.Struct, frozen=True, kw_only=True):
    """An account of the tenant as the office admin sees it (never its password)."""

    username: str
    name: str
    active: bool
    roles: list[RoleHeld]
    created_at: datetime
    password_changed_at: datetime


def account_out(authz: Authorizer, tenant_code: str, account: AccountInfo) -> AccountOut:
    """``account`` with the roles it holds in the tenant."""
    labels = {r.value: label for r, label in ROLE_LABELS.items()}
    order = list(labels)
    roles = [RoleHeld(code=code, label=labels.get(code, code))
             for code in sorted(authz.roles_of(account.username, tenant_code),
                                key=lambda c: order.index(c) if c in order else len(order))]
    return AccountOut(username=account.username, name=account.name, active=account.active,
                      roles=roles, created_at=account.created_at,
                      password_changed_at=account.password_changed_at)


Username = FromPath[str]


class AccountController(Controller):
    """``/t/{tenant}/api/accounts``: the accounts whose home is this tenant."""

    path = "/t/{tenant:str}/api/accounts"
    tags = ["账号管理"]

    @get("/", opt={"action": "account:read"}, summary="本机构账号列表")
    async def list_accounts(self, state: State, tenant_info: CurrentTenant) -> list[AccountOut]:
        """The tenant's accounts with their roles here, by username."""
        runtime = runtime_of(state)
        return [account_out(runtime.authz, tenant_info.code, a)
                for a in await office_accounts(runtime.db, tenant_info.code)]

    @post("/", opt={"action": "account:manage"}, summary="创建账号")
    async def create(self, request: Request[Any, Any, Any], state: State,
                     tenant_info: CurrentTenant, data: JSONBody[NewAccountIn]) -> AccountOut:
        """Create an account of this tenant with an initial password (audited)."""
        runtime = runtime_of(state)
        made = await office_create_account(runtime.db, tenant_info.code, data,
                                           actor=actor_of(request), now=runtime.clock.now())
        return account_out(runtime.authz, tenant_info.code, made)

    @post("/{account:str}/disable", opt={"action": "account:manage"}, summary="停用账号",
          status_code=200)
    async def disable(self, request: Request[Any, Any, Any], state: State,
                      tenant_info: CurrentTenant, account: Username) -> AccountOut:
        """Disable an account: its sessions end and its API tokens are revoked (audited)."""
        return await self._set_active(request, state, tenant_info.code, account, False)

    @post("/{account:str}/enable", opt={"action": "account:manage"}, summary="启用账号",
          status_code=200)
    async def enable(self, request: Request[Any, Any, Any], state: State,
                     tenant_info: CurrentTenant, account: Username) -> AccountOut:
        """Enable a disabled account again (audited)."""
        return await self._set_active(request, state, tenant_info.code, account, True)

    @post("/{account:str}/password", opt={"action": "account:manage"},
          summary="重置密码", status_code=200)
    async def password(self, request: Request[Any, Any, Any], state: State,
                       tenant_info: CurrentTenant, account: Username,
                       data: JSONBody[PasswordIn]) -> AccountOut:
        """Set a temporary password; the account's web sessions end (audited)."""
        runtime = runtime_of(state)
        changed = await office_set_password(runtime.db, tenant_info.code, account, data,
                                            actor=actor_of(request), now=runtime.clock.now())
        return account_out(runtime.authz, tenant_info.code, changed)

    async def _set_active(self, request: Request[Any, Any, Any], state: State, tenant: str,
                          username: str, active: bool) -> AccountOut:
        runtime = runtime_of(state)
        changed = await office_set_active(runtime.db, tenant, username, active,
                                          actor=actor_of(request), now=runtime.clock.now())
        return account_out(runtime.authz, tenant, changed)

