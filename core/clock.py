"""The one clock every deadline reads, so tests can move time forward.

Offices work on China Standard Time (UTC+8, no daylight saving), so dates
("today") are taken there; instants are kept in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from dateutil.relativedelta import relativedelta

__all__ = ["CHINA", "Clock", "add_months"]

CHINA = timezone(timedelta(hours=8), "CST")
"""China Standard Time."""


class Clock:
    """Real time plus an offset that tests (and only tests) move."""

    __slots__ = ("_offset",)

    def __init__(self) -> None:
        self._offset = timedelta()

    def now(self) -> datetime:
        """The current instant, in UTC."""
        return datetime.now(UTC) + self._offset

    def today(self) -> date:
        """Today's date in China."""
        return self.now().astimezone(CHINA).date()

    def advance(self, delta: timedelta) -> None:
        """Move time forward (or back) by ``delta``."""
        self._offset += delta

    def travel_to(self, day: date) -> None:
        """Make ``today()`` be ``day`` (keeping the time of day)."""
        self.advance(timedelta(days=(day - self.today()).days))

    def reset(self) -> None:
        """Back to real time."""
        self._offset = timedelta()


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's end (1月31日 + 1 → 2月28日)."""
    result: date = day + relativedelta(months=months)
    return result
