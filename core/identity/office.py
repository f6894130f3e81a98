"""The office admin's accounts: those whose home is the tenant, managed from its pages and API.

The account functions of :mod:`core.identity.accounts` act on any account
by username (the CLI is the operator's tool). Here an office admin acts in
one tenant only: an account of another tenant answers as unknown (the
answer must not tell who exists elsewhere), an admin cannot disable their
own account, and every refusal is a :mod:`core.errors` refusal naming its
field, so the API and the pages show the same Chinese reasons. Each change
is audited in the tenant's chain by the account functions.

There is no "must change at next sign-in" flag: the admin sets a temporary
password, which ends the account's web sessions, and tells the person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from core.db import Database
from core.errors import Conflict, FieldError, Invalid, NotFound
from core.identity.accounts import (
    AccountError,
    AccountInfo,
    create_account,
    disable_account,
    enable_account,
    get_account,
    list_accounts,
    set_password,
)
from core.identity.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

__all__ = [
    "PASSWORD_RULE",
    "NewAccountIn",
    "PasswordIn",
    "office_account",
    "office_accounts",
    "office_create_account",
    "office_set_active",
    "office_set_password",
]

PASSWORD_RULE = (f"{MIN_PASSWORD_LENGTH}-{MAX_PASSWORD_LENGTH} 个字符，须同时包含字母和数字，"
                 "不能包含用户名，首尾不能有空格")
"""The password policy of :func:`core.identity.passwords.password_problem`, for forms."""

Password = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_PASSWORD_LENGTH * 2)]


class NewAccountIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An account to create in the tenant, with its initial password."""

    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64,
                                          description="登录用户名（小写字母、数字或 . _ @ -）")]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64, description="姓名")]
    password: Annotated[Password, msgspec.Meta(description="初始密码")]


class PasswordIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new (temporary) password set by the office admin."""

    password: Annotated[Password, msgspec.Meta(description="新密码")]


def _refusal(exc: AccountError) -> Invalid:
    field = exc.field if exc.field in {"username", "name", "password"} else ""
    kind = Conflict if "已存在" in exc.message else Invalid
    return kind(exc.message, [FieldError(field, exc.message)] if field else [])


async def office_accounts(db: Database, tenant_code: str) -> list[AccountInfo]:
    """The accounts whose home is the tenant, by username."""
    return await list_accounts(db, tenant_code)


async def office_account(db: Database, tenant_code: str, username: str) -> AccountInfo:
    """The tenant's account ``username``.

    Raises:
        NotFound: no such account in this tenant (also when it is another tenant's).
    """
    account = await get_account(db, username.strip()[:64])
    if account is None or account.home_tenant != tenant_code:
        raise NotFound(f"本机构没有用户名为 {username[:64]} 的账号")
    return account


async def office_create_account(db: Database, tenant_code: str, data: NewAccountIn, *,
                                actor: str, now: datetime) -> AccountInfo:
    """Create an account of the tenant (argon2id hash, the password policy), audited.

    Raises:
        Invalid: a field breaks its rule (username, name or password).
        Conflict: the username is taken (in any tenant: usernames are unique).
    """
    try:
        return await create_account(db, data.username.strip().lower(), data.name,
                                    tenant_code, data.password, now=now, actor=actor)
    except AccountError as exc:
        raise _refusal(exc) from None


async def office_set_active(db: Database, tenant_code: str, username: str, active: bool, *,
                            actor: str, now: datetime) -> AccountInfo:
    """Disable (ending its sessions and revoking its API tokens) or enable an account.

    Raises:
        NotFound: no such account in this tenant.
        Invalid: the admin would disable their own account.
    """
    account = await office_account(db, tenant_code, username)
    if active == account.active:
        return account  # nothing to change, nothing to audit
    if active:
        return await enable_account(db, account.username, actor=actor)
    if account.username == actor:
        raise Invalid("不能停用自己的账号")
    disabled, _, _ = await disable_account(db, account.username, now=now, actor=actor)
    return disabled


async def office_set_password(db: Database, tenant_code: str, username: str, data: PasswordIn,
                              *, actor: str, now: datetime) -> AccountInfo:
    """Set a new password for an account of the tenant; its web sessions end, audited.

    Raises:
        NotFound: no such account in this tenant.
        Invalid: the password breaks the policy.
    """
    account = await office_account(db, tenant_code, username)
    try:
        changed, _ = await set_password(db, account.username, data.password, now=now,
                                        actor=actor)
    except AccountError as exc:
        raise _refusal(exc) from None
    return changed
