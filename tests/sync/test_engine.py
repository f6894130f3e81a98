"""Sync on one nats-server serving a city and two counties of one deployment."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import nats
import pytest
from uuid6 import uuid7

from core.events import envelope
from core.messaging.embedded import EmbeddedNats
from core.settings import Settings
from core.sync import codec
from core.sync.subjects import subject
from tests.conftest import RunDatabase, make_settings
from tests.sync.fault_plugin import NoteRecorded, NoticeIssued
from tests.sync.helpers import (
    TREE,
    deployment_database,
    emit,
    eventually,
    rows,
    running,
    sync_plugins,
)

REPLICA = 'SELECT "key", "version", "data" FROM "replica" WHERE "tenant_id" = {} AND "kind" = {}'
# Only the test plugin's events: the counties also report their profile and audit head.
INBOX = ('SELECT "event_id", "status", "origin" FROM "sync_inbox" WHERE "tenant_id" = {} '
         "AND \"type\" IN ('note.recorded', 'notice.issued')")


@pytest.fixture(scope="module")
def run_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunDatabase]:
    with deployment_database(tmp_path_factory.mktemp("engine"), "engine", TREE) as db:
        yield db


@pytest.fixture
def settings(tmp_path: Path, run_db: RunDatabase, server: EmbeddedNats) -> Settings:
    return make_settings(tmp_path, run_db, XUNCHA_NATS_URL=server.url)


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Any]:
    async with running(settings, sync_plugins(settings)) as started:
        yield started


async def _none(counted: Awaitable[list[dict[str, Any]]]) -> bool:
    return int((await counted)[0]["n"]) == 0


async def test_an_up_event_reaches_the_city_once_and_leaves_the_outbox(runtime: Any) -> None:
    event_id = await emit(runtime, "sc.a", NoteRecorded(note_id=1, text="村务公开不及时"))
    replicas = await eventually(lambda: rows(runtime, "sc", REPLICA, "note"), what="replica")
    assert [(r["key"], r["version"]) for r in replicas] == [("1", event_id)]
    data = replicas[0]["data"]
    assert (json.loads(data) if isinstance(data, str) else data)["text"] == "村务公开不及时"
    inbox = await rows(runtime, "sc", INBOX)
    assert [(r["event_id"], r["status"], r["origin"]) for r in inbox] == [
        (event_id, "applied", "sc.a")]
    # The relay deletes the row after its PubAck, which may come after the city applied.
    outbox = 'SELECT COUNT(*) AS n FROM "sync_outbox" WHERE "tenant_id" = {}'
    await eventually(lambda: _none(rows(runtime, "sc.a", outbox)), what="outbox drained")
    # The county keeps nothing of its own event; its sibling sees nothing.
    assert await rows(runtime, "sc.a", INBOX) == [] and await rows(runtime, "sc.b", INBOX) == []


async def test_down_events_reach_the_county_addressed_or_every_county(runtime: Any) -> None:
    await emit(runtime, "sc", NoticeIssued(notice_id=10, text="只给甲县"), to="sc.a")
    await emit(runtime, "sc", NoticeIssued(notice_id=11, text="全市部署"))
    await eventually(lambda: _keys(runtime, "sc.b", "notice", {"11"}), what="broadcast in b")
    await eventually(lambda: _keys(runtime, "sc.a", "notice", {"10", "11"}), what="both in a")
    assert await _keys(runtime, "sc.b", "notice", {"11"})


async def _keys(runtime: Any, code: str, kind: str, expected: set[str]) -> bool:
    return {r["key"] for r in await rows(runtime, code, REPLICA, kind)} == expected


async def _publish(server: EmbeddedNats, subj: str, body: bytes, msg_id: str) -> None:
    nc = await nats.connect(server.url)
    try:
        await nc.jetstream().publish(subj, body, headers={"Nats-Msg-Id": msg_id})
    finally:
        await nc.close()


def _wire(event: Any, origin: str, target: str, **changes: Any) -> tuple[str, bytes]:
    from datetime import UTC, datetime

    env = envelope(event, origin, datetime.now(UTC))
    data = msgspec.to_builtins(env) | {"target": target} | changes
    return str(data["id"]), msgspec.json.encode(data)


async def test_the_same_event_published_twice_is_applied_once(
        runtime: Any, server: EmbeddedNats) -> None:
    event_id, body = _wire(NoteRecorded(note_id=20, text="重复"), "sc.a", "sc")
    subj = subject("up", "sc.a", "synctest", "note.recorded")
    # Two message ids: the stream's deduplication cannot help, the inbox must.
    await _publish(server, subj, body, "first-" + event_id)
    await _publish(server, subj, body, "second-" + event_id)
    await eventually(lambda: _inbox_has(runtime, "sc", event_id), what="inbox row")
    mark = 'SELECT COUNT(*) AS n FROM "sync_inbox" WHERE "tenant_id" = {} AND "event_id" = {}'
    await eventually(lambda: _consumer_idle(server), what="both copies consumed")
    assert (await rows(runtime, "sc", mark, event_id))[0]["n"] == 1


async def _inbox_has(runtime: Any, code: str, event_id: str) -> bool:
    return any(r["event_id"] == event_id for r in await rows(runtime, code, INBOX))


async def _consumer_idle(server: EmbeddedNats) -> bool:
    nc = await nats.connect(server.url)
    try:
        info = await nc.jetstream().consumer_info("XUNCHA_UP", "up_sc")
        return info.num_pending == 0 and info.num_ack_pending == 0
    finally:
        await nc.close()


async def test_an_unknown_version_is_stored_not_applied(runtime: Any, server: EmbeddedNats
                                                        ) -> None:
    event_id, body = _wire(NoteRecorded(note_id=30, text="新版本"), "sc.a", "sc", version=99)
    await _publish(server, subject("up", "sc.a", "synctest", "note.recorded"), body, event_id)
    await eventually(lambda: _inbox_has(runtime, "sc", event_id), what="stored")
    statuses = {r["event_id"]: r["status"] for r in await rows(runtime, "sc", INBOX)}
    assert statuses[event_id] == "stored"
    assert "30" not in {r["key"] for r in await rows(runtime, "sc", REPLICA, "note")}


async def test_an_older_version_never_overwrites_a_newer_one(runtime: Any, server: EmbeddedNats
                                                             ) -> None:
    older_id, older = _wire(NoteRecorded(note_id=40, text="旧", revision=1), "sc.a", "sc")
    newer_id, newer = _wire(NoteRecorded(note_id=40, text="新", revision=2), "sc.a", "sc")
    assert older_id < newer_id
    subj = subject("up", "sc.a", "synctest", "note.recorded")
    await _publish(server, subj, newer, newer_id)
    await _publish(server, subj, older, older_id)
    await eventually(lambda: _inbox_has(runtime, "sc", older_id), what="older applied")
    [replica] = [r for r in await rows(runtime, "sc", REPLICA, "note") if r["key"] == "40"]
    assert replica["version"] == newer_id


async def test_a_forged_origin_is_rejected(runtime: Any, server: EmbeddedNats) -> None:
    # Published on sc.a's subject but claiming to come from sc.b.
    event_id, body = _wire(NoteRecorded(note_id=50, text="冒名"), "sc.b", "sc")
    await _publish(server, subject("up", "sc.a", "synctest", "note.recorded"), body, event_id)
    await eventually(lambda: _inbox_has(runtime, "sc", event_id), what="rejected row")
    statuses = {r["event_id"]: r["status"] for r in await rows(runtime, "sc", INBOX)}
    assert statuses[event_id] == "rejected"
    assert "50" not in {r["key"] for r in await rows(runtime, "sc", REPLICA, "note")}


def test_the_wire_form_round_trips() -> None:
    from datetime import UTC, datetime

    env = envelope(NoteRecorded(note_id=7, text="往返"), "sc.a", datetime.now(UTC))
    incoming = codec.decode(codec.encode(env, "sc"))
    assert (incoming.id, incoming.target, incoming.origin) == (env.id, "sc", "sc.a")
    assert codec.payload_of(incoming, NoteRecorded) == env.payload
    assert str(uuid7()) > env.id


async def test_the_latest_of_many_revisions_wins(runtime: Any) -> None:
    last = ""
    for revision in range(1, 31):
        last = await emit(runtime, "sc.a", NoteRecorded(note_id=60, text=f"第 {revision} 稿",
                                                        revision=revision))

    async def settled() -> bool:
        found = [r for r in await rows(runtime, "sc", REPLICA, "note") if r["key"] == "60"]
        return bool(found) and found[0]["version"] == last

    await eventually(settled, what="the last revision")
    [replica] = [r for r in await rows(runtime, "sc", REPLICA, "note") if r["key"] == "60"]
    data = replica["data"]
    assert (json.loads(data) if isinstance(data, str) else data)["revision"] == 30


async def test_two_counties_same_entity_in_one_batch_each_keep_their_replica(
        runtime: Any) -> None:
    """A batch holding two origins' events of the same entity writes both replicas (a
    replica is per origin; neither supersedes the other)."""
    from core.clock import Clock
    from core.sync.apply import Received, apply

    batch = []
    for origin in ("sc.a", "sc.b"):
        _, body = _wire(NoteRecorded(note_id=77, text=f"{origin} 同键"), origin, "sc")
        batch.append(Received(body=body, subject=subject("up", origin, "synctest",
                                                         "note.recorded"),
                              incoming=codec.decode(body)))
    city = await runtime.tenants.get("sc")
    statuses = await apply(runtime.db, city, runtime.plugins, Clock(), batch)
    assert statuses == ["applied", "applied"]
    held = await rows(runtime, "sc", REPLICA + ' AND "key" = {}', "note", "77")
    texts = [json.loads(r["data"])["text"] if isinstance(r["data"], str) else r["data"]["text"]
             for r in held]
    assert sorted(texts) == ["sc.a 同键", "sc.b 同键"]
