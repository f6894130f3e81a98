"""The relay: publishes outbox rows to JetStream and deletes them on PubAck.

Rows go out in ``id`` order per tenant with ``Nats-Msg-Id`` = the event id,
so a row published twice (a crash between PubAck and the delete) is stored
once by the stream, and the receiver's inbox catches anything older than the
stream's duplicate window. A failed batch keeps its rows and is retried with
back-off capped at one second, which is what lets catch-up start within a
second or so of a link returning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from nats.js import JetStreamContext

from core.db import Database
from core.sync import faults
from core.sync.tables import SyncOutbox
from core.tenancy.model import TenantInfo
from core.tenancy.registry import TenantRegistry

__all__ = ["Relay", "backoff"]

log = logging.getLogger(__name__)

BATCH = 500
ACK_TIMEOUT = 2.0
SWEEP_SECONDS = 1.0
MAX_BACKOFF = 1.0


def backoff(failures: int) -> float:
    """Seconds to wait after ``failures`` failures in a row (50 ms doubling, capped at 1 s)."""
    return min(MAX_BACKOFF, 0.05 * 2 ** max(0, failures - 1))


class Relay:
    """Publishes the outbox of every tenant of this deployment.

    Args:
        db: the database.
        tenants: the tenant registry (every tenant of the deployment).
        jetstream: returns the JetStream context of the sync domain (None while
            NATS is not connected).
    """

    def __init__(self, db: Database, tenants: TenantRegistry,
                 jetstream: Callable[[], JetStreamContext | None]) -> None:
        self.db = db
        self.tenants = tenants
        self.jetstream = jetstream
        self.published = 0
        self.failures = 0
        self.last_error = ""
        self._wake = asyncio.Event()
        self._dirty: set[int] = set()

    def wake(self, tenant_id: int) -> None:
        """Note that ``tenant_id`` committed outbox rows (called from ``outbox.notify``)."""
        self._dirty.add(tenant_id)
        self._wake.set()

    async def run(self) -> None:
        """Publish until cancelled: at once when woken, and every second for rows
        written by other processes (a CLI command, another worker)."""
        loop = asyncio.get_running_loop()
        next_sweep = 0.0
        while True:
            now = loop.time()
            sweep = now >= next_sweep
            if sweep:
                next_sweep = now + SWEEP_SECONDS
            dirty, self._dirty = self._dirty, set()
            self._wake.clear()
            try:
                for tenant in await self.tenants.all():
                    if sweep or tenant.id in dirty:
                        await self.drain(tenant)
                self.failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                if self.failures in (1, 10) or self.failures % 100 == 0:
                    log.warning("sync relay: %s (attempt %d)", self.last_error, self.failures)
                self._dirty |= dirty
                next_sweep = 0.0
                await asyncio.sleep(backoff(self.failures))
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, next_sweep - loop.time()))

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

    async def _batch(self, tenant: TenantInfo) -> int:
        session = self.db.tenant(tenant.id)
        rows = await session.list(SyncOutbox, order_by=("id",), limit=BATCH)
        if not rows:
            return 0
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
            await session.delete(SyncOutbox, {"id": acked})
            self.published += len(acked)
        failed = [(row, result) for row, result in zip(rows, results, strict=True)
                  if isinstance(result, BaseException)]
        if failed:
            reason = f"{type(failed[0][1]).__name__}: {failed[0][1]}"[:500]
            await self._note_failure(session, [row["id"] for row, _ in failed], reason)
            raise ConnectionError(f"{len(failed)} 条事件未获 JetStream 确认：{reason}")
        return len(rows)

    async def _note_failure(self, session: Any, ids: list[int], reason: str) -> None:
        db, mark = self.db, self.db.dialect.mark
        placeholders = ", ".join(mark(i + 3) for i in range(len(ids)))
        await db.fetch(
            f'UPDATE "sync_outbox" SET "attempts" = "attempts" + 1, "last_error" = {mark(1)} '
            f'WHERE "tenant_id" = {mark(2)} AND "id" IN ({placeholders}) RETURNING "id"',
            [reason, session.tenant_id, *ids], session.tenant_id,
        )
