"""Data stamps (core.db.stamps): which writes bump which stamp, and only once committed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from core.db import Database
from core.db.stamps import SHARED, StampReader, Stamps, written_table
from core.settings import Settings
from core.tenancy.tables import Org


@pytest.fixture
async def db(settings: Settings, database: Database) -> AsyncIterator[Database]:
    """A database of its own (as the app connects), knowing ``org`` is a tenant table."""
    own = Database(settings.database_admin_url)
    own.tenant_tables = {"org"}
    await own.start()
    try:
        yield own
    finally:
        await own.stop()


@pytest.mark.parametrize(("sql", "table"), [
    ('SELECT * FROM "org"', None),
    ("  select 1", None),
    ('WITH x AS (SELECT 1) SELECT * FROM x', None),
    ('INSERT INTO "org" ("name") VALUES ($1)', "org"),
    ('update account SET "active" = $1', "account"),
    ('DELETE FROM "sync_outbox" WHERE "id" = $1', "sync_outbox"),
    ('WITH gone AS (DELETE FROM "org" RETURNING "id") SELECT * FROM gone', "*"),
    ("ALTER TABLE org ENABLE ROW LEVEL SECURITY", "*"),
])
def test_written_table(sql: str, table: str | None) -> None:
    assert written_table(sql) == table


async def _stamps(db: Database, tenant_id: int) -> tuple[int, int]:
    return (await StampReader(db).read()).of(tenant_id)


async def test_a_committed_write_bumps_its_tenant_once(db: Database,
                                                       tenant_ids: dict[str, int]) -> None:
    one, other = tenant_ids["ta.one"], tenant_ids["tb"]
    session = db.tenant(one)
    org = (await session.list(Org, limit=1))[0]
    before, other_before = await _stamps(db, one), await _stamps(db, other)
    async with session.transaction():
        await session.update(Org, {"id": org["id"]}, {"name": org["name"]})
        await session.update(Org, {"id": org["id"]}, {"name": org["name"]})
        assert await _stamps(db, one) == before  # not before the commit
    after = await _stamps(db, one)
    assert after == (before[0] + 1, before[1])
    assert await _stamps(db, other) == other_before

    with pytest.raises(RuntimeError):
        async with session.transaction():
            await session.update(Org, {"id": org["id"]}, {"name": "不会留下"})
            raise RuntimeError("rolled back")
    assert await _stamps(db, one) == after
    await session.list(Org, limit=1)  # reads bump nothing
    assert await _stamps(db, one) == after


async def test_shared_and_quiet_tables(db: Database, tenant_ids: dict[str, int]) -> None:
    one = tenant_ids["ta.one"]
    before = await _stamps(db, one)
    # A shared table (accounts): every tenant's answers may show it.
    await db.fetch('UPDATE "account" SET "name" = "name" WHERE "id" = -1')
    shared = await _stamps(db, one)
    assert shared == (before[0], before[1] + 1)
    # A credential's touch on use changes no answer; scheduled runs neither.
    await db.fetch('UPDATE "api_token" SET "last_used_at" = NULL WHERE "id" = -1', quiet=True)
    await db.fetch('DELETE FROM "scheduled_run" WHERE "id" = -1')
    assert await _stamps(db, one) == shared
    # Its revocation does: a process trusting it a moment ago asks the database again.
    await db.fetch('UPDATE "api_token" SET "revoked_at" = NULL WHERE "id" = -1')
    shared = (shared[0], shared[1] + 1)
    assert await _stamps(db, one) == shared
    # A tenant table written with no tenant known: the shared stamp, to be safe.
    async with db.transaction():
        await db.fetch('UPDATE "org" SET "name" = "name" WHERE "id" = -1')
    assert await _stamps(db, one) == (shared[0], shared[1] + 1)
    assert SHARED == 0


class _CountingReader(StampReader):
    """A reader counting its queries; a read may be held after its query (``hold``) or
    fail once (``fail``)."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.queries = 0
        self.hold: asyncio.Event | None = None
        self.fail = False

    async def _read_all(self) -> Stamps:
        self.queries += 1
        if self.fail:
            self.fail = False
            raise ConnectionError("数据库连接中断")
        stamps = await super()._read_all()
        if self.hold is not None:
            await self.hold.wait()
        return stamps


async def test_requests_asking_together_share_one_read(db: Database,
                                                       tenant_ids: dict[str, int]) -> None:
    reader = _CountingReader(db)
    results = await asyncio.gather(*(reader.read() for _ in range(20)))
    assert reader.queries == 1
    assert {r.of(tenant_ids["ta.one"]) for r in results} == {
        await _stamps(db, tenant_ids["ta.one"])}
    if db.postgres:
        assert all(r.policy is not None for r in results)


async def test_a_request_arriving_during_a_read_waits_for_the_next(
        db: Database, tenant_ids: dict[str, int]) -> None:
    one = tenant_ids["ta.one"]
    reader = _CountingReader(db)
    reader.hold = asyncio.Event()
    first = asyncio.create_task(reader.read())
    while reader.queries == 0:  # the first read is under way (its query done)
        await asyncio.sleep(0.01)
    session = db.tenant(one)
    org = (await session.list(Org, limit=1))[0]
    await session.update(Org, {"id": org["id"]}, {"name": org["name"]})  # committed now
    second = asyncio.create_task(reader.read())
    await asyncio.sleep(0.05)
    assert not second.done()
    reader.hold.set()
    before, after = (await first).of(one), (await second).of(one)
    assert after == (before[0] + 1, before[1]) and reader.queries == 2


async def test_a_failed_read_reaches_its_waiters_and_the_next_read_works(
        db: Database, tenant_ids: dict[str, int]) -> None:
    reader = _CountingReader(db)
    reader.fail = True
    failed = await asyncio.gather(reader.read(), reader.read(), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in failed)
    assert (await reader.read()).of(tenant_ids["ta.one"]) == await _stamps(
        db, tenant_ids["ta.one"])
