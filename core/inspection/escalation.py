"""The overdue scan: overdue ledger items escalate by notices (超期督办).

An item past its deadline and not yet submitted goes one level up
supervision notice → reminder → warning → accountability: the first scan
after the deadline sends the supervision notice, each next level waits at
least ``escalation_interval_days`` (a tenant setting) after the last one.
Running the scan again on the same day changes nothing.

One tenant is scanned in one transaction: the candidates are read in one
statement and updated per level in bulk; each update only takes rows still
at the level read, so two scanners running at once never escalate twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

from core.db.leases import holder_name
from core.db.schedule import claim_period, period_of, schedule_name
from core.inspection.common import load_inspection
from core.inspection.ledger import item_event
from core.inspection.ledger_query import ITEM_COLUMNS, OVERDUE_STATUSES
from core.inspection.model import ESCALATION_LABELS, Escalation
from core.inspection.tables import RectificationAction, RectificationItem
from core.observability.metrics import SCAN_DURATION
from core.stopping import stop_tasks
from core.work import Work

__all__ = [
    "LEVELS",
    "SCAN_ACTOR",
    "SCAN_INTERVAL_SECONDS",
    "SCAN_SCHEDULE",
    "OverdueScanner",
    "ScanResult",
    "next_level",
    "scan_all",
    "scan_overdue",
]

log = logging.getLogger(__name__)

STOP_TIMEOUT = 10.0
"""Seconds :meth:`OverdueScanner.stop` waits for its cancelled loop to end."""

LEVELS: tuple[Escalation, ...] = (
    Escalation.supervision_notice, Escalation.reminder, Escalation.warning,
    Escalation.accountability,
)
"""The notices, in the order they are sent."""

SCAN_ACTOR = "system:overdue-scan"
"""Who the scheduled scan acts as in the audit trail and the item history."""

SCAN_INTERVAL_SECONDS = 3600
"""How often the scheduled scan runs (it also runs once when the app starts);
``XUNCHA_OVERDUE_SCAN_SECONDS`` sets it for ``xuncha serve``."""

SCAN_SCHEDULE = "overdue-scan"
"""The work the scan's periods are claimed under (``scheduled_run``, with the period)."""

FIRST_PASS_WAIT_SECONDS = 30.0
"""How long the app's start waits for the first scan before serving anyway."""

_CHUNK = 5000

_SELECT = ", ".join(f'"{c}"' for c in ITEM_COLUMNS)


class ScanResult(msgspec.Struct, kw_only=True):
    """What one scan of one tenant did: items escalated to each level."""

    tenant: str
    today: date
    supervision_notice: int = 0
    reminder: int = 0
    warning: int = 0
    accountability: int = 0

    @property
    def total(self) -> int:
        """Items escalated in all."""
        return self.supervision_notice + self.reminder + self.warning + self.accountability

    def summary(self) -> str:
        """One line in Chinese, e.g. "督办通知 3，提醒 1，预警 0，问责 0（共 4 项）"."""
        counts = "，".join(f"{ESCALATION_LABELS[level]} {getattr(self, level.value)}"
                          for level in LEVELS)
        return f"{counts}（共 {self.total} 项）"


def next_level(current: str) -> Escalation | None:
    """The level after ``current``, or None at accountability."""
    if current == Escalation.none:
        return LEVELS[0]
    index = LEVELS.index(Escalation(current)) + 1
    return LEVELS[index] if index < len(LEVELS) else None


def _remark(level: Escalation, days: int) -> str:
    if level == Escalation.accountability:
        return f"超期 {days} 天，经督办仍未整改，启动问责"
    return f"超期 {days} 天，发出{ESCALATION_LABELS[level]}"


async def _candidates(work: Work, today: date, cutoff: date,
                      inspection_id: int | None) -> list[dict[str, Any]]:
    """Overdue items due for their next notice, in one statement."""
    session = work.session
    mark = session.db.dialect.mark
    args: list[Any] = [session.tenant_id, today, *OVERDUE_STATUSES,
                       Escalation.none.value, Escalation.accountability.value, cutoff]
    sql = (f'SELECT {_SELECT} FROM "rectification_item" WHERE "tenant_id" = {mark(1)} '
           f'AND "deadline" < {mark(2)} AND "status" IN ({mark(3)}, {mark(4)}) '
           f'AND ("escalation" = {mark(5)} OR ("escalation" <> {mark(6)} '
           f'AND "escalated_on" <= {mark(7)}))')
    if inspection_id is not None:
        args.append(inspection_id)
        sql += f' AND "inspection_id" = {mark(len(args))}'
    return await session.db.fetch(sql + ' ORDER BY "id"', args, session.tenant_id)


async def _escalate(work: Work, rows: Sequence[dict[str, Any]], level: Escalation,
                    today: date) -> list[dict[str, Any]]:
    """Move ``rows`` (all at the level before ``level``) up; returns the rows moved."""
    session, now = work.session, work.clock.now()
    before = rows[0]["escalation"]
    moved: set[int] = set()
    for start in range(0, len(rows), _CHUNK):
        ids = [r["id"] for r in rows[start:start + _CHUNK]]
        moved.update(await session.update(
            RectificationItem, {"id": ids, "escalation": before},
            {"escalation": level.value, "escalated_on": today, "updated_at": now}))
    done = [r for r in rows if r["id"] in moved]
    await session.insert(RectificationAction, [{
        "item_id": r["id"], "kind": "escalation", "from_value": before, "to_value": level.value,
        "actor": work.actor, "at": now, "remark": _remark(level, (today - r["deadline"]).days),
    } for r in done])
    for row in done:
        row.update(escalation=level.value, escalated_on=today, updated_at=now)
        work.emit(item_event(row, today))
    return done


