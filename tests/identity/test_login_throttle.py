"""Sign-in throttling: no username oracle, and no locking a victim out from afar.

Failures count per (client address, username): an attacker's address is
refused for that username after a few, while the owner, from elsewhere,
still signs in. Many failures for one username from many addresses slow
that username down (one attempt per interval) instead of locking it. A real
and an unknown username get the same answers at every step. The clock is the
app's (moved, never slept).

Each scenario runs with the in-memory throttle (one process, SQLite) and the
shared one kept in the database (several processes on PostgreSQL; here on
the test's backend, whichever it is).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.clock import Clock
from core.db import Database
from core.identity.accounts import LoginRefused, authenticate
from core.identity.shared_throttle import SharedLoginThrottle
from core.identity.throttle import (
    PAIR_LIMIT,
    SLOWDOWN_AFTER,
    SLOWDOWN_INTERVAL,
    LoginThrottle,
)
from tests.identity.helpers import PASSWORD, browser, login, new_account, new_username

Client = AsyncTestClient[Litestar]
WRONG = "Wrong-pass-2026"
Throttle = LoginThrottle | SharedLoginThrottle
_networks = itertools.count(20)


def _net() -> str:
    """An address prefix no other scenario uses (the shared counts outlive a test)."""
    return f"10.{next(_networks)}."


@pytest.fixture(params=["memory", "shared"])
def make_throttle(request: pytest.FixtureRequest, database: Database) -> Callable[[], Throttle]:
    if request.param == "memory":
        return LoginThrottle
    return lambda: SharedLoginThrottle(database)


async def _answer(database: Database, throttle: Throttle, username: str, password: str,
                  ip: str, clock: Clock) -> tuple[int, str]:
    try:
        await authenticate(database, username, password, client_ip=ip, now=clock.now(),
                           throttle=throttle)
    except LoginRefused as refused:
        return refused.status, refused.message
    return 200, ""


async def _sequence(database: Database, throttle: Throttle, username: str,
                    clock: Clock) -> list[tuple[int, str]]:
    """The answers to a guessing run: one address, then many, then the interval passing."""
    one, many, late = _net(), _net(), _net()
    answers = [await _answer(database, throttle, username, WRONG, one + "0.1", clock)
               for _ in range(PAIR_LIMIT + 2)]
    for n in range(SLOWDOWN_AFTER):
        answers.append(await _answer(database, throttle, username, WRONG, f"{many}0.{n}", clock))
    answers.append(await _answer(database, throttle, username, WRONG, late + "0.1", clock))
    clock.advance(SLOWDOWN_INTERVAL)
    answers.append(await _answer(database, throttle, username, WRONG, late + "0.1", clock))
    return answers


async def test_real_and_unknown_usernames_get_the_same_answers(
        database: Database, make_throttle: Callable[[], Throttle]) -> None:
    account = await new_account(database)
    real = await _sequence(database, make_throttle(), account.username, Clock())
    unknown = await _sequence(database, make_throttle(), new_username("ghost"), Clock())
    assert real == unknown
    assert {status for status, _ in real} == {401, 429}  # never 423
    assert real[PAIR_LIMIT] == (429, "登录尝试过于频繁，请稍后再试")


async def test_an_attacker_cannot_lock_the_owner_out(
        database: Database, make_throttle: Callable[[], Throttle]) -> None:
    account = await new_account(database)
    throttle, clock, net = make_throttle(), Clock(), _net()
    for _ in range(PAIR_LIMIT * 3):
        await _answer(database, throttle, account.username, WRONG, net + "0.1", clock)
    # The attacker's address is refused even with the right password...
    assert (await _answer(database, throttle, account.username, PASSWORD, net + "0.1",
                          clock))[0] == 429
    # ...while the owner, from its own address, signs in at once.
    assert (await _answer(database, throttle, account.username, PASSWORD, net + "0.2",
                          clock)) == (200, "")


async def test_guesses_sent_at_the_same_moment_are_held_to_the_limit(
        database: Database, make_throttle: Callable[[], Throttle]) -> None:
    """Sent together, every guess would pass the check before the first failure counted."""
    account = await new_account(database)
    throttle, clock, net = make_throttle(), Clock(), _net()
    answers = await asyncio.gather(*(
        _answer(database, throttle, account.username, WRONG, net + "0.1", clock)
        for _ in range(PAIR_LIMIT * 3)))
    statuses = [status for status, _ in answers]
    assert statuses.count(401) == PAIR_LIMIT
    assert statuses.count(429) == PAIR_LIMIT * 2


async def test_many_addresses_slow_a_username_down_but_do_not_lock_it(
        database: Database, make_throttle: Callable[[], Throttle]) -> None:
    account = await new_account(database)
    throttle, clock, net = make_throttle(), Clock(), _net()
    for n in range(SLOWDOWN_AFTER):
        await _answer(database, throttle, account.username, WRONG, f"{net}1.{n}", clock)
    assert (await _answer(database, throttle, account.username, PASSWORD, net + "2.1",
                          clock))[0] == 429
    clock.advance(SLOWDOWN_INTERVAL)
    # One attempt per interval goes through; the right password signs in.
    assert (await _answer(database, throttle, account.username, PASSWORD, net + "2.1",
                          clock)) == (200, "")
    # And the success ends the slow-down.
    assert (await _answer(database, throttle, account.username, PASSWORD, net + "2.2",
                          clock)) == (200, "")


async def test_two_shared_throttles_count_the_same_failures(database: Database) -> None:
    """Two processes' throttles on one database: failures in either count in both."""
    first, second, clock, net = (SharedLoginThrottle(database), SharedLoginThrottle(database),
                                 Clock(), _net())
    address = net + "0.1"
    for n in range(PAIR_LIMIT):
        await (first if n % 2 else second).failed(address, clock.now(), "someone")
    assert await first.refused(address, "someone", clock.now())
    assert await second.refused(address, "someone", clock.now())
    assert not await second.refused(address, "another", clock.now())
    assert not await first.refused(net + "0.2", "someone", clock.now())
    await first.succeeded(address, "someone")  # a success ends the pair's count everywhere
    assert not await second.refused(address, "someone", clock.now())
    for _ in range(first.limit):
        await second.failed(address, clock.now())
    assert await first.blocked(address, clock.now())
    clock.advance(timedelta(minutes=15, seconds=1))
    assert not await first.refused(address, "someone", clock.now())  # the windows slide
    await second.reset(address)
    assert not await first.blocked(address, clock.now())


