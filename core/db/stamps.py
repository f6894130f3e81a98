"""Data stamps: a number per tenant that grows whenever that tenant's data changes.

Every statement that writes goes through :class:`core.db.Database`, which
notes the tenant written (or ``SHARED`` for a shared table: accounts, the
tenant registry, policies...) and bumps its stamp in ``data_stamp`` when the
write is committed: on SQLite in the writing transaction itself (one writer
at a time anyway), on PostgreSQL right after ``COMMIT`` in a statement of its
own, so writers of one tenant never wait on each other for the stamp row. A
reader that sees the same stamps as an earlier answer may reuse that answer
(see :mod:`core.web.read_cache`): every process of a deployment shares the
table, so a write by any of them (the CLI and the sync service included)
shows.

A request of a route whose answers are kept reads the stamps first. Requests
arriving together share one read (:class:`StampReader`): each waits for a
read begun after it arrived, so it sees every write committed before it came,
and a burst of requests costs one query per round trip instead of one each.

Writes on every request or by the machinery itself (the touch of a session
or an API token in use, sign-in failures, scheduled runs) change no answer
and bump nothing.
"""

from __future__ import annotations

import asyncio
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from piccolo.columns import BigInt, Integer
from piccolo.table import Table

if TYPE_CHECKING:
    from core.db.database import Database

__all__ = [
    "QUIET_TABLES",
    "SHARED",
    "DataStamp",
    "StampReader",
    "Stamps",
    "bump_sql",
    "written_table",
]

SHARED = 0
"""The stamp of shared data (any tenant's answer may depend on it)."""

QUIET_TABLES = frozenset({"login_failure", "scheduled_run", "data_stamp"})
"""Tables whose writes bump nothing (the touch of a session or token on use passes
``quiet=True`` instead: its other writes, a sign-in or a revocation, bump the shared
stamp, which is what lets a process trust a credential it checked a moment ago)."""

_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
_READ = re.compile(r"\s*(?:SELECT|PRAGMA|EXPLAIN|SHOW)\b", re.IGNORECASE)
_WITH_WRITE = re.compile(r"\b(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


class DataStamp(Table, tablename="data_stamp"):
    """One row per tenant (``scope`` = its id) and one for shared data (``scope`` = 0)."""

    app_writable = True

    scope = Integer(unique=True)
    stamp = BigInt(default=0)


def written_table(sql: str) -> str | None:
    """The table a statement writes, ``"*"`` when it writes but the table is not plain to
    see (``WITH ... INSERT``, DDL), or None when it only reads."""
    if _READ.match(sql):
        return None
    match = _WRITE.match(sql)
    if match:
        return match.group(1)
    if sql.lstrip()[:4].upper() == "WITH" and not _WITH_WRITE.search(sql):
        return None
    return "*"


def bump_sql(scopes: Iterable[int], mark: Any) -> tuple[str, list[int]]:
    """The upsert adding one to each scope's stamp (in a fixed order: no deadlock).

    Args:
        scopes: tenant ids and/or :data:`SHARED`.
        mark: the dialect's placeholder function (``mark(1)`` -> ``$1`` or ``?1``).
    """
    ordered = sorted(set(scopes))
    values = ", ".join(f"({mark(i + 1)}, 1)" for i in range(len(ordered)))
    return (f'INSERT INTO "data_stamp" ("scope", "stamp") VALUES {values} '
            f'ON CONFLICT ("scope") DO UPDATE SET "stamp" = "data_stamp"."stamp" + 1'), ordered


@dataclass(frozen=True, slots=True)
class Stamps:
    """Every stamp at one moment, and the policy version (PostgreSQL) read with them."""

    by_scope: dict[int, int]
    policy: int | None

    def of(self, tenant_id: int) -> tuple[int, int]:
        """``(tenant stamp, shared stamp)`` of ``tenant_id`` (0 before any write)."""
        return self.by_scope.get(tenant_id, 0), self.by_scope.get(SHARED, 0)


class _Flight:
    """The reads of one event loop: the one under way and the future of the next."""

    __slots__ = ("next", "task")

    def __init__(self) -> None:
        self.next: asyncio.Future[Stamps] | None = None
        self.task: asyncio.Task[None] | None = None


class StampReader:
    """Every stamp (and on PostgreSQL the policy version) in one query, shared by the
    requests waiting at the same time.

    A caller waits for a read that begins after it asked: while one read is under
    way, the callers arriving meanwhile wait for the next, which starts as soon as
    the first ends. So an answer never predates the caller, and concurrent callers
    cost one query per round trip.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._flights: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Flight] = (
            weakref.WeakKeyDictionary())

    async def read(self) -> Stamps:
        """The stamps as of a moment after this call began."""
        loop = asyncio.get_running_loop()
        flight = self._flights.get(loop)
        if flight is None:
            flight = self._flights[loop] = _Flight()
        if flight.next is None:
            flight.next = loop.create_future()
            if flight.task is None or flight.task.done():
                flight.task = loop.create_task(self._run(flight), name="xuncha-stamps")
        # Shielded: a caller that gives up (its client went away) leaves the read to
        # the others.
        return await asyncio.shield(flight.next)

    async def _run(self, flight: _Flight) -> None:
        while flight.next is not None:
            future, flight.next = flight.next, None
            try:
                stamps = await self._read_all()
            except Exception as exc:
                future.set_exception(exc)
                future.exception()  # retrieved here too: nobody may be waiting any more
            except BaseException:  # cancelled (shutdown): the waiters learn it
                future.cancel()
                if flight.next is not None:
                    flight.next.cancel()
                    flight.next = None
                raise
            else:
                future.set_result(stamps)

    async def _read_all(self) -> Stamps:
        sql = 'SELECT "scope", "stamp" FROM "data_stamp"'
        if self.db.postgres:
            sql += ' UNION ALL SELECT -1, "version" FROM "policy_version" WHERE "id" = 1'
        found = {int(r["scope"]): int(r["stamp"]) for r in await self.db.fetch(sql)}
        return Stamps(by_scope=found, policy=found.pop(-1, None))
