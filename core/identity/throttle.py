"""Throttling of failed sign-ins, kept in memory: no hard lockout, no username oracle.

Three counts, all in sliding windows, all the same for real and unknown
usernames (so the answers never tell whether an account exists):

* per client address (``FAILURE_LIMIT`` in ``FAILURE_WINDOW``): one address
  guessing many accounts is refused;
* per (client address, username) (``PAIR_LIMIT`` in ``PAIR_WINDOW``): one
  address guessing one account is refused for that account only, so an
  attacker cannot lock the owner out: the owner signs in from elsewhere;
* per username, from any address (``SLOWDOWN_AFTER`` in ``PAIR_WINDOW``):
  a distributed guess is slowed down, not stopped: the username then takes
  one attempt per ``SLOWDOWN_INTERVAL``. Keeping an owner out this way needs
  many addresses spending an attempt every interval, each of them soon
  refused by its own counts; a hard lockout (the former 15 minutes after five
  failures) let anyone lock anyone out with five requests.

A refused attempt answers 429 and is not counted. These counts are kept in
memory, per process (SQLite deployments are one process); on PostgreSQL,
where several processes may serve a deployment, ``xuncha serve`` keeps the
same counts in the database instead (:mod:`core.identity.shared_throttle`).
The client address is the connection's peer unless
``XUNCHA_TRUSTED_PROXIES`` names the proxy in front (see
:mod:`core.web.proxies`). Time comes from the app's clock so tests can move it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

__all__ = [
    "FAILURE_LIMIT",
    "FAILURE_WINDOW",
    "PAIR_LIMIT",
    "PAIR_WINDOW",
    "SLOWDOWN_AFTER",
    "SLOWDOWN_INTERVAL",
    "LoginThrottle",
]

FAILURE_LIMIT = 20
"""Failed sign-ins from one address within the window before it is refused."""
FAILURE_WINDOW = timedelta(minutes=10)
"""The sliding window the failures of an address are counted in."""
PAIR_LIMIT = 5
"""Failed sign-ins of one username from one address before that pair is refused."""
PAIR_WINDOW = timedelta(minutes=15)
"""The sliding window of the per-pair and per-username counts."""
SLOWDOWN_AFTER = 10
"""Failed sign-ins of one username (any address) that start its slow-down."""
SLOWDOWN_INTERVAL = timedelta(seconds=30)
"""During a slow-down, the least time between two attempts on the username."""
_MAX_KEYS = 10_000
_Key = TypeVar("_Key", str, tuple[str, str])


@dataclass
class _UserState:
    failures: deque[datetime] = field(default_factory=deque)
    last_attempt: datetime | None = None


def _slide(times: deque[datetime], window: timedelta, now: datetime) -> None:
    while times and (now - times[0] >= window or times[0] > now):
        times.popleft()  # older than the window (or from a clock moved back)


def _drop_oldest_half(table: dict[_Key, deque[datetime]]) -> None:
    if len(table) >= _MAX_KEYS:
        oldest = sorted(table, key=lambda key: table[key][-1])
        for key in oldest[: len(oldest) // 2]:
            del table[key]


class LoginThrottle:
    """Counts failed sign-ins per address, per (address, username) and per username.

    Args:
        limit: failures of one address allowed in ``window``.
        window: the address window's length.
        pair_limit: failures of one username from one address in ``PAIR_WINDOW``.
        slowdown_after: failures of one username that start its slow-down.
        interval: the least time between attempts on a slowed-down username.
    """

    def __init__(self, limit: int = FAILURE_LIMIT, window: timedelta = FAILURE_WINDOW, *,
                 pair_limit: int = PAIR_LIMIT, slowdown_after: int = SLOWDOWN_AFTER,
                 interval: timedelta = SLOWDOWN_INTERVAL) -> None:
        self.limit = limit
        self.window = window
        self.pair_limit = pair_limit
        self.slowdown_after = slowdown_after
        self.interval = interval
        self._failures: dict[str, deque[datetime]] = {}
        self._pairs: dict[tuple[str, str], deque[datetime]] = {}
        self._users: dict[str, _UserState] = {}

    def _recent(self, address: str, now: datetime) -> deque[datetime] | None:
        times = self._failures.get(address)
        if times is None:
            return None
        _slide(times, self.window, now)
        if not times:
            del self._failures[address]
            return None
        return times

    def _pair(self, key: tuple[str, str], now: datetime) -> deque[datetime] | None:
        times = self._pairs.get(key)
        if times is None:
            return None
        _slide(times, PAIR_WINDOW, now)
        if not times:
            del self._pairs[key]
            return None
        return times

    def _user(self, username: str, now: datetime) -> _UserState | None:
        state = self._users.get(username)
        if state is None:
            return None
        _slide(state.failures, PAIR_WINDOW, now)
        if not state.failures:
            del self._users[username]
            return None
        return state

    def blocked(self, address: str, now: datetime) -> bool:
        """Whether ``address`` has used up its failures in the window."""
        times = self._recent(address, now)
        return times is not None and len(times) >= self.limit

    def refused(self, address: str, username: str, now: datetime) -> bool:
        """Whether an attempt on ``username`` from ``address`` must wait (answer 429)."""
        if self.blocked(address, now):
            return True
        pair = self._pair((address, username), now)
        if pair is not None and len(pair) >= self.pair_limit:
            return True
        state = self._user(username, now)
        return (state is not None and len(state.failures) >= self.slowdown_after
                and state.last_attempt is not None
                and state.last_attempt <= now < state.last_attempt + self.interval)

    def failed(self, address: str, now: datetime, username: str | None = None) -> None:
        """Record one failed sign-in from ``address`` (on ``username``, when known)."""
        times = self._recent(address, now)
        if times is None:
            if len(self._failures) >= _MAX_KEYS:
                self._prune(now)
            times = self._failures.setdefault(address, deque(maxlen=self.limit))
        times.append(now)
        if username is None:
            return
        pair = self._pair((address, username), now)
        if pair is None:
            if len(self._pairs) >= _MAX_KEYS:
                self._prune(now)
            pair = self._pairs.setdefault((address, username), deque(maxlen=self.pair_limit))
        pair.append(now)
        state = self._user(username, now)
        if state is None:
            if len(self._users) >= _MAX_KEYS:
                self._prune(now)
            state = self._users.setdefault(username, _UserState(
                deque(maxlen=self.slowdown_after)))
        state.failures.append(now)
        state.last_attempt = now

    def succeeded(self, address: str, username: str) -> None:
        """A sign-in of ``username`` from ``address`` succeeded: its counts start over."""
        self._pairs.pop((address, username), None)
        self._users.pop(username, None)

    def _prune(self, now: datetime) -> None:
        # Bound memory under a spray from many addresses or usernames: forget stale
        # entries, and if that is not enough, the oldest half.
        for address in list(self._failures):
            self._recent(address, now)
        for key in list(self._pairs):
            self._pair(key, now)
        for username in list(self._users):
            self._user(username, now)
        _drop_oldest_half(self._failures)
        _drop_oldest_half(self._pairs)
        if len(self._users) >= _MAX_KEYS:
            users = sorted(self._users, key=lambda u: self._users[u].failures[-1])
            for username in users[: len(users) // 2]:
                del self._users[username]

    def reset(self, address: str | None = None) -> None:
        """Forget the failures of ``address`` (or everything)."""
        if address is None:
            self._failures.clear()
            self._pairs.clear()
            self._users.clear()
        else:
            self._failures.pop(address, None)
            for key in [k for k in self._pairs if k[0] == address]:
                del self._pairs[key]