def test_the_pair_window_slides() -> None:
    throttle, clock = LoginThrottle(), Clock()
    for _ in range(PAIR_LIMIT):
        throttle.failed("10.0.0.1", clock.now(), "someone")
    assert throttle.refused("10.0.0.1", "someone", clock.now())
    assert not throttle.refused("10.0.0.1", "another", clock.now())
    assert not throttle.refused("10.0.0.2", "someone", clock.now())
    clock.advance(timedelta(minutes=15, seconds=1))
    assert not throttle.refused("10.0.0.1", "someone", clock.now())


def test_throttle_memory_is_bounded_for_usernames_too() -> None:
    throttle = LoginThrottle()
    now = Clock().now()
    for n in range(25_000):
        throttle.failed("10.0.0.1", now, f"spray.{n}")
    assert len(throttle._pairs) <= 10_000 and len(throttle._users) <= 10_000


async def test_through_the_page_no_423_and_the_owner_gets_in(app: Litestar, client: Client,
                                                             database: Database) -> None:
    account = await new_account(database)
    async with browser(app, client) as attacker:
        statuses = [(await login(attacker, account.username, WRONG)).status_code
                    for _ in range(PAIR_LIMIT + 1)]
        assert statuses == [401] * PAIR_LIMIT + [429]
        assert "登录尝试过于频繁，请稍后再试" in (await login(attacker, account.username)).text
    async with browser(app, client) as owner:
        assert (await login(owner, account.username)).status_code == 303
