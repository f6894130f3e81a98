"""Sessions at the service level: stored hashed, touched at most once a minute, settings."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from core.clock import Clock
from core.db import Database
from core.identity.secret import digest
from core.identity.sessions import SessionPolicy, create_session, resolve_session
from core.settings import SettingsError, load_settings
from tests.identity.helpers import new_account


async def _last_seen(database: Database, session_id: int) -> object:
    rows = await database.fetch('SELECT "last_seen_at", "token_hash" FROM "account_session" '
                                f'WHERE "id" = {database.dialect.mark(1)}', [session_id])
    return rows[0]["last_seen_at"]


async def test_stored_hashed_and_touched_at_most_once_a_minute(database: Database) -> None:
    account = await new_account(database)
    clock, policy = Clock(), SessionPolicy()
    session = await create_session(database, account.id, now=clock.now(), policy=policy)
    rows = await database.fetch('SELECT "token_hash", "csrf_token" FROM "account_session" '
                                f'WHERE "id" = {database.dialect.mark(1)}', [session.id])
    assert rows[0]["token_hash"] == digest(session.token) != session.token
    assert rows[0]["csrf_token"] == session.csrf_token
    first = await _last_seen(database, session.id)
    clock.advance(timedelta(seconds=50))
    principal, _ = await resolve_session(database, session.token, now=clock.now(),
                                         policy=policy)
    assert principal is not None and principal.session_id == session.id
    assert principal.csrf_token == session.csrf_token and principal.via == "session"
    assert await _last_seen(database, session.id) == first  # no write within the minute
    clock.advance(timedelta(seconds=20))
    await resolve_session(database, session.token, now=clock.now(), policy=policy)
    assert await _last_seen(database, session.id) != first


async def test_unknown_and_odd_cookie_values(database: Database) -> None:
    policy = SessionPolicy()
    now = Clock().now()
    for value in ("", "x" * 101, "no-such-session", "名字"):
        principal, reason = await resolve_session(database, value, now=now, policy=policy)
        assert principal is None and reason == "session_unknown"


async def test_the_policy_comes_from_settings(tmp_path: Path, database: Database) -> None:
    settings = load_settings({"XUNCHA_HOME": str(tmp_path), "XUNCHA_SESSION_IDLE_MINUTES": "5",
                              "XUNCHA_SESSION_MAX_HOURS": "1"})
    policy = SessionPolicy.from_settings(settings)
    assert policy == SessionPolicy(idle=timedelta(minutes=5), max_age=timedelta(hours=1))
    assert SessionPolicy.from_settings(load_settings({"XUNCHA_HOME": str(tmp_path)})) == (
        SessionPolicy())
    account = await new_account(database)
    clock = Clock()
    session = await create_session(database, account.id, now=clock.now(), policy=policy)
    clock.advance(timedelta(minutes=6))
    assert (await resolve_session(database, session.token, now=clock.now(),
                                  policy=policy))[1] == "session_expired"
    for env, text in (({"XUNCHA_SESSION_IDLE_MINUTES": "0"}, "XUNCHA_SESSION_IDLE_MINUTES"),
                      ({"XUNCHA_SESSION_MAX_HOURS": "abc"}, "整数")):
        with pytest.raises(SettingsError) as caught:
            load_settings({"XUNCHA_HOME": str(tmp_path), **env})
        assert text in str(caught.value) and "\n" not in str(caught.value)
