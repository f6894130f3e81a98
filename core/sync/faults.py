"""Crash points for the reliability tests: die by SIGKILL at a chosen moment.

``XUNCHA_TEST_CRASH_AT=<point>:<n>`` makes the process kill itself (SIGKILL,
no cleanup, like a power cut) the ``n``-th time it reaches ``point``:

- ``relay.before_publish``: outbox rows read, nothing published yet
  (between commit and publish);
- ``relay.after_ack``: JetStream acknowledged a batch, the rows are not yet
  deleted (the batch will be published again);
- ``pull.before_ack``: a batch applied and committed, not yet acknowledged
  (it will be delivered again).

Unset, :func:`reached` costs one comparison.
"""

from __future__ import annotations

import os
import signal

__all__ = ["POINTS", "reached"]

POINTS = ("relay.before_publish", "relay.after_ack", "pull.before_ack")

_point, _, _count = os.environ.get("XUNCHA_TEST_CRASH_AT", "").partition(":")
_remaining = int(_count or "1") if _point else 0


def reached(point: str) -> None:
    """Kill this process if ``point`` is the crash point and its count is reached."""
    global _remaining
    if point != _point:
        return
    _remaining -= 1
    if _remaining <= 0:
        os.kill(os.getpid(), signal.SIGKILL)
