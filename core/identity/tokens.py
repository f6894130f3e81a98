"""API tokens for programs: ``xct_<prefix>_<secret>``, shown once, stored as SHA-256.

A token acts for the account that made it, in one tenant only
(``scope_tenant``), until it expires (90 days by default, at most 365) or is
revoked. The prefix is stored in clear so a token can be recognised in a
list without revealing it.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

import msgspec

from core.audit import chain
from core.db import Database
from core.identity.principal import Principal
from core.identity.secret import digest, new_secret
from core.identity.sessions import TOUCH_EVERY

__all__ = [
    "DEFAULT_DAYS",
    "MAX_ACTIVE_TOKENS",
    "MAX_DAYS",
    "NewToken",
    "TokenInfo",
    "create_token",
    "list_tokens",
    "resolve_token",
    "revoke_account_tokens",
    "revoke_token",
]

DEFAULT_DAYS = 90
"""Default lifetime of a token."""
MAX_DAYS = 365
"""Longest lifetime of a token."""
MAX_ACTIVE_TOKENS = 20
"""Live tokens one account may hold in one tenant."""
_FORMAT = re.compile(r"^xct_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")


class TokenInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A token as listed (never its secret)."""

    id: int
    name: str
    prefix: str
    scope_tenant: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    active: bool


class NewToken(msgspec.Struct, frozen=True, kw_only=True):
    """A token just made; ``token`` is the only time the secret is shown."""

    id: int
    name: str
    prefix: str
    scope_tenant: str
    expires_at: datetime
    token: str


async def create_token(
    db: Database, *, account_id: int, actor: str, tenant_id: int, tenant_code: str, name: str,
    days: int, now: datetime,
) -> NewToken:
    """Make a token for ``account_id`` scoped to ``tenant_id``, audited in that tenant.

    Raises:
        ValueError: ``days`` outside 1..365, or the account already holds
            ``MAX_ACTIVE_TOKENS`` live tokens in the tenant (Chinese message).
    """
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"有效期应为 1 到 {MAX_DAYS} 天")
    mark = db.dialect.mark
    prefix = secrets.token_hex(4)
    token = f"xct_{prefix}_{new_secret(32)}"
    expires = now + timedelta(days=days)
    async with db.transaction():
        live = await db.fetch(
            f'SELECT COUNT(*) AS "n" FROM "api_token" WHERE "account" = {mark(1)} AND '
            f'"scope_tenant" = {mark(2)} AND "revoked_at" IS NULL AND "expires_at" > {mark(3)}',
            [account_id, tenant_id, now])
        if int(live[0]["n"]) >= MAX_ACTIVE_TOKENS:
            raise ValueError(f"每个账号在本机构最多持有 {MAX_ACTIVE_TOKENS} 个有效令牌，"
                             "请先吊销不用的令牌")
        rows = await db.fetch(
            'INSERT INTO "api_token" ("token_hash", "prefix", "name", "account", '
            '"scope_tenant", "created_at", "expires_at", "revoked_at", "last_used_at") '
            f"VALUES ({mark(1)}, {mark(2)}, {mark(3)}, {mark(4)}, {mark(5)}, {mark(6)}, "
            f'{mark(7)}, NULL, NULL) RETURNING "id"',
            [digest(token), prefix, name, account_id, tenant_id, now, expires])
        token_id = int(rows[0]["id"])
        await chain.append(db.tenant(tenant_id), actor=actor, action="token.create",
                           object_type="api_token", object_id=token_id,
                           detail={"name": name, "prefix": prefix, "days": days})
    return NewToken(id=token_id, name=name, prefix=prefix, scope_tenant=tenant_code,
                    expires_at=expires, token=token)


_COLUMNS = ('k."id", k."name", k."prefix", t."code" AS "scope_tenant", k."created_at", '
            'k."expires_at", k."revoked_at", k."last_used_at"')


