"""The sync service: relay, consumers and streams of one deployment.

It runs inside ``xuncha serve`` (unless ``XUNCHA_SYNC_IN_SERVE=false``) and
as ``xuncha sync run``. What it runs follows from the tenants it serves:

- every tenant with a parent publishes ``up`` through the relay and pulls
  its ``down_<county>`` consumer;
- every tenant without a parent (the city) makes sure the two streams exist
  in its domain, pulls its ``up_<city>`` consumer, and creates the
  ``down_<county>`` consumer of each county it hears from or knows locally
  (a county cannot create or widen its own: see ``xuncha nats-config``).

On PostgreSQL several processes may run it for one deployment: the relay of a
tenant and the puller of a consumer run in the process holding its lease
(:mod:`core.db.leases`), the tick once per period (:mod:`core.db.schedule`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig

from core.db.leases import Leases, holder_name
from core.db.schedule import claim_period, period_of, schedule_name
from core.stopping import stop_tasks
from core.sync import codec, outbox, retry
from core.sync.apply import Received, apply
from core.sync.pull import Handler, Puller
from core.sync.relay import Relay
from core.sync.subjects import (
    BROADCAST,
    STREAM_DOWN,
    STREAM_UP,
    down_consumer,
    token,
    up_consumer,
)
from core.tenancy.model import TenantInfo

__all__ = ["SyncService", "ensure_down_consumer", "ensure_streams"]

log = logging.getLogger(__name__)

STOP_TIMEOUT = 10.0
"""Seconds :meth:`SyncService.stop` waits for its cancelled tasks to end."""

TICK_SECONDS = 60.0
"""The tick's period when the settings name none (``XUNCHA_SYNC_TICK_SECONDS``)."""
TICK_SCHEDULE = "sync-tick"
"""The name the tick's periods are claimed under (``scheduled_run``)."""
DUPLICATE_WINDOW = 600.0
ACK_WAIT = 5.0


async def ensure_streams(js: JetStreamContext, replicas: int = 1) -> None:
    """Create (or bring up to date) the ``up`` and ``down`` streams.

    Args:
        js: the JetStream context of the sync domain.
        replicas: copies of each stream (``XUNCHA_SYNC_REPLICAS``: 3 on a hub
            cluster; their consumers get as many).
    """
    for name, subjects in ((STREAM_UP, ["up.>"]), (STREAM_DOWN, ["down.>"])):
        config = StreamConfig(name=name, subjects=subjects, storage=StorageType.FILE,
                              duplicate_window=DUPLICATE_WINDOW, num_replicas=replicas)
        try:
            await js.add_stream(config)
        except nats.js.errors.BadRequestError:
            await js.update_stream(config)


async def ensure_down_consumer(js: JetStreamContext, county: str) -> None:
    """Create the durable consumer through which ``county`` receives from its city."""
    await js.add_consumer(STREAM_DOWN, ConsumerConfig(
        durable_name=down_consumer(county), ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL, ack_wait=ACK_WAIT, max_ack_pending=10_000,
        filter_subjects=[f"down.{token(county)}.>", f"down.{BROADCAST}.>"],
    ))


async def ensure_up_consumer(js: JetStreamContext, city: str) -> None:
    """Create the durable consumer through which ``city`` applies its counties' reports."""
    await js.add_consumer(STREAM_UP, ConsumerConfig(
        durable_name=up_consumer(city), ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL, ack_wait=ACK_WAIT, max_ack_pending=10_000,
        filter_subject="up.>",
    ))


