"""County reports in a deployment of its own: profile and audit heads by the tick, and
chain checks that catch a chain truncated or rewritten consistently (each hash recomputed,
so the chain verifies on its own and only the head the city keeps gives it away)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.audit.chain import entry_hash, verify
from core.audit.tables import AuditEntry
from core.db import Database
from core.events import envelope
from core.inspection.events import ClueChanged, FindingChanged, InspectionStageChanged
from core.inspection.tables import Clue, RectificationItem
from core.messaging.embedded import EmbeddedNats
from core.plugins import Plugins
from core.settings import Settings
from plugins.linkage.city_view import county_views, request_check
from plugins.linkage.reports import touched_by
from tests.conftest import RunDatabase, make_settings
from tests.inspection.seed import seed_inspection
from tests.sync.helpers import TREE, deployment_database, eventually, rows, running, work_in

CITY, COUNTY_A, COUNTY_B = "sc", "sc.a", "sc.b"
REPLICA = ('SELECT "origin", "data" FROM "replica" WHERE "tenant_id" = {} AND "kind" = {} '
           'AND "origin" = {}')
INBOX = ('SELECT COUNT(*) AS n FROM "sync_inbox" WHERE "tenant_id" = {} AND "type" = {} '
         'AND "origin" = {}')


@pytest.fixture(scope="module")
def run_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunDatabase]:
    with deployment_database(tmp_path_factory.mktemp("linkage"), "linkage", TREE) as db:
        yield db


@pytest.fixture
def settings(tmp_path: Path, run_db: RunDatabase, server: EmbeddedNats) -> Settings:
    return make_settings(tmp_path, run_db, XUNCHA_NATS_URL=server.url)


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Any]:
    async with running(settings, Plugins(settings)) as started:
        yield started


@pytest.fixture
async def admin(run_db: RunDatabase) -> AsyncIterator[Database]:
    """The deployment's database as its owner (to alter a county's chain)."""
    db = Database(run_db.admin_url)
    await db.start()
    try:
        yield db
    finally:
        await db.stop()


def _data(row: dict[str, Any]) -> dict[str, Any]:
    value = row["data"]
    return json.loads(value) if isinstance(value, str) else dict(value)


async def _write(runtime: Any, code: str, count: int) -> None:
    work = await work_in(runtime, code)
    for n in range(count):
        async with work.transaction():
            await work.audit("test.write", "note", n, {"n": n})


async def _replica(runtime: Any, kind: str, origin: str) -> dict[str, Any] | None:
    found = await rows(runtime, CITY, REPLICA, kind, origin)
    return _data(found[0]) if found else None


async def _head_held(runtime: Any, origin: str, seq: int) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        head = await _replica(runtime, "audit_head", origin)
        return head if head and head["seq"] == seq else None

    return await eventually(probe, what=f"head {seq} of {origin} in the city")


async def _check(runtime: Any, county: str) -> dict[str, Any]:
    work = await work_in(runtime, CITY)
    (view,) = await county_views(work.session, runtime.tenants, work.tenant, county)
    assert view.audit_head is not None
    check_id = await request_check(work, county, view.audit_head)

    async def answer() -> dict[str, Any] | None:
        found = await _replica(runtime, "audit_check", county)
        return found if found and found["check_id"] == check_id else None

    return await eventually(answer, what=f"the answer of {county}")


async def _count(runtime: Any, type_: str, origin: str) -> int:
    return int((await rows(runtime, CITY, INBOX, type_, origin))[0]["n"])


async def _seq(runtime: Any, code: str) -> int:
    found = await rows(runtime, code, 'SELECT "seq" FROM "audit_head" WHERE "tenant_id" = {}')
    return int(found[0]["seq"]) if found else 0


async def test_profile_and_head_go_up_once_per_change(runtime: Any) -> None:
    await _write(runtime, COUNTY_A, 2)
    await runtime.sync.tick()
    head = await _head_held(runtime, COUNTY_A, await _seq(runtime, COUNTY_A))
    assert len(head["hash"]) == 64
    profile = await eventually(lambda: _replica(runtime, "county", COUNTY_A), what="profile")
    assert profile["name"] == "同步甲县委巡察办" and profile["orgs_by_kind"] == {"department": 1}
    heads, profiles = (await _count(runtime, "audit_head.reported", COUNTY_A),
                       await _count(runtime, "county.profile", COUNTY_A))
    await runtime.sync.tick()
    await runtime.sync.tick()  # nothing changed: nothing sent
    await _write(runtime, COUNTY_A, 1)
    await runtime.sync.tick()
    await _head_held(runtime, COUNTY_A, head["seq"] + 1)
    # What a county sends up arrives in order: had the idle ticks sent anything, it
    # would be counted by now.
    assert await _count(runtime, "audit_head.reported", COUNTY_A) == heads + 1
    assert await _count(runtime, "county.profile", COUNTY_A) == profiles
    # The city reports to nobody: its tick does nothing at all.
    assert await rows(runtime, CITY, 'SELECT "key" FROM "sync_state" WHERE "tenant_id" = {} '
                      'AND "key" IN ({}, {})', "profile", "audit_head") == []


async def test_a_truncated_chain_fails_the_check(runtime: Any, admin: Database) -> None:
    await _write(runtime, COUNTY_A, 2)
    await runtime.sync.tick()
    tenant = await runtime.tenants.get(COUNTY_A)
    seq = await _seq(runtime, COUNTY_A)
    await _head_held(runtime, COUNTY_A, seq)
    assert (await _check(runtime, COUNTY_A))["ok"]
    # Drop the last entry and move the head back: the chain verifies on its own.
    mark = admin.dialect.mark
    (prev,) = await admin.fetch(
        f'SELECT "hash" FROM "audit_entry" WHERE "tenant_id" = {mark(1)} AND "seq" = {mark(2)}',
        [tenant.id, seq - 1])
    await admin.fetch(f'DELETE FROM "audit_entry" WHERE "tenant_id" = {mark(1)} AND '
                      f'"seq" = {mark(2)} RETURNING "id"', [tenant.id, seq])
    await admin.fetch(f'UPDATE "audit_head" SET "seq" = {mark(1)}, "hash" = {mark(2)} WHERE '
                      f'"tenant_id" = {mark(3)} RETURNING "id"', [seq - 1, prev["hash"], tenant.id])
    assert (await verify(admin, tenant.id)).ok
    answer = await _check(runtime, COUNTY_A)
    assert not answer["ok"] and answer["seq"] == seq
    assert answer["problems"] == [
        f"上级所持链头第 {seq} 条在本机构审计链中已不存在（审计链被截断或记录被删除）"]


async def test_a_consistently_rewritten_chain_fails_the_check(runtime: Any,
                                                              admin: Database) -> None:
    await _write(runtime, COUNTY_B, 3)
    await runtime.sync.tick()
    seq = await _seq(runtime, COUNTY_B)
    await _head_held(runtime, COUNTY_B, seq)
    assert (await _check(runtime, COUNTY_B))["ok"]
    tenant = await runtime.tenants.get(COUNTY_B)
    entries = await admin.tenant(tenant.id).list(AuditEntry, order_by=("seq",), limit=None)
    prev = entries[0]["prev_hash"]
    mark = admin.dialect.mark
    for entry in entries:  # rewrite the second entry's detail, re-link every hash after it
        if entry["seq"] == seq - 1:
            entry["detail"] = {"n": "改写"}
        entry["prev_hash"] = prev
        entry["hash"] = prev = entry_hash(entry)
        await admin.fetch(
            f'UPDATE "audit_entry" SET "detail" = {mark(1)}, "prev_hash" = {mark(2)}, '
            f'"hash" = {mark(3)} WHERE "id" = {mark(4)} RETURNING "id"',
            [json.dumps(entry["detail"], ensure_ascii=False), entry["prev_hash"],
             entry["hash"], entry["id"]])
    await admin.fetch(f'UPDATE "audit_head" SET "hash" = {mark(1)} WHERE "tenant_id" = {mark(2)} '
                      'RETURNING "id"', [prev, tenant.id])
    assert (await verify(admin, tenant.id)).ok
    answer = await _check(runtime, COUNTY_B)
    assert not answer["ok"] and answer["entries"] == seq
    assert answer["problems"] == [f"第 {seq} 条的哈希与上级所持链头不一致（审计链被改写）"]


def test_what_a_transaction_touched() -> None:
    def env(event: Any) -> Any:
        return envelope(event, COUNTY_A, datetime.now(UTC))

    touched = touched_by([
        env(InspectionStageChanged(inspection_id=1, round_id=1, kind="regular", title="t",
                                   from_stage="planned", to_stage="authorized")),
        env(FindingChanged(finding_id=7, inspection_id=2, org_id=1, category="political",
                           severity="general", title="t", fix_now=False, shared=False,
                           was_shared=True)),
        env(FindingChanged(finding_id=8, inspection_id=2, org_id=1, category="political",
                           severity="general", title="t", fix_now=False, shared=False)),
        env(ClueChanged(clue_id=5, inspection_id=3, grade="examine", status="recorded",
                        city_managed=False, was_city_managed=True)),
        env(ClueChanged(clue_id=6, inspection_id=3, grade="examine", status="recorded",
                        city_managed=False, was_city_managed=False)),
    ])
    assert (touched.progress, touched.findings, touched.clues) == ({1}, {2}, {3})
    assert (touched.shared, touched.city_clues, touched.rectification) == ({7}, {5}, set())
    assert not touched_by([])


async def test_a_new_day_reports_what_it_made_overdue(runtime: Any) -> None:
    tenant = await runtime.tenants.get(COUNTY_A)
    seed = await seed_inspection(runtime.db, tenant.id, "逾期", year=2301)
    session, today = runtime.db.tenant(tenant.id), runtime.clock.today()
    await session.update(RectificationItem, {"id": seed["item_id"]},
                         {"deadline": today + timedelta(days=1)})
    await session.update(Clue, {"id": seed["clue_id"]}, {
        "status": "referred", "receiving_body": "discipline",
        "reply_due": today + timedelta(days=1)})
    await runtime.sync.tick()  # today: nothing is overdue yet
    key = str(seed["inspection_id"])

    async def counted(kind: str, field: str) -> int | None:
        found = await rows(runtime, CITY, 'SELECT "data" FROM "replica" WHERE "tenant_id" = {} '
                           'AND "kind" = {} AND "origin" = {} AND "key" = {}', kind, COUNTY_A, key)
        return int(_data(found[0])[field]) if found else None

    sent = await _count(runtime, "rectification_stats.updated", COUNTY_A)
    runtime.clock.advance(timedelta(days=2))  # the deadlines pass; no row changes
    try:
        await runtime.sync.tick()
        await eventually(lambda: _is(counted("rectification_stats", "overdue"), 1),
                         what="the item counted overdue in the city")
        await eventually(lambda: _is(counted("clue_stats", "overdue_replies"), 1),
                         what="the reply counted overdue in the city")
        await runtime.sync.tick()  # the same day again: nothing more
        await _write(runtime, COUNTY_A, 1)  # something that does travel, to see the order
        await runtime.sync.tick()
        await _head_held(runtime, COUNTY_A, await _seq(runtime, COUNTY_A))
        assert await _count(runtime, "rectification_stats.updated", COUNTY_A) == sent + 1
    finally:
        runtime.clock.reset()


async def _is(value: Awaitable[int | None], wanted: int) -> bool:
    return await value == wanted