async def scan_overdue(work: Work, inspection_id: int | None = None) -> ScanResult:
    """Escalate the tenant's overdue items by one level each, where due.

    Args:
        work: the tenant's unit of work (its clock says what today is).
        inspection_id: only this inspection's items (404 if not the tenant's).

    Returns:
        How many items reached each level.
    """
    today = work.clock.today()
    interval = max(1, int(work.setting("escalation_interval_days")))
    result = ScanResult(tenant=work.tenant.code, today=today)
    async with work.transaction():
        if inspection_id is not None:
            await load_inspection(work.session, inspection_id)
        rows = await _candidates(work, today, today - timedelta(days=interval), inspection_id)
        by_level: dict[Escalation, list[dict[str, Any]]] = {}
        for row in rows:
            level = next_level(row["escalation"])
            if level is not None:
                by_level.setdefault(level, []).append(row)
        for level, group in by_level.items():
            done = await _escalate(work, group, level, today)
            setattr(result, level.value, len(done))
            if done:
                await work.audit("rectification_item.escalate", "rectification_item", "", {
                    "level": level.value, "count": len(done), "today": today.isoformat(),
                    "item_ids": [r["id"] for r in done]})
    return result


async def scan_all(runtime: Any, actor: str = SCAN_ACTOR,
                   only: str | None = None) -> list[tuple[str, ScanResult | Exception]]:
    """Scan every tenant (or tenant ``only``); a failing tenant does not stop the others.

    Args:
        runtime: anything with ``db``, ``tenants`` (a ``TenantRegistry``), ``clock``
            and ``plugins`` (the app's ``Runtime``).
        actor: who the scan acts as.
        only: a tenant code.

    Returns:
        ``(tenant code, result or the exception)`` per tenant.
    """
    await runtime.tenants.refresh(force=True)
    out: list[tuple[str, ScanResult | Exception]] = []
    for tenant in await runtime.tenants.all():
        if only is not None and tenant.code != only:
            continue
        work = Work(session=runtime.db.tenant(tenant.id), tenant=tenant, actor=actor,
                    clock=runtime.clock, plugins=runtime.plugins)
        try:
            out.append((tenant.code, await scan_overdue(work)))
        except Exception as exc:
            log.exception("overdue scan failed for tenant %s", tenant.code)
            out.append((tenant.code, exc))
    return out


class OverdueScanner:
    """The scheduled scan: every tenant once at start, then every ``interval`` seconds.

    On PostgreSQL several processes may serve one deployment: the scan then
    runs once per period of ``interval`` seconds across all of them. Each
    process wakes at the start of a period and claims it
    (:func:`core.db.schedule.claim_period`); only the one whose claim
    succeeded scans, the others count the period in ``skipped``.
    """

    def __init__(self, runtime: Any, interval: float = SCAN_INTERVAL_SECONDS) -> None:
        self.runtime = runtime
        self.interval = interval
        self.first_pass = asyncio.Event()
        self.passes = 0
        self.skipped = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def shared(self) -> bool:
        """Whether other processes may share the database (then periods are claimed)."""
        return bool(getattr(self.runtime.db, "postgres", False))

    async def _claim(self) -> bool:
        """Claim the current period for this process (always True on SQLite)."""
        if not self.shared:
            return True
        period = period_of(datetime.now(UTC), self.interval)
        try:
            claimed = await claim_period(self.runtime.db,
                                         schedule_name(SCAN_SCHEDULE, self.interval), period,
                                         holder_name(), datetime.now(UTC))
        except Exception:
            log.exception("overdue scan: claiming period %d failed", period)
            return False
        if claimed:
            log.info("overdue scan: period %d claimed by %s", period, holder_name())
        return claimed

    async def _pass(self) -> None:
        started = time.perf_counter()
        try:
            results = await scan_all(self.runtime)
        except Exception:
            log.exception("overdue scan failed")
            return
        finally:
            SCAN_DURATION.observe(time.perf_counter() - started)
            self.passes += 1
            self.first_pass.set()
        escalated = sum(r.total for _, r in results if isinstance(r, ScanResult))
        if escalated:
            log.info("overdue scan: %d items escalated in %d tenants", escalated, len(results))

    async def _loop(self) -> None:
        while True:
            if await self._claim():
                await self._pass()
            else:
                self.skipped += 1
                self.first_pass.set()  # another process scans this period
            await asyncio.sleep(self._until_next())

    def _until_next(self) -> float:
        """Seconds to sleep: the interval, or on PostgreSQL until the next period starts."""
        if not self.shared:
            return self.interval
        now = datetime.now(UTC).timestamp()
        return self.interval - now % self.interval + 0.01

    async def start(self, wait: float = FIRST_PASS_WAIT_SECONDS) -> None:
        """Start the loop and wait (at most ``wait`` seconds) for the first pass."""
        self._task = asyncio.create_task(self._loop(), name="xuncha-overdue-scan")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.first_pass.wait(), wait)

    async def stop(self) -> None:
        """Cancel the loop and wait for it to end."""
        task, self._task = self._task, None
        if task is None:
            return
        # Bounded, like the sync service's stop: a scan cannot hold the shutdown up.
        await stop_tasks([task], STOP_TIMEOUT, log, "the overdue scanner")
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.warning("the overdue scanner ended with an error: %r", task.exception())