class SyncService:
    """Everything sync runs in one process.

    Args:
        runtime: the app's ``Runtime`` (settings, plugins, db, tenants,
            messaging, clock), or one built by ``xuncha sync run``.
    """

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self.leases = Leases(runtime.db)
        self.relay = Relay(runtime.db, runtime.tenants, self._js, self.leases)
        self.ticks = 0
        self.pullers: dict[str, Puller] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._known_counties: set[str] = set()
        self._streams_ready = False
        self._tick_lock = asyncio.Lock()
        self._ready = asyncio.Event()

    def _js(self) -> JetStreamContext | None:
        messaging = self.runtime.messaging
        if messaging.nc is None or not messaging.nc.is_connected:
            return None
        js: JetStreamContext | None = messaging.sync_js
        return js

    async def start(self) -> None:
        """Start the relay, the consumers and the periodic tick."""
        outbox.listen(self.relay.wake)
        self._spawn("relay", self.relay.run())
        self._spawn("setup", self._setup())

    async def stop(self) -> None:
        """Stop every task (what was not acknowledged is redelivered later)."""
        outbox.unlisten(self.relay.wake)
        # Bounded: a task that loses its cancellation must not hold the shutdown up
        # (nothing is lost: the outbox keeps what was not acknowledged).
        await stop_tasks(self._tasks.values(), STOP_TIMEOUT, log, "sync task")
        self._tasks.clear()
        await self.leases.close()  # another process takes over at once

    def _spawn(self, name: str, coro: Any) -> None:
        self._tasks[name] = asyncio.create_task(coro, name=f"sync:{name}")

    async def _setup(self) -> None:
        """Streams and consumers (retried until NATS answers), then the pullers and the tick."""
        failures = 0
        while True:
            try:
                await self._reconcile()
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                retry.report(log, failures, "sync setup: %s: %s", type(exc).__name__, exc)
                await asyncio.sleep(retry.backoff(failures))
        self._ready.set()
        self._spawn("tick", self._tick())

    async def _reconcile(self) -> None:
        """Make the streams, consumers and pullers match the deployment's tenants
        (at start, then on every tick: a tenant loaded meanwhile joins in)."""
        tenants = await self.runtime.tenants.all()
        cities = [t for t in tenants if not t.parent_code]
        if cities:
            js = self._js()
            if js is None:
                raise ConnectionError("NATS 未连接")
            if not self._streams_ready:
                await ensure_streams(js, self.runtime.settings.sync_replicas)
                self._streams_ready = True
            for city in cities:
                if up_consumer(city.code) not in self.pullers:
                    await ensure_up_consumer(js, city.code)
                for county in self.runtime.tenants.children(city):
                    await self._ensure_county(county.code)
        prefix = self.runtime.settings.nats_inbox_prefix
        for city in cities:
            if up_consumer(city.code) not in self.pullers:
                self._pull(Puller(up_consumer(city.code), STREAM_UP, self._js, prefix,
                                  self._up_handler(city)))
        for county in (t for t in tenants if t.parent_code):
            if down_consumer(county.code) not in self.pullers:
                self._pull(Puller(down_consumer(county.code), STREAM_DOWN, self._js, prefix,
                                  self._down_handler(county)))

    def _pull(self, puller: Puller) -> None:
        name = puller.name
        puller.gate = lambda: self.leases.hold(f"pull:{name}")
        self.pullers[puller.name] = puller
        self._spawn(puller.name, puller.run())

    async def _ensure_county(self, code: str) -> None:
        if code in self._known_counties:
            return
        js = self._js()
        if js is None:
            raise ConnectionError("NATS 未连接")
        await ensure_down_consumer(js, code)
        self._known_counties.add(code)

    async def _apply(self, tenant: TenantInfo, batch: list[tuple[Msg, codec.Incoming, str | None]]
                     ) -> list[str]:
        runtime = self.runtime
        received = [Received(body=msg.data, subject=msg.subject, incoming=incoming,
                             refusal=refusal) for msg, incoming, refusal in batch]
        return list(await apply(runtime.db, tenant, runtime.plugins, runtime.clock, received))

    def _up_handler(self, city: TenantInfo) -> Handler:
        async def handle(batch: list[tuple[Msg, codec.Incoming]]) -> list[str]:
            mine = []
            for msg, incoming in batch:
                if incoming.target != city.code:
                    continue  # another city's county on a shared server
                parts = msg.subject.split(".")
                refusal = None
                if len(parts) < 2 or parts[1] != token(incoming.origin):
                    refusal = f"来源 {incoming.origin} 与主题 {msg.subject} 不符"
                mine.append((msg, incoming, refusal))
            applied = iter(await self._apply(city, mine))
            for _, incoming, refusal in mine:
                if refusal is None:
                    await self._ensure_county(incoming.origin)
            return [next(applied) if incoming.target == city.code else "skipped"
                    for _, incoming in batch]

        return handle

    def _down_handler(self, county: TenantInfo) -> Handler:
        async def handle(batch: list[tuple[Msg, codec.Incoming]]) -> list[str]:
            checked = []
            for msg, incoming in batch:
                refusal = None
                if incoming.origin != county.parent_code:
                    refusal = f"来源 {incoming.origin} 不是本机构的上级 {county.parent_code}"
                elif incoming.target not in ("", county.code):
                    refusal = f"收件方 {incoming.target} 不是本机构"
                checked.append((msg, incoming, refusal))
            return await self._apply(county, checked)

        return handle

    async def tick(self) -> None:
        """Run ``xuncha_sync_tick`` once (e.g. publish audit heads that changed); one
        tick at a time, so the minute's tick and one asked for directly never overlap."""
        async with self._tick_lock:
            await self._tick_all()

    def _tick_seconds(self) -> float:
        return float(getattr(self.runtime.settings, "sync_tick_seconds", TICK_SECONDS))

    async def _claim_tick(self) -> bool:
        db = self.runtime.db
        if not db.postgres:
            return True
        now = datetime.now(UTC)
        try:
            seconds = self._tick_seconds()
            return await claim_period(db, schedule_name(TICK_SCHEDULE, seconds),
                                      period_of(now, seconds), holder_name(), now)
        except Exception as exc:
            log.warning("sync tick: cannot claim the period: %s: %s", type(exc).__name__, exc)
            return False

    def _until_next_tick(self) -> float:
        seconds = self._tick_seconds()
        if not self.runtime.db.postgres:
            return seconds
        return seconds - datetime.now(UTC).timestamp() % seconds + 0.01

    async def _tick_all(self) -> None:
        for tenant in await self.runtime.tenants.all():
            try:
                await self.runtime.plugins.call("xuncha_sync_tick", tenant.plugins,
                                                tenant=tenant, runtime=self.runtime)
            except Exception:
                log.exception("sync tick failed for %s", tenant.code)

    async def _tick(self) -> None:
        """The tick every ``sync_tick_seconds``: on PostgreSQL once per period across the
        deployment's processes (the one that claims the period runs it), and the
        reconciliation in every process (each pulls the consumers it may)."""
        while True:
            if await self._claim_tick():
                await self.tick()
                self.ticks += 1
            await asyncio.sleep(self._until_next_tick())
            try:
                await self._reconcile()
            except Exception as exc:  # retried at the next tick
                log.warning("sync: %s: %s", type(exc).__name__, exc)
