"""Leases (one holder among the processes of a deployment) and claimed periods.

Two ``Leases`` objects stand for two processes: each has a connection of its
own, as each process would. On SQLite every lease is held (one process).
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime

import pytest

from core.db import Database
from core.db.leases import Leases, lease_key
from core.db.schedule import claim_period, period_of


async def test_one_process_holds_a_lease_until_it_lets_go(database: Database) -> None:
    name = f"test:{secrets.token_hex(4)}"
    first, second = Leases(database), Leases(database)
    try:
        assert await first.hold(name)
        assert await first.hold(name)  # held: asked again, still held
        if not database.postgres:
            assert await second.hold(name)  # one process by nature: always held
            return
        assert not await second.hold(name)
        assert await second.hold(name + ":other")  # leases are independent
        await first.release(name)
        assert await second.hold(name)
        assert not await first.hold(name)
    finally:
        await first.close()
        await second.close()


async def test_a_lost_connection_frees_the_lease_for_another(database: Database) -> None:
    if not database.postgres:
        pytest.skip("SQLite: one process, no connection of its own to lose")
    name = f"test:{secrets.token_hex(4)}"
    first, second = Leases(database), Leases(database)
    try:
        assert await first.hold(name)
        first._connection.terminate()  # the process died: its connection drops
        for _ in range(50):
            if await second.hold(name):
                break
            await asyncio.sleep(0.1)
        assert await second.hold(name)
        assert not await first.hold(name)  # it reconnects, but the lease is taken
        assert name not in first.held
    finally:
        await first.close()
        await second.close()


def test_lease_keys_are_stable_signed_64_bit_integers() -> None:
    key = lease_key("relay:sc.a")
    assert key == lease_key("relay:sc.a") and key != lease_key("relay:sc.b")
    assert -(2 ** 63) <= key < 2 ** 63


async def test_a_period_is_claimed_once(database: Database) -> None:
    name = f"test-{secrets.token_hex(4)}"
    now = datetime.now(UTC)
    period = period_of(now, 60)
    answers = await asyncio.gather(*(claim_period(database, name, period, f"p{n}", now)
                                     for n in range(3)))
    assert sorted(answers) == [False, False, True]
    assert await claim_period(database, name, period + 1, "p1", now)
    assert not await claim_period(database, name, period + 1, "p2", now)
    rows = await database.fetch('SELECT "period" FROM "scheduled_run" WHERE "name" = '
                                f'{database.dialect.mark(1)}', [name])
    assert sorted(r["period"] for r in rows) == [period, period + 1]
