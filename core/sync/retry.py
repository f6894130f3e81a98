"""How the sync loops wait and speak after a failure.

A link or a server that is starting makes the first attempts fail as a
matter of course, so a connection failure is logged as a warning only when
it goes on (the 3rd, the 10th and every 100th in a row) and at debug level
otherwise.
"""

from __future__ import annotations

import logging

__all__ = ["MAX_BACKOFF", "backoff", "report"]

MAX_BACKOFF = 1.0
"""Seconds between retries at most: a link that returns is used within a second."""


def backoff(failures: int) -> float:
    """Seconds to wait after ``failures`` failures in a row (50 ms doubling, capped at 1 s)."""
    return float(min(MAX_BACKOFF, 0.05 * 2 ** max(0, failures - 1)))


def report(log: logging.Logger, failures: int, message: str, *args: object,
           first: int = 3) -> None:
    """Log the ``failures``-th failure in a row of ``message % args``.

    Args:
        log: the caller's logger.
        failures: failures in a row so far (1 for the first).
        message: a %-format with ``args``.
        first: the first failure worth a warning (1 where no failure is usual).
    """
    warn = failures in (first, 10) or failures % 100 == 0
    level = logging.WARNING if warn else logging.DEBUG
    log.log(level, message + " (attempt %d)", *args, failures)
