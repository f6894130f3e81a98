"""Accounts: creation, passwords, disabling, and signing in (throttled, no lockout).

Accounts are shared across tenants (no ``tenant_id``), so statements here
are written by hand on ``Database.fetch``; each change to an account is
appended to the audit chain of its home tenant in the same transaction.
Every time comparison takes ``now`` from the caller (the app's clock).
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from datetime import datetime
from typing import Any

import msgspec

from core.audit import chain
from core.db import Database
from core.identity.passwords import (
    MAX_PASSWORD_LENGTH,
    hash_password_async,
    needs_rehash,
    password_problem,
    verify_password_async,
)
from core.identity.sessions import revoke_account_sessions
from core.identity.shared_throttle import SharedLoginThrottle
from core.identity.throttle import LoginThrottle
from core.identity.tokens import revoke_account_tokens

__all__ = [
    "AccountError",
    "AccountInfo",
    "LoginRefused",
    "authenticate",
    "create_account",
    "disable_account",
    "enable_account",
    "get_account",
    "list_accounts",
    "set_password",
    "username_problem",
]

log = logging.getLogger(__name__)

BAD_CREDENTIALS = "用户名或密码错误"
TOO_MANY = "登录尝试过于频繁，请稍后再试"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")

_SELECT = (
    'SELECT a."id", a."username", a."name", a."home_tenant" AS "home_tenant_id", '
    't."code" AS "home_tenant", a."active", a."failed_logins", a."locked_until", '
    'a."created_at", a."password_changed_at", a."password_hash" '
    'FROM "account" a JOIN "tenant" t ON t."id" = a."home_tenant"'
)


class AccountError(ValueError):
    """A refused account change; the message is Chinese, for users and operators."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class LoginRefused(Exception):
    """A refused sign-in: the HTTP status and the Chinese message to show."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class AccountInfo(msgspec.Struct, frozen=True, kw_only=True):
    """An account as shown to operators (never its password hash)."""

    id: int
    username: str
    name: str
    home_tenant_id: int
    home_tenant: str
    active: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    password_changed_at: datetime

    def locked_at(self, now: datetime) -> bool:
        """Whether the account is locked at ``now``."""
        return self.locked_until is not None and self.locked_until > now


def _info(row: dict[str, Any]) -> AccountInfo:
    fields = {k: row[k] for k in AccountInfo.__struct_fields__}
    fields["active"] = bool(fields["active"])
    return AccountInfo(**fields)


def username_problem(username: str) -> str | None:
    """Why ``username`` is not acceptable (Chinese), or None."""
    if not _USERNAME.match(username):
        return "用户名应为 2-64 位小写字母、数字或 . _ @ -，以字母或数字开头"
    return None


async def _row(db: Database, username: str) -> dict[str, Any] | None:
    if not _USERNAME.match(username):
        return None  # cannot exist: spare the query
    rows = await db.fetch(f'{_SELECT} WHERE a."username" = {db.dialect.mark(1)}', [username])
    return rows[0] if rows else None


async def get_account(db: Database, username: str) -> AccountInfo | None:
    """The account named ``username``, or None."""
    row = await _row(db, username)
    return _info(row) if row else None


async def list_accounts(db: Database, tenant_code: str | None = None) -> list[AccountInfo]:
    """Every account (of one home tenant when ``tenant_code`` is given), by username."""
    if tenant_code is None:
        rows = await db.fetch(f'{_SELECT} ORDER BY a."username"')
    else:
        rows = await db.fetch(f'{_SELECT} WHERE t."code" = {db.dialect.mark(1)} '
                              'ORDER BY a."username"', [tenant_code])
    return [_info(r) for r in rows]


async def _audit(db: Database, account: AccountInfo | dict[str, Any], actor: str, action: str,
                 detail: dict[str, Any] | None = None) -> None:
    tenant_id = (account.home_tenant_id if isinstance(account, AccountInfo)
                 else account["home_tenant_id"])
    account_id = account.id if isinstance(account, AccountInfo) else account["id"]
    await chain.append(db.tenant(tenant_id), actor=actor, action=action,
                       object_type="account", object_id=account_id, detail=detail)


async def create_account(
    db: Database, username: str, name: str, home_tenant_code: str, password: str, *,
    now: datetime, actor: str = "system", password_hash: str | None = None,
) -> AccountInfo:
    """Create an account after checking the username, name, tenant and password.

    ``password_hash``, when given, is the argon2 hash of ``password`` made once by a
    caller creating many accounts with one password (the demo): hashing is slow on
    purpose, so it is not repeated for each.

    Raises:
        AccountError: a field is invalid, the username is taken or the tenant unknown.
    """
    username, name = username.strip(), name.strip()
    problem = username_problem(username)
    if problem:
        raise AccountError(problem, "username")
    if not 1 <= len(name) <= 64:
        raise AccountError("姓名应为 1-64 个字符", "name")
    problem = password_problem(password, username)
    if problem:
        raise AccountError(problem, "password")
    mark = db.dialect.mark
    tenants = await db.fetch(f'SELECT "id" FROM "tenant" WHERE "code" = {mark(1)}',
                             [home_tenant_code])
    if not tenants:
        raise AccountError(f"机构 {home_tenant_code[:64]} 不存在", "tenant")
    if await _row(db, username) is not None:
        raise AccountError(f"用户名 {username} 已存在", "username")
    if password_hash is None:
        password_hash = await hash_password_async(password)
    async with db.transaction():
        await db.fetch(
            'INSERT INTO "account" ("username", "name", "home_tenant", "password_hash", '
            '"active", "failed_logins", "locked_until", "password_changed_at", "created_at") '
            f"VALUES ({mark(1)}, {mark(2)}, {mark(3)}, {mark(4)}, {mark(5)}, 0, NULL, "
            f'{mark(6)}, {mark(6)}) RETURNING "id"',
            [username, name, tenants[0]["id"], password_hash, True, now],
        )
        account = await _row(db, username)
        assert account is not None
        await _audit(db, account, actor, "account.create",
                     {"username": username, "name": name})
    return _info(account)


async def _require(db: Database, username: str) -> dict[str, Any]:
    row = await _row(db, username)
    if row is None:
        raise AccountError(f"用户 {username[:64]} 不存在", "username")
    return row


async def set_password(db: Database, username: str, password: str, *, now: datetime,
                       actor: str = "system") -> tuple[AccountInfo, int]:
    """Set a new password; also unlocks the account and ends its web sessions.

    Returns:
        The account and how many of its sessions were ended.

    Raises:
        AccountError: unknown user or a weak password.
    """
    row = await _require(db, username)
    problem = password_problem(password, username)
    if problem:
        raise AccountError(problem, "password")
    password_hash = await hash_password_async(password)
    mark = db.dialect.mark
    async with db.transaction():
        await db.fetch(
            f'UPDATE "account" SET "password_hash" = {mark(1)}, "password_changed_at" = '
            f'{mark(2)}, "failed_logins" = 0, "locked_until" = NULL WHERE "id" = {mark(3)} '
            'RETURNING "id"', [password_hash, now, row["id"]])
        ended = await revoke_account_sessions(db, row["id"], now)
        await _audit(db, row, actor, "account.password_set", {"sessions_ended": ended})
    return _info(await _require(db, username)), ended


async def disable_account(db: Database, username: str, *, now: datetime,
                          actor: str = "system") -> tuple[AccountInfo, int, int]:
    """Disable an account and revoke its sessions and API tokens.

    Returns:
        The account, how many sessions were ended and how many tokens revoked.

    Raises:
        AccountError: unknown user.
    """
    row = await _require(db, username)
    async with db.transaction():
        await db.fetch(f'UPDATE "account" SET "active" = {db.dialect.mark(1)} '
                       f'WHERE "id" = {db.dialect.mark(2)} RETURNING "id"', [False, row["id"]])
        sessions = await revoke_account_sessions(db, row["id"], now)
        tokens = await revoke_account_tokens(db, row["id"], now)
        await _audit(db, row, actor, "account.disable",
                     {"sessions_ended": sessions, "tokens_revoked": tokens})
    return _info(await _require(db, username)), sessions, tokens


async def enable_account(db: Database, username: str, *, actor: str = "system") -> AccountInfo:
    """Enable a disabled account again (its old sessions and tokens stay revoked).

    Raises:
        AccountError: unknown user.
    """
    row = await _require(db, username)
    async with db.transaction():
        await db.fetch(f'UPDATE "account" SET "active" = {db.dialect.mark(1)} '
                       f'WHERE "id" = {db.dialect.mark(2)} RETURNING "id"', [True, row["id"]])
        await _audit(db, row, actor, "account.enable")
    return _info(await _require(db, username))


async def authenticate(
    db: Database, username: str, password: str, *, client_ip: str, now: datetime,
    throttle: LoginThrottle | SharedLoginThrottle | None = None,
) -> AccountInfo:
    """Check a username and password; returns the account when they match.

    The answer never tells whether a username exists: wrong credentials,
    unknown or disabled accounts all say "用户名或密码错误", and ``throttle``
    (see :mod:`core.identity.throttle`; on a shared database
    :mod:`core.identity.shared_throttle`) refuses real and unknown usernames
    alike. There is no hard lockout: it let anyone lock anyone out. Failures
    are still counted on the account (``failed_logins``) and audited; a
    success resets the count and upgrades an outdated hash.

    Attempts of one process take their turn (the check, the hash and the count as
    one step): attempts sent at the same moment would otherwise all pass the check
    before the first failure was counted, and test as many passwords as were sent.

    Raises:
        LoginRefused: 401 wrong credentials (or disabled), 429 throttled.
    """
    loop = asyncio.get_running_loop()
    turn = _turns.get(loop)
    if turn is None:
        turn = _turns[loop] = asyncio.Lock()
    async with turn:
        return await _authenticate(db, username, password, client_ip=client_ip, now=now,
                                   throttle=throttle)


_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary())


async def _authenticate(
    db: Database, username: str, password: str, *, client_ip: str, now: datetime,
    throttle: LoginThrottle | SharedLoginThrottle | None,
) -> AccountInfo:
    username = username.strip().lower()
    if throttle is not None and await _refused(throttle, client_ip, username[:64], now):
        raise LoginRefused(429, TOO_MANY)
    row = await _row(db, username)
    if len(password) > MAX_PASSWORD_LENGTH * 8:
        matched = False  # no account has such a password; do not hash megabytes
    else:
        matched = await verify_password_async(row["password_hash"] if row else None, password)
    if row is None or not matched or not row["active"]:
        if isinstance(throttle, SharedLoginThrottle):
            await throttle.failed(client_ip, now, username[:64])
        elif throttle is not None:
            throttle.failed(client_ip, now, username[:64])
        if row is None:
            log.info("sign-in failed for unknown user from %s", client_ip)
            raise LoginRefused(401, BAD_CREDENTIALS)
        await _failed(db, row, client_ip, now, disabled=matched)
        raise LoginRefused(401, BAD_CREDENTIALS)
    await _succeeded(db, row, password, client_ip)
    if isinstance(throttle, SharedLoginThrottle):
        await throttle.succeeded(client_ip, username)
    elif throttle is not None:
        throttle.succeeded(client_ip, username)
    return msgspec.structs.replace(_info(row), failed_logins=0, locked_until=None)


async def _refused(throttle: LoginThrottle | SharedLoginThrottle, client_ip: str,
                   username: str, now: datetime) -> bool:
    if isinstance(throttle, SharedLoginThrottle):
        return await throttle.refused(client_ip, username, now)
    return throttle.refused(client_ip, username, now)


async def _failed(db: Database, row: dict[str, Any], client_ip: str, now: datetime, *,
                  disabled: bool) -> None:
    """Count a failure on the account and audit it (no lock: the throttle slows guessing)."""
    mark = db.dialect.mark
    username = row["username"]
    async with db.transaction():
        if disabled:  # right password, disabled account: nothing to count
            await _audit(db, row, username, "account.login_failed",
                         {"ip": client_ip, "reason": "disabled"})
            return
        updated = await db.fetch(
            'UPDATE "account" SET "failed_logins" = "failed_logins" + 1 '
            f'WHERE "id" = {mark(1)} RETURNING "failed_logins"', [row["id"]])
        failures = int(updated[0]["failed_logins"])
        await _audit(db, row, username, "account.login_failed",
                     {"ip": client_ip, "reason": "password", "failures": failures})


async def _succeeded(db: Database, row: dict[str, Any], password: str, client_ip: str) -> None:
    mark = db.dialect.mark
    rehash = needs_rehash(row["password_hash"])
    new_hash = await hash_password_async(password) if rehash else row["password_hash"]
    async with db.transaction():
        await db.fetch(
            f'UPDATE "account" SET "failed_logins" = 0, "locked_until" = NULL, '
            f'"password_hash" = {mark(1)} WHERE "id" = {mark(2)} RETURNING "id"',
            [new_hash, row["id"]])
        await _audit(db, row, row["username"], "account.login",
                     {"ip": client_ip, "rehashed": rehash})
