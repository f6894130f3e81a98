"""The sign-in throttle kept in the database, shared by every process of a deployment.

The same three counts as :class:`core.identity.throttle.LoginThrottle` (per
address, per (address, username), per username with its slow-down), with the
same limits and windows, but each failure is a row of ``login_failure``, so N
processes (uvicorn workers, hosts behind a proxy) on one PostgreSQL database
enforce one limit: attempts spread over the processes are refused at the same
count as attempts on one. ``xuncha serve`` uses it on PostgreSQL; on SQLite
(one process) the in-memory throttle stays.

A decision reads the three counts in one statement; a failure writes its rows
in one transaction. The attempts of one process take their turn
(:func:`core.identity.accounts.authenticate`); two processes checking the
same key at the same instant may each let one attempt through at the limit's
edge (the check and the write are not one lock), which bounds guessing just
as well.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from core.db import Database
from core.identity.throttle import (
    FAILURE_LIMIT,
    FAILURE_WINDOW,
    PAIR_LIMIT,
    PAIR_WINDOW,
    SLOWDOWN_AFTER,
    SLOWDOWN_INTERVAL,
)

__all__ = ["SharedLoginThrottle"]

_PRUNE_EVERY = 50
"""Failures recorded between two deletions of rows older than every window."""
_KEY_LENGTH = 200


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC: SQLite compares the stored text, so every value has one offset."""
    return moment.astimezone(UTC)


def _moment(value: Any) -> datetime | None:
    """A timestamp read back (SQLite returns the text it stored)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _pair(address: str, username: str) -> str:
    return f"{address} {username}"[:_KEY_LENGTH]


class SharedLoginThrottle:
    """Counts failed sign-ins in ``login_failure`` (see the module doc).

    Args:
        db: the deployment's database.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.limit = FAILURE_LIMIT
        self.window = FAILURE_WINDOW
        self.pair_limit = PAIR_LIMIT
        self.slowdown_after = SLOWDOWN_AFTER
        self.interval = SLOWDOWN_INTERVAL
        self._writes = itertools.count(1)

    async def refused(self, address: str, username: str, now: datetime) -> bool:
        """Whether an attempt on ``username`` from ``address`` must wait (answer 429)."""
        mark, now = self.db.dialect.mark, _utc(now)
        rows = await self.db.fetch(
            'SELECT "scope", COUNT(*) AS "n", MAX("at") AS "last" FROM "login_failure" '
            f'WHERE "at" <= {mark(1)} AND ('
            f'("scope" = \'a\' AND "key" = {mark(2)} AND "at" > {mark(3)}) OR '
            f'("scope" = \'p\' AND "key" = {mark(4)} AND "at" > {mark(5)}) OR '
            f'("scope" = \'u\' AND "key" = {mark(6)} AND "at" > {mark(5)})) '
            'GROUP BY "scope"',
            [now, address[:_KEY_LENGTH], now - self.window, _pair(address, username),
             now - PAIR_WINDOW, username[:_KEY_LENGTH]])
        counts = {row["scope"]: (int(row["n"]), _moment(row["last"])) for row in rows}
        if counts.get("a", (0, None))[0] >= self.limit:
            return True
        if counts.get("p", (0, None))[0] >= self.pair_limit:
            return True
        failures, last = counts.get("u", (0, None))
        return (failures >= self.slowdown_after and last is not None
                and last <= now < last + self.interval)

    async def blocked(self, address: str, now: datetime) -> bool:
        """Whether ``address`` has used up its failures in the window."""
        mark, now = self.db.dialect.mark, _utc(now)
        rows = await self.db.fetch(
            'SELECT COUNT(*) AS "n" FROM "login_failure" WHERE "scope" = \'a\' '
            f'AND "key" = {mark(1)} AND "at" > {mark(2)} AND "at" <= {mark(3)}',
            [address[:_KEY_LENGTH], now - self.window, now])
        return int(rows[0]["n"]) >= self.limit

    async def failed(self, address: str, now: datetime, username: str | None = None) -> None:
        """Record one failed sign-in from ``address`` (on ``username``, when known)."""
        mark, now = self.db.dialect.mark, _utc(now)
        keys = [("a", address[:_KEY_LENGTH])]
        if username is not None:
            keys += [("p", _pair(address, username)), ("u", username[:_KEY_LENGTH])]
        values = ", ".join(f"({mark(3 * i + 1)}, {mark(3 * i + 2)}, {mark(3 * i + 3)})"
                           for i in range(len(keys)))
        args = [value for scope, key in keys for value in (scope, key, now)]
        async with self.db.transaction():
            await self.db.fetch(f'INSERT INTO "login_failure" ("scope", "key", "at") '
                                f'VALUES {values} RETURNING "id"', args)
            if next(self._writes) % _PRUNE_EVERY == 0:
                oldest = now - max(self.window, PAIR_WINDOW)
                await self.db.fetch(f'DELETE FROM "login_failure" WHERE "at" < {mark(1)} '
                                    'RETURNING "id"', [oldest])

    async def succeeded(self, address: str, username: str) -> None:
        """A sign-in of ``username`` from ``address`` succeeded: its counts start over."""
        mark = self.db.dialect.mark
        await self.db.fetch(
            f'DELETE FROM "login_failure" WHERE ("scope" = \'p\' AND "key" = {mark(1)}) '
            f'OR ("scope" = \'u\' AND "key" = {mark(2)}) RETURNING "id"',
            [_pair(address, username), username[:_KEY_LENGTH]])

    async def reset(self, address: str | None = None) -> None:
        """Forget the failures of ``address`` (or everything)."""
        mark = self.db.dialect.mark
        if address is None:
            await self.db.fetch('DELETE FROM "login_failure" RETURNING "id"')
            return
        await self.db.fetch(
            f'DELETE FROM "login_failure" WHERE ("scope" = \'a\' AND "key" = {mark(1)}) '
            f'OR ("scope" = \'p\' AND "key" LIKE {mark(2)} ESCAPE \'\\\') RETURNING "id"',
            [address[:_KEY_LENGTH], address.replace("%", r"\%").replace("_", r"\_") + " %"])
