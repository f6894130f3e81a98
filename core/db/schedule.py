"""Scheduled work run once per period across the processes of a deployment.

A process about to run scheduled work (the overdue scan, the sync tick)
first claims the period: it inserts ``(name, period)`` into
``scheduled_run``, whose primary key lets exactly one insert succeed. The
winner runs the work; the others skip the period. A process that dies after
claiming loses only that period's run: the next period is claimed by any
survivor. The same code runs on SQLite (one process, every claim succeeds
once per period).
"""

from __future__ import annotations

from datetime import datetime

from piccolo.columns import BigInt, Timestamptz, Varchar
from piccolo.table import Table

from core.db.database import Database

__all__ = ["ScheduledRun", "claim_period", "period_of", "schedule_name"]


class ScheduledRun(Table, tablename="scheduled_run"):
    """A period of scheduled work claimed by one process (``holder``: host and pid)."""

    app_writable = True

    name = Varchar(length=64)
    period = BigInt()
    holder = Varchar(length=128)
    claimed_at = Timestamptz()


def schedule_name(work: str, seconds: float) -> str:
    """The name periods of ``work`` every ``seconds`` are claimed under.

    The period's length is part of it: processes configured with different
    periods (a misconfiguration) then keep separate schedules, instead of one
    taking the other's claims for stale ones.
    """
    return f"{work}/{seconds:g}s"


def period_of(now: datetime, seconds: float) -> int:
    """The number of the period of ``seconds`` that ``now`` falls in (from the epoch)."""
    return int(now.timestamp() // max(seconds, 0.001))


async def claim_period(db: Database, name: str, period: int, holder: str,
                       now: datetime) -> bool:
    """Claim ``period`` of the work ``name`` for ``holder``; False when another has it.

    Also forgets claims of ``name`` older than a hundred periods, so the table
    stays small.
    """
    mark = db.dialect.mark
    async with db.transaction():
        rows = await db.fetch(
            f'INSERT INTO "scheduled_run" ("name", "period", "holder", "claimed_at") '
            f'VALUES ({mark(1)}, {mark(2)}, {mark(3)}, {mark(4)}) '
            'ON CONFLICT ("name", "period") DO NOTHING RETURNING "id"',
            [name, period, holder, now])
        if rows:
            await db.fetch(f'DELETE FROM "scheduled_run" WHERE "name" = {mark(1)} '
                           f'AND "period" < {mark(2)} RETURNING "id"', [name, period - 100])
    return bool(rows)
