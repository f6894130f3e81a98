"""Web sign-in sessions: a random cookie value, stored only as its SHA-256.

A session ends after ``idle`` without a request or ``max_age`` after it
began, whichever comes first, or when revoked (sign-out, password reset,
account disabled). ``last_seen_at`` is written at most once a minute, so a
request normally costs one indexed read and no write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.db import Database
from core.identity.principal import Principal
from core.identity.secret import digest, new_secret
from core.settings import Settings

__all__ = [
    "COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "DEFAULT_PORT",
    "TOUCH_EVERY",
    "NewSession",
    "SessionPolicy",
    "cookie_name",
    "create_session",
    "resolve_session",
    "revoke_account_sessions",
    "revoke_session",
]

COOKIE = "xuncha_session"
"""Name of the session cookie of a deployment on the default port (see :func:`cookie_name`)."""
DEFAULT_PORT = 8000
"""The port whose deployment keeps the bare cookie names."""
CSRF_HEADER = "x-csrf-token"
"""Header carrying the session's CSRF token on unsafe requests (htmx sends it)."""
CSRF_FIELD = "_csrf"
"""Form field carrying the CSRF token in plain (URL-encoded) form posts."""
TOUCH_EVERY = timedelta(minutes=1)
"""``last_seen_at`` is refreshed at most this often."""
_PRUNE_AFTER = timedelta(days=30)


def cookie_name(base: str, port: int) -> str:
    """The name of cookie ``base`` for the deployment serving on ``port``.

    Browsers keep cookies per host, not per port, so deployments side by side
    on one host (``xuncha demo cluster``: 127.0.0.1:8000, 8001, 8002) would
    share one sign-in cookie and sign each other out. Each port gets its own
    name; the default port keeps the bare one.
    """
    return base if port == DEFAULT_PORT else f"{base}_{port}"


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long sessions last."""

    idle: timedelta = timedelta(minutes=30)
    max_age: timedelta = timedelta(hours=12)

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        """The policy of ``XUNCHA_SESSION_IDLE_MINUTES`` / ``XUNCHA_SESSION_MAX_HOURS``."""
        return cls(idle=timedelta(minutes=settings.session_idle_minutes),
                   max_age=timedelta(hours=settings.session_max_hours))


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just created: the cookie value is known only now."""

    id: int
    token: str
    csrf_token: str
    expires_at: datetime


async def create_session(db: Database, account_id: int, *, now: datetime,
                         policy: SessionPolicy, client: str = "") -> NewSession:
    """Start a session for ``account_id`` (and forget its long-dead ones)."""
    token, csrf = new_secret(32), new_secret(32)
    mark = db.dialect.mark
    expires = now + policy.max_age
    async with db.transaction():
        await db.fetch(
            f'DELETE FROM "account_session" WHERE "account" = {mark(1)} AND '
            f'"expires_at" < {mark(2)} RETURNING "id"', [account_id, now - _PRUNE_AFTER])
        rows = await db.fetch(
            'INSERT INTO "account_session" ("token_hash", "account", "csrf_token", '
            '"created_at", "last_seen_at", "expires_at", "revoked_at", "client") '
            f"VALUES ({mark(1)}, {mark(2)}, {mark(3)}, {mark(4)}, {mark(4)}, {mark(5)}, NULL, "
            f'{mark(6)}) RETURNING "id"',
            [digest(token), account_id, csrf, now, expires, client[:200]])
    return NewSession(id=int(rows[0]["id"]), token=token, csrf_token=csrf, expires_at=expires)


_RESOLVE = (
    'SELECT s."id", s."csrf_token", s."last_seen_at", s."expires_at", s."revoked_at", '
    'a."id" AS "account_id", a."username", a."name", a."active", t."code" AS "home_tenant" '
    'FROM "account_session" s JOIN "account" a ON a."id" = s."account" '
    'JOIN "tenant" t ON t."id" = a."home_tenant" WHERE s."token_hash" = {mark}'
)


async def resolve_session(db: Database, token: str, *, now: datetime,
                          policy: SessionPolicy, until: list[datetime] | None = None
                          ) -> tuple[Principal | None, str | None]:
    """The principal of a session cookie value, or None and the reason it was refused.

    Reasons: ``session_unknown``, ``session_revoked``, ``session_expired``,
    ``account_disabled``. A principal found appends to ``until`` the instant up to
    which the same answer holds unless the shared data change (no touch due, not
    expired; see :mod:`core.identity.credentials`).
    """
    if not token or len(token) > 100:
        return None, "session_unknown"
    rows = await db.fetch(_RESOLVE.format(mark=db.dialect.mark(1)), [digest(token)])
    if not rows:
        return None, "session_unknown"
    row: dict[str, Any] = rows[0]
    if row["revoked_at"] is not None:
        return None, "session_revoked"
    if now >= row["expires_at"] or now - row["last_seen_at"] >= policy.idle:
        return None, "session_expired"
    if not row["active"]:
        return None, "account_disabled"
    seen = row["last_seen_at"]
    if now - seen >= TOUCH_EVERY:
        seen = now
        async with db.transaction():
            await db.fetch(f'UPDATE "account_session" SET "last_seen_at" = {db.dialect.mark(1)} '
                           f'WHERE "id" = {db.dialect.mark(2)} RETURNING "id"',
                           [now, row["id"]], quiet=True)
    if until is not None:
        until.append(min(row["expires_at"], seen + min(TOUCH_EVERY, policy.idle)))
    return Principal(
        account_id=int(row["account_id"]), username=row["username"], name=row["name"],
        home_tenant=row["home_tenant"], via="session", session_id=int(row["id"]),
        csrf_token=row["csrf_token"],
    ), None


async def revoke_session(db: Database, session_id: int, now: datetime) -> bool:
    """End one session; False when it was already ended or does not exist."""
    mark = db.dialect.mark
    async with db.transaction():
        rows = await db.fetch(
            f'UPDATE "account_session" SET "revoked_at" = {mark(1)} WHERE "id" = {mark(2)} '
            'AND "revoked_at" IS NULL RETURNING "id"', [now, session_id])
    return bool(rows)


async def revoke_account_sessions(db: Database, account_id: int, now: datetime) -> int:
    """End every live session of an account; returns how many were ended."""
    mark = db.dialect.mark
    async with db.transaction():
        rows = await db.fetch(
            f'UPDATE "account_session" SET "revoked_at" = {mark(1)} WHERE "account" = {mark(2)} '
            f'AND "revoked_at" IS NULL AND "expires_at" > {mark(1)} RETURNING "id"',
            [now, account_id])
    return len(rows)
