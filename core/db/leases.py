"""Leader election between the processes of one deployment (PostgreSQL advisory locks).

Several ``xuncha serve`` processes (uvicorn workers, or hosts behind a proxy)
may share one PostgreSQL database. Work that must run in one of them at a
time (a tenant's relay, a sync consumer, the sync tick) is guarded by a named
lease: a session-level advisory lock (``pg_try_advisory_lock``) taken on a
connection of its own. The holder keeps the lock as long as that connection
lives; when its process dies the connection drops and PostgreSQL frees the
lock, and another process takes it at its next try (each asks about once a
second). A holder that loses its connection (the database restarted, the
network broke) drops every lease it held before trying again, so it stops the
guarded work; in the moment before it notices, both may run, which the work
tolerates (the relay's ``Nats-Msg-Id`` makes JetStream store a message once,
and the inbox applies an event once).

On SQLite a deployment is one process by nature: every lease is always held.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
from typing import Any

from core.db.database import Database

__all__ = ["APPLICATION_PREFIX", "CHECK_SECONDS", "Leases", "holder_name", "lease_key"]

log = logging.getLogger(__name__)

CHECK_SECONDS = 1.0
"""How often the lease connection is checked (and a lost one reopened)."""

APPLICATION_PREFIX = "xuncha-leases "
"""``application_name`` of a lease connection (then host and pid): ``pg_locks`` joined
with ``pg_stat_activity`` tells which process holds which lease."""
_NAMESPACE = "xuncha:"


def lease_key(name: str) -> int:
    """The advisory-lock key (a signed 64-bit integer) of the lease ``name``."""
    digest = hashlib.blake2b((_NAMESPACE + name).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def holder_name() -> str:
    """This process as other processes see it in logs (host and pid)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Leases:
    """The leases one process holds, on one dedicated connection.

    Args:
        db: the deployment's database (on SQLite every lease is held).
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.held: set[str] = set()
        self._connection: Any = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    @property
    def shared(self) -> bool:
        """Whether other processes can share the database (PostgreSQL)."""
        return self.db.postgres

    async def hold(self, name: str) -> bool:
        """Whether this process holds the lease ``name``, taking it when it is free.

        Never waits for another holder: the answer is False until that holder's
        connection (or process) ends.
        """
        if not self.shared:
            return True
        if name in self.held and self._alive():
            return True
        async with self._lock:
            connection = await self._connect()
            if connection is None:
                return False
            try:
                taken = await connection.fetchval("SELECT pg_try_advisory_lock($1)",
                                                  lease_key(name))
            except Exception as exc:
                self._lost(f"{type(exc).__name__}: {exc}")
                return False
            if taken:
                self.held.add(name)
                log.info("lease %s taken by %s", name, holder_name())
            return bool(taken)

    async def release(self, name: str) -> None:
        """Give the lease ``name`` up (another process may take it at once)."""
        if name not in self.held:
            return
        self.held.discard(name)
        async with self._lock:
            if self._alive():
                with contextlib.suppress(Exception):
                    await self._connection.fetchval("SELECT pg_advisory_unlock($1)",
                                                    lease_key(name))

    def _alive(self) -> bool:
        return self._connection is not None and not self._connection.is_closed()

    async def _connect(self) -> Any:
        if self._alive():
            return self._connection
        if self._connection is not None:
            self._lost("connection closed")
        import asyncpg

        try:
            self._connection = await asyncpg.connect(
                self.db.url, timeout=5,
                server_settings={"application_name": f"{APPLICATION_PREFIX}{holder_name()}"[:63]})
        except Exception as exc:
            log.warning("leases: cannot connect: %s: %s", type(exc).__name__, exc)
            return None
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._watch(), name="xuncha-leases")
        return self._connection

    def _lost(self, reason: str) -> None:
        """The connection is gone, and with it every lock it held."""
        if self.held:
            log.warning("leases lost (%s): %s", reason, ", ".join(sorted(self.held)))
        self.held.clear()
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            connection.terminate()

    async def _watch(self) -> None:
        """Check the connection every second, so a dead one drops its leases promptly."""
        while self._connection is not None:
            await asyncio.sleep(CHECK_SECONDS)
            async with self._lock:
                if not self._alive():
                    self._lost("connection closed")
                    return
                try:
                    await asyncio.wait_for(self._connection.fetchval("SELECT 1"),
                                           CHECK_SECONDS * 5)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self._lost(f"{type(exc).__name__}: {exc}")
                    return

    async def close(self) -> None:
        """Give every lease up and close the connection."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.held.clear()
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            try:
                await asyncio.wait_for(connection.close(), 2)
            except BaseException:
                connection.terminate()
