"""The account service: creation, failures counted without lockout, throttle, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from core.audit.tables import AuditEntry
from core.clock import Clock
from core.db import Database
from core.identity.accounts import (
    AccountError,
    LoginRefused,
    authenticate,
    create_account,
    disable_account,
    enable_account,
    get_account,
    list_accounts,
    set_password,
)
from core.identity.passwords import needs_rehash
from core.identity.sessions import SessionPolicy, create_session, resolve_session
from core.identity.throttle import LoginThrottle
from core.identity.tokens import create_token, resolve_token
from tests.identity.helpers import PASSWORD, new_account, new_username

WRONG = "Wrong-pass-2026"
FAILURES = 5
"""Enough failed sign-ins that the former lockout would have locked the account."""


async def _refused(database: Database, username: str, password: str, now: datetime,
                   throttle: LoginThrottle | None = None, ip: str = "10.1.1.1") -> LoginRefused:
    with pytest.raises(LoginRefused) as caught:
        await authenticate(database, username, password, client_ip=ip, now=now,
                           throttle=throttle)
    return caught.value


async def _actions(database: Database, tenant_id: int, account_id: int) -> list[str]:
    rows = await database.tenant(tenant_id).list(
        AuditEntry, {"object_type": "account", "object_id": str(account_id)},
        order_by=("seq",), limit=None)
    return [r["action"] for r in rows]


async def test_create_stores_an_argon2id_hash(database: Database,
                                              tenant_ids: dict[str, int]) -> None:
    account = await new_account(database, "ta.one", name="李四")
    rows = await database.fetch('SELECT "password_hash" FROM "account" WHERE "id" = '
                                + database.dialect.mark(1), [account.id])
    assert rows[0]["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in rows[0]["password_hash"]
    assert account.home_tenant == "ta.one" and account.active and account.failed_logins == 0
    assert account.username in [a.username for a in await list_accounts(database, "ta.one")]
    assert account.username not in [a.username for a in await list_accounts(database, "tb")]
    assert await _actions(database, tenant_ids["ta.one"], account.id) == ["account.create"]


@pytest.mark.parametrize(
    ("username", "name", "tenant", "password", "field", "reason"),
    [
        ("Upper.Case", "甲", "ta", PASSWORD, "username", "小写"),
        ("x", "甲", "ta", PASSWORD, "username", "2-64"),
        ("has space", "甲", "ta", PASSWORD, "username", "小写"),
        ("ok.user", "", "ta", PASSWORD, "name", "姓名"),
        ("ok.user", "名" * 65, "ta", PASSWORD, "name", "姓名"),
        ("ok.user", "甲", "nowhere", PASSWORD, "tenant", "不存在"),
        ("ok.user", "甲", "ta", "short1", "password", "10"),
    ],
)
async def test_create_refuses_bad_fields(database: Database, username: str, name: str,
                                         tenant: str, password: str, field: str,
                                         reason: str) -> None:
    with pytest.raises(AccountError) as caught:
        await create_account(database, username, name, tenant, password, now=Clock().now())
    assert caught.value.field == field and reason in caught.value.message
    assert await get_account(database, username) is None


async def test_usernames_are_unique(database: Database) -> None:
    account = await new_account(database)
    with pytest.raises(AccountError, match="已存在"):
        await create_account(database, account.username, "重名", "tb", PASSWORD,
                             now=Clock().now())


async def test_failures_are_counted_and_audited_but_never_lock(
    database: Database, tenant_ids: dict[str, int]
) -> None:
    """No hard lockout (it let anyone lock anyone out): the throttle slows guessing."""
    account = await new_account(database)
    clock = Clock()
    for attempt in range(1, FAILURES + 3):
        refused = await _refused(database, account.username, WRONG, clock.now())
        assert (refused.status, refused.message) == (401, "用户名或密码错误"), attempt
    stored = await get_account(database, account.username)
    assert stored is not None and stored.failed_logins == FAILURES + 2
    assert not stored.locked_at(clock.now())
    signed = await authenticate(database, account.username, PASSWORD, client_ip="10.1.1.1",
                                now=clock.now())
    assert signed.id == account.id
    stored = await get_account(database, account.username)
    assert stored is not None and stored.failed_logins == 0 and stored.locked_until is None
    actions = await _actions(database, tenant_ids["ta"], account.id)
    assert actions.count("account.login_failed") == FAILURES + 2
    assert "account.locked" not in actions and actions[-1] == "account.login"


async def test_a_success_resets_the_count(database: Database) -> None:
    account = await new_account(database)
    now = Clock().now()
    for _ in range(FAILURES - 1):
        await _refused(database, account.username, WRONG, now)
    await authenticate(database, account.username, PASSWORD, client_ip="10.1.1.2", now=now)
    for _ in range(FAILURES - 1):
        assert (await _refused(database, account.username, WRONG, now)).status == 401


async def test_reset_password_unlocks_and_ends_sessions(database: Database) -> None:
    account = await new_account(database)
    now = Clock().now()
    policy = SessionPolicy()
    session = await create_session(database, account.id, now=now, policy=policy)
    for _ in range(FAILURES):
        await _refused(database, account.username, WRONG, now)
    info, ended = await set_password(database, account.username, "Brand-new-2026", now=now)
    assert ended == 1 and info.failed_logins == 0 and not info.locked_at(now)
    assert (await resolve_session(database, session.token, now=now, policy=policy))[0] is None
    await authenticate(database, account.username, "Brand-new-2026", client_ip="x", now=now)
    assert (await _refused(database, account.username, PASSWORD, now)).status == 401
    with pytest.raises(AccountError, match="不能少于"):
        await set_password(database, account.username, "weak1", now=now)
    with pytest.raises(AccountError, match="不存在"):
        await set_password(database, "no.such.user", "Brand-new-2026", now=now)


async def test_disable_revokes_everything_and_refuses_sign_in_alike(
    database: Database, tenant_ids: dict[str, int]
) -> None:
    account = await new_account(database)
    now = Clock().now()
    policy = SessionPolicy()
    session = await create_session(database, account.id, now=now, policy=policy)
    token = await create_token(database, account_id=account.id, actor=account.username,
                               tenant_id=tenant_ids["ta"], tenant_code="ta", name="程序",
                               days=30, now=now)
    info, sessions, tokens = await disable_account(database, account.username, now=now)
    assert not info.active and (sessions, tokens) == (1, 1)
    assert (await resolve_session(database, session.token, now=now, policy=policy))[1] == (
        "session_revoked")
    assert (await resolve_token(database, token.token, now=now))[1] == "token_revoked"
    refused = await _refused(database, account.username, PASSWORD, now)
    assert (refused.status, refused.message) == (401, "用户名或密码错误")
    await enable_account(database, account.username)
    await authenticate(database, account.username, PASSWORD, client_ip="x", now=now)
    # The old credentials stay dead after enabling.
    assert (await resolve_token(database, token.token, now=now))[0] is None


async def test_outdated_hash_is_upgraded_on_sign_in(database: Database) -> None:
    account = await new_account(database)
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    mark = database.dialect.mark
    async with database.transaction():
        await database.fetch(f'UPDATE "account" SET "password_hash" = {mark(1)} '
                             f'WHERE "id" = {mark(2)} RETURNING "id"', [old, account.id])
    await authenticate(database, account.username, PASSWORD, client_ip="x",
                       now=datetime.now(UTC))
    rows = await database.fetch(f'SELECT "password_hash" FROM "account" WHERE "id" = {mark(1)}',
                                [account.id])
    assert rows[0]["password_hash"] != old and rows[0]["password_hash"].startswith("$argon2id$")
    assert not needs_rehash(rows[0]["password_hash"])  # today's parameters


async def test_unknown_usernames_leave_no_trace_but_count_for_the_address(
    database: Database
) -> None:
    throttle = LoginThrottle(limit=3)
    now = Clock().now()
    for _ in range(3):
        refused = await _refused(database, new_username("ghost"), PASSWORD, now, throttle)
        assert refused.message == "用户名或密码错误"
    account = await new_account(database)
    blocked = await _refused(database, account.username, PASSWORD, now, throttle)
    assert (blocked.status, blocked.message) == (429, "登录尝试过于频繁，请稍后再试")
    other = await authenticate(database, account.username, PASSWORD, client_ip="10.9.9.9",
                               now=now, throttle=throttle)
    assert other.id == account.id


def test_throttle_window_slides() -> None:
    throttle = LoginThrottle()
    clock = Clock()
    for _ in range(19):
        throttle.failed("10.0.0.1", clock.now())
    assert not throttle.blocked("10.0.0.1", clock.now())
    clock.advance(timedelta(minutes=5))
    throttle.failed("10.0.0.1", clock.now())
    assert throttle.blocked("10.0.0.1", clock.now())
    assert not throttle.blocked("10.0.0.2", clock.now())
    clock.advance(timedelta(minutes=5, seconds=1))  # the first 19 left the window
    assert not throttle.blocked("10.0.0.1", clock.now())
    throttle.reset()
    assert not throttle.blocked("10.0.0.1", clock.now())


def test_throttle_memory_is_bounded() -> None:
    throttle = LoginThrottle(limit=2)
    now = Clock().now()
    for n in range(25_000):
        throttle.failed(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", now)
    assert len(throttle._failures) <= 10_000
