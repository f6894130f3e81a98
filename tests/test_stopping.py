"""Stopping background tasks (core.stopping): a lost cancellation is repeated."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

from core.stopping import CANCEL_AGAIN_SECONDS, stop_tasks

log = logging.getLogger("tests.stopping")


async def _loses_its_first_cancellation(seen: list[str]) -> None:
    """Like a task whose awaited result arrived with the cancellation: it goes on."""
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        seen.append("lost")
    await asyncio.sleep(3600)


async def _never_stops(released: asyncio.Event) -> None:
    """Swallows every cancellation until ``released``."""
    while not released.is_set():
        with contextlib.suppress(asyncio.CancelledError):
            await released.wait()


async def _fails() -> None:
    raise RuntimeError("broke")


async def test_a_task_that_lost_its_cancellation_is_cancelled_again() -> None:
    seen: list[str] = []
    task = asyncio.create_task(_loses_its_first_cancellation(seen))
    await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await stop_tasks([task], 30.0, log, "test task")
    assert seen == ["lost"] and task.cancelled()
    # Cancelled again after the pause, not after the 30 s bound.
    assert loop.time() - started < 30.0 and loop.time() - started >= CANCEL_AGAIN_SECONDS


async def test_a_task_that_never_stops_is_left_and_logged_with_where_it_stands(
        caplog: pytest.LogCaptureFixture) -> None:
    released = asyncio.Event()
    task = asyncio.create_task(_never_stops(released), name="stubborn")
    failed = asyncio.create_task(_fails())
    await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING, logger="tests.stopping"):
        await stop_tasks([task, failed], 1.2, log, "test task")
    assert not task.done()
    (record,) = [r for r in caplog.records if r.name == "tests.stopping"]
    assert "test task stubborn did not stop within 1.2 s" in record.getMessage()
    assert "_never_stops" in record.getMessage()
    # The failed task's error was retrieved (no "never retrieved" warning at collection).
    assert failed.done() and not failed.cancelled()
    assert failed._log_traceback is False  # type: ignore[attr-defined]
    released.set()
    await task
