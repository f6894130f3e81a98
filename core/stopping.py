"""Stopping background tasks: cancelled again until they end, within a bound.

A task's cancellation can be lost: on Python 3.11, when the task awaits
another task (nats-py's ``next_msg`` does) or ``asyncio.wait_for`` whose
awaited result arrives in the same loop iteration as the cancellation, the
result wins and the task carries on. Cancelling once and waiting then holds
a shutdown up until the timeout. :func:`stop_tasks` cancels what is still
running again every :data:`CANCEL_AGAIN_SECONDS` (after the first
cancellation's cleanup, e.g. leaving a NATS consumer, had its time).
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterable

__all__ = ["CANCEL_AGAIN_SECONDS", "stop_tasks"]

CANCEL_AGAIN_SECONDS = 0.5
"""How long a cancelled task is given before it is cancelled again."""


async def stop_tasks(tasks: Iterable[asyncio.Task[object]], timeout: float,
                     log: logging.Logger, what: str) -> None:
    """Cancel ``tasks`` and wait until they end, cancelling again those still running,
    at most ``timeout`` seconds; a task still running then is logged with where it
    stands, and left (what it did not finish is redone later: nothing depends on it).

    An error a task ended with (other than its cancellation) is retrieved here: it
    was logged where it happened.
    """
    pending = set(tasks)
    everything = set(pending)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while pending and (left := deadline - loop.time()) > 0:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=min(CANCEL_AGAIN_SECONDS, left))
    for task in pending:
        where = io.StringIO()
        task.print_stack(limit=8, file=where)
        log.warning("%s %s did not stop within %s s; %s", what, task.get_name(), timeout,
                    where.getvalue())
    for task in everything - pending:
        if not task.cancelled():
            task.exception()
