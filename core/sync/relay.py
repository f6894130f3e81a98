"""The relay: publishes outbox rows to JetStream and deletes them on PubAck.

Rows go out in ``id`` order per tenant with ``Nats-Msg-Id`` = the event id,
so a row published twice (a crash between PubAck and the delete) is stored
once by the stream, and the receiver's inbox catches anything older than the
stream's duplicate window. A failed batch keeps its rows and is retried with
back-off capped at one second, which is what lets catch-up start within a
second or so of a link returning.

A commit in this process wakes the relay at once (``outbox.notify``). A commit
in another process (``xuncha serve`` beside ``xuncha sync run``, a CLI
command) wakes it too, not only the sweep every second: on PostgreSQL the
outbox's transaction sends ``NOTIFY`` (:data:`core.sync.outbox.CHANNEL`) and
the relay listens on a connection of its own; on SQLite the relay polls
``PRAGMA data_version`` (which changes when another connection commits) every
20 ms, a query that reads no table.

Several processes may serve one PostgreSQL deployment (uvicorn workers, hosts
behind a proxy). Each runs a relay, but a tenant's outbox is published only
by the process holding the tenant's lease (:mod:`core.db.leases`, an advisory
lock on a connection of its own); the others ask again every second and take
over when the holder's process dies. Rows the dead holder published but had
not yet deleted go out again under the same ``Nats-Msg-Id``, which JetStream
stores once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from nats.js import JetStreamContext

from core.db import Database
from core.db.leases import Leases
from core.sync import faults, retry
from core.sync.outbox import CHANNEL
from core.sync.tables import SyncOutbox
from core.tenancy.model import TenantInfo
from core.tenancy.registry import TenantRegistry

__all__ = ["Relay"]

log = logging.getLogger(__name__)

BATCH = 2000
"""Outbox rows read at a time. Large on purpose: until PostgreSQL has analysed a
suddenly grown outbox (a backlog built up during an outage), its plan for this
select reads every row of the tenant, so a drain costs (rows / BATCH) such
scans; 2000 keeps a 100,000-row drain to 50 of them."""
WINDOW = 500
"""Rows published at a time (then their PubAcks awaited and they deleted)."""
ACK_TIMEOUT = 2.0
SWEEP_SECONDS = 1.0
POLL_SECONDS = 0.02
"""How often the SQLite relay asks whether another connection committed."""
LISTEN_CHECK_SECONDS = 1.0
"""How often the PostgreSQL relay checks its listening connection (and reopens it)."""


class Relay:
    """Publishes the outbox of every tenant of this deployment.

    Args:
        db: the database.
        tenants: the tenant registry (every tenant of the deployment).
        jetstream: returns the JetStream context of the sync domain (None while
            NATS is not connected).
        leases: when given, a tenant's outbox is published only while this
            process holds the tenant's lease (``relay:<code>``): with several
            processes on one PostgreSQL database one relay publishes per tenant.
    """

    def __init__(self, db: Database, tenants: TenantRegistry,
                 jetstream: Callable[[], JetStreamContext | None],
                 leases: Leases | None = None) -> None:
        self.db = db
        self.tenants = tenants
        self.jetstream = jetstream
        self.leases = leases
        self.published = 0
        self.failures = 0
        self.last_error = ""
        self._wake = asyncio.Event()
        self._dirty: set[int] = set()
        self._sweep_now = False
        self._owner: asyncio.AbstractEventLoop | None = None

    def wake(self, tenant_id: int) -> None:
        """Note that ``tenant_id`` committed outbox rows (called from ``outbox.notify``).

        Safe from any thread: a commit on another event loop of the process (a
        second app, a test) hands the note to the relay's own loop.
        """
        owner = self._owner
        if owner is None or owner.is_closed():
            return
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if current is owner:
            self._note(tenant_id)
        else:
            with contextlib.suppress(RuntimeError):  # its loop closed meanwhile
                owner.call_soon_threadsafe(self._note, tenant_id)

    def _note(self, tenant_id: int) -> None:
        self._dirty.add(tenant_id)
        self._wake.set()

    def _wake_all(self) -> None:
        """Another process committed something: look at every tenant's outbox."""
        self._sweep_now = True
        self._wake.set()

    async def run(self) -> None:
        """Publish until cancelled: at once when woken (by a commit in this process or,
        through the database, in another), and every second regardless."""
        self._owner = asyncio.get_running_loop()
        watcher = asyncio.create_task(self._watch(), name="sync:relay-watch")
        try:
            await self._loop()
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_sweep = 0.0
        while True:
            now = loop.time()
            sweep = now >= next_sweep or self._sweep_now
            self._sweep_now = False
            if sweep:
                next_sweep = now + SWEEP_SECONDS
            dirty, self._dirty = self._dirty, set()
            self._wake.clear()
            try:
                for tenant in await self.tenants.all():
                    if (sweep or tenant.id in dirty) and await self.leads(tenant):
                        await self.drain(tenant)
                self.failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                retry.report(log, self.failures, "sync relay: %s", self.last_error)
                self._dirty |= dirty
                next_sweep = 0.0
                await asyncio.sleep(retry.backoff(self.failures))
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, next_sweep - loop.time()))

    async def leads(self, tenant: TenantInfo) -> bool:
        """Whether this process publishes ``tenant``'s outbox (holds its lease).

        A process that does not is asked again at every sweep (each second), so
        when the holder dies another takes over within about a second.
        """
        if self.leases is None:
            return True
        return await self.leases.hold(f"relay:{tenant.code}")

    async def _watch(self) -> None:
        """Wake the relay when another process commits outbox rows (see the module doc)."""
        if self.db.postgres:
            await self._listen()
        else:
            await self._poll_data_version()

    async def _poll_data_version(self) -> None:
        last: Any = None
        while True:
            try:
                rows = await self.db.fetch("PRAGMA data_version")
                version = next(iter(rows[0].values())) if rows else None
                if last is not None and version != last:
                    self._wake_all()
                last = version
            except asyncio.CancelledError:
                raise
            except Exception:  # the sweep every second still runs
                log.debug("sync relay: data_version failed", exc_info=True)
            await asyncio.sleep(POLL_SECONDS)

    async def _listen(self) -> None:
        import asyncpg

        def notified(connection: Any, pid: int, channel: str, payload: str) -> None:
            if payload.isdigit():
                self.wake(int(payload))
            else:
                self._wake_all()

        failures = 0
        while True:
            connection = None
            try:
                connection = await asyncpg.connect(self.db.url, timeout=5)
                await connection.add_listener(CHANNEL, notified)
                failures = 0
                self._wake_all()  # whatever was committed while nobody listened
                while not connection.is_closed():
                    await asyncio.sleep(LISTEN_CHECK_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the sweep every second still runs
                failures += 1
                retry.report(log, failures, "sync relay: cannot listen for commits: %s: %s",
                             type(exc).__name__, exc)
            finally:
                if connection is not None and not connection.is_closed():
                    with contextlib.suppress(Exception):
                        await _close(connection)
            await asyncio.sleep(LISTEN_CHECK_SECONDS)

    async def drain(self, tenant: TenantInfo) -> int:
        """Publish every outbox row of ``tenant``; returns how many left the outbox.

        Raises:
            ConnectionError: NATS is not connected, or a publish was not
                acknowledged (the rows not acknowledged stay for the retry).
        """
        total = 0
        while True:
            sent = await self._batch(tenant)
            total += sent
            if sent < BATCH:
                return total
            if not await self.leads(tenant):
                return total  # the lease was lost meanwhile: the new holder goes on

    async def _batch(self, tenant: TenantInfo) -> int:
        session = self.db.tenant(tenant.id)
        rows = await session.list(SyncOutbox, order_by=("id",), limit=BATCH)
        for start in range(0, len(rows), WINDOW):
            await self._publish(session, rows[start:start + WINDOW])
        return len(rows)

    async def _publish(self, session: Any, rows: list[dict[str, Any]]) -> None:
        """Publish ``rows``, wait for their PubAcks and delete the acknowledged ones."""
        js = self.jetstream()
        if js is None:
            raise ConnectionError("NATS 未连接")
        faults.reached("relay.before_publish")
        futures: list[Any] = []
        for row in rows:
            futures.append(await js.publish_async(
                row["subject"], row["body"].encode("utf-8"),
                headers={"Nats-Msg-Id": row["event_id"]},
            ))
        results = await asyncio.gather(
            *(asyncio.wait_for(future, ACK_TIMEOUT) for future in futures),
            return_exceptions=True,
        )
        acked = [row["id"] for row, result in zip(rows, results, strict=True)
                 if not isinstance(result, BaseException)]
        if acked:
            faults.reached("relay.after_ack")
            await self._delete(session, acked)
            self.published += len(acked)
        failed = [(row, result) for row, result in zip(rows, results, strict=True)
                  if isinstance(result, BaseException)]
        if failed:
            reason = f"{type(failed[0][1]).__name__}: {failed[0][1]}"[:500]
            await self._note_failure(session, [row["id"] for row, _ in failed], reason)
            raise ConnectionError(f"{len(failed)} 条事件未获 JetStream 确认：{reason}")

    async def _delete(self, session: Any, ids: list[int]) -> None:
        """Delete published rows. On PostgreSQL the ids go as one array: with one
        parameter per id, the generic plan a prepared statement switches to tests
        every row of the tenant against every id (minutes for a 100,000-row
        backlog); ``= ANY($2)`` is looked up in the primary key."""
        if not self.db.postgres:
            await session.delete(SyncOutbox, {"id": ids})
            return
        await self.db.fetch('DELETE FROM "sync_outbox" WHERE "tenant_id" = $1 '
                            'AND "id" = ANY($2::bigint[]) RETURNING "id"',
                            [session.tenant_id, ids], session.tenant_id)

    async def _note_failure(self, session: Any, ids: list[int], reason: str) -> None:
        db, mark = self.db, self.db.dialect.mark
        if db.postgres:  # one array parameter, as in ``_delete``
            where, args = '"id" = ANY($3::bigint[])', [reason, session.tenant_id, ids]
        else:
            where = '"id" IN (' + ", ".join(mark(i + 3) for i in range(len(ids))) + ")"
            args = [reason, session.tenant_id, *ids]
        await db.fetch(
            f'UPDATE "sync_outbox" SET "attempts" = "attempts" + 1, "last_error" = {mark(1)} '
            f'WHERE "tenant_id" = {mark(2)} AND {where} RETURNING "id"',
            args, session.tenant_id,
        )


async def _close(connection: Any) -> None:
    """Close a listening connection politely, or at once when that fails or is cancelled."""
    try:
        await asyncio.wait_for(connection.close(), 2)
    except BaseException:
        connection.terminate()
        raise