async def list_tokens(db: Database, *, account_id: int, tenant_id: int, now: datetime,
                      limit: int = 50, offset: int = 0) -> tuple[list[TokenInfo], int]:
    """One page of an account's tokens in one tenant (newest first) and their total."""
    mark = db.dialect.mark
    where = f'k."account" = {mark(1)} AND k."scope_tenant" = {mark(2)}'
    rows = await db.fetch(
        f'SELECT {_COLUMNS} FROM "api_token" k JOIN "tenant" t ON t."id" = k."scope_tenant" '
        f'WHERE {where} ORDER BY k."id" DESC LIMIT {mark(3)} OFFSET {mark(4)}',
        [account_id, tenant_id, limit, offset])
    total = await db.fetch(f'SELECT COUNT(*) AS "n" FROM "api_token" k WHERE {where}',
                           [account_id, tenant_id])
    items = [TokenInfo(**row, active=row["revoked_at"] is None and row["expires_at"] > now)
             for row in rows]
    return items, int(total[0]["n"])


async def revoke_token(db: Database, *, account_id: int, actor: str, tenant_id: int,
                       token_id: int, now: datetime) -> bool | None:
    """Revoke one of the account's tokens in the tenant.

    Returns:
        True when revoked now, False when it was already revoked, None when
        no such token of this account exists in this tenant.
    """
    mark = db.dialect.mark
    async with db.transaction():
        rows = await db.fetch(
            f'SELECT "id", "revoked_at", "prefix" FROM "api_token" WHERE "id" = {mark(1)} AND '
            f'"account" = {mark(2)} AND "scope_tenant" = {mark(3)}',
            [token_id, account_id, tenant_id])
        if not rows:
            return None
        if rows[0]["revoked_at"] is not None:
            return False
        await db.fetch(f'UPDATE "api_token" SET "revoked_at" = {mark(1)} WHERE "id" = {mark(2)} '
                       'RETURNING "id"', [now, token_id])
        await chain.append(db.tenant(tenant_id), actor=actor, action="token.revoke",
                           object_type="api_token", object_id=token_id,
                           detail={"prefix": rows[0]["prefix"]})
    return True


async def revoke_account_tokens(db: Database, account_id: int, now: datetime) -> int:
    """Revoke every live token of an account; returns how many."""
    mark = db.dialect.mark
    async with db.transaction():
        rows = await db.fetch(
            f'UPDATE "api_token" SET "revoked_at" = {mark(1)} WHERE "account" = {mark(2)} '
            f'AND "revoked_at" IS NULL AND "expires_at" > {mark(1)} RETURNING "id"',
            [now, account_id])
    return len(rows)


_RESOLVE = (
    'SELECT k."id", k."expires_at", k."revoked_at", k."last_used_at", '
    's."code" AS "scope_tenant", a."id" AS "account_id", a."username", a."name", a."active", '
    'h."code" AS "home_tenant" FROM "api_token" k JOIN "account" a ON a."id" = k."account" '
    'JOIN "tenant" s ON s."id" = k."scope_tenant" JOIN "tenant" h ON h."id" = a."home_tenant" '
    'WHERE k."token_hash" = {mark}'
)


async def resolve_token(db: Database, token: str, *, now: datetime,
                        until: list[datetime] | None = None
                        ) -> tuple[Principal | None, str | None]:
    """The principal of a bearer token, or None and the reason it was refused.

    Reasons: ``token_invalid`` (malformed or unknown), ``token_revoked``,
    ``token_expired``, ``account_disabled``. A principal found appends to ``until``
    the instant up to which the same answer holds unless the shared data change (no
    touch due, not expired; see :mod:`core.identity.credentials`).
    """
    if not _FORMAT.match(token):
        return None, "token_invalid"
    rows = await db.fetch(_RESOLVE.format(mark=db.dialect.mark(1)), [digest(token)])
    if not rows:
        return None, "token_invalid"
    row: dict[str, Any] = rows[0]
    if row["revoked_at"] is not None:
        return None, "token_revoked"
    if now >= row["expires_at"]:
        return None, "token_expired"
    if not row["active"]:
        return None, "account_disabled"
    last = row["last_used_at"]
    if last is None or now - last >= TOUCH_EVERY:
        last = now
        async with db.transaction():
            await db.fetch(f'UPDATE "api_token" SET "last_used_at" = {db.dialect.mark(1)} '
                           f'WHERE "id" = {db.dialect.mark(2)} RETURNING "id"', [now, row["id"]],
                           quiet=True)
    if until is not None:
        until.append(min(row["expires_at"], last + TOUCH_EVERY))
    return Principal(
        account_id=int(row["account_id"]), username=row["username"], name=row["name"],
        home_tenant=row["home_tenant"], via="token", token_tenant=row["scope_tenant"],
    ), None
