"""Credentials checked a moment ago, trusted again without the database while nothing changed.

A route whose answers are kept (:mod:`core.web.read_cache`) reads the data
stamps before anything else; the shared stamp grows with every committed
write to accounts, sessions and API tokens (a sign-in, a sign-out, a
revocation, an account disabled or its password changed, by any process),
but not with the touch that records a credential's use. So a session cookie
or an API token resolved from the database while the shared stamp was ``s``
gives the same principal while the stamp is still ``s`` and the clock has
not reached the instant the resolution named (the credential's expiry, the
session's idle limit, or its next touch, whichever comes first). A revoked
token or disabled account is thus refused on its next request in every
process, as when every request read the database.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import NamedTuple

from core.identity.principal import Principal

__all__ = ["MAX_CREDENTIALS", "CredentialCache"]

MAX_CREDENTIALS = 10_000
"""Credentials kept at most (least recently used out first)."""


class _Entry(NamedTuple):
    principal: Principal
    shared: int
    until: datetime


class CredentialCache:
    """Principals by credential (``"token:<value>"``, ``"session:<value>"``)."""

    def __init__(self, max_entries: int = MAX_CREDENTIALS) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def get(self, key: str, shared: int, now: datetime) -> Principal | None:
        """The principal resolved for ``key`` under shared stamp ``shared`` if it still
        holds at ``now``; None otherwise (resolve from the database)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.shared != shared or now >= entry.until:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry.principal

    def put(self, key: str, principal: Principal, shared: int, until: datetime) -> None:
        """Keep what the database said of ``key`` under ``shared``, valid until ``until``."""
        self._entries[key] = _Entry(principal, shared, until)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
