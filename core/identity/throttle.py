"""Per-address throttle of failed sign-ins, kept in memory.

Account lockout stops guessing one account's password; this stops one
address from guessing many accounts (and from locking them all out
quickly). It is per process: with several processes an address gets the
limit in each, which still bounds guessing. Time comes from the app's
clock so tests can move it.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

__all__ = ["FAILURE_LIMIT", "FAILURE_WINDOW", "LoginThrottle"]

FAILURE_LIMIT = 20
"""Failed sign-ins from one address within the window before it is refused."""
FAILURE_WINDOW = timedelta(minutes=10)
"""The sliding window the failures are counted in."""
_MAX_ADDRESSES = 10_000


class LoginThrottle:
    """Counts failed sign-ins per client address in a sliding window.

    Args:
        limit: failures allowed in the window; the next attempt is refused.
        window: the window's length.
    """

    def __init__(self, limit: int = FAILURE_LIMIT, window: timedelta = FAILURE_WINDOW) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[datetime]] = {}

    def _recent(self, address: str, now: datetime) -> deque[datetime] | None:
        times = self._failures.get(address)
        if times is None:
            return None
        while times and (now - times[0] >= self.window or times[0] > now):
            times.popleft()  # older than the window (or from a clock moved back)
        if not times:
            del self._failures[address]
            return None
        return times

    def blocked(self, address: str, now: datetime) -> bool:
        """Whether ``address`` has used up its failures in the window."""
        times = self._recent(address, now)
        return times is not None and len(times) >= self.limit

    def failed(self, address: str, now: datetime) -> None:
        """Record one failed sign-in from ``address``."""
        times = self._recent(address, now)
        if times is None:
            if len(self._failures) >= _MAX_ADDRESSES:
                self._prune(now)
            times = self._failures.setdefault(address, deque(maxlen=self.limit))
        times.append(now)

    def _prune(self, now: datetime) -> None:
        # Bound memory under a spray from many addresses: forget stale ones,
        # and if that is not enough, the oldest half.
        for address in list(self._failures):
            self._recent(address, now)
        if len(self._failures) >= _MAX_ADDRESSES:
            oldest = sorted(self._failures, key=lambda a: self._failures[a][-1])
            for address in oldest[: len(oldest) // 2]:
                del self._failures[address]

    def reset(self, address: str | None = None) -> None:
        """Forget the failures of ``address`` (or of every address)."""
        if address is None:
            self._failures.clear()
        else:
            self._failures.pop(address, None)
