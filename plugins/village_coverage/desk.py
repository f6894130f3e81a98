"""A county's desk (工作台): coverage directives received from the city and not yet applied.

The city names villages to inspect itself or to schedule first; until the
county applies a directive to its current term (on the coverage page), it
sits on the desk of those who maintain the coverage plan (``coverage:plan``).
"""

from __future__ import annotations

from core.api import DeskEntry, DeskItem, DeskViewer, Work
from plugins.village_coverage.directives import DIRECTIVE_KINDS
from plugins.village_coverage.tables import CoverageDirective

__all__ = ["DESK_SHOWN", "directives_to_apply"]

DESK_SHOWN = 8
"""How many directives the desk lists."""


async def directives_to_apply(work: Work, viewer: DeskViewer) -> list[DeskItem]:
    """The received coverage directives not yet applied, oldest first."""
    if not viewer.may("coverage:plan"):
        return []
    rows = await work.session.list(CoverageDirective, {"direction": "received",
                                                       "applied_on": None},
                                   order_by=("issued_on", "id"), limit=None)
    if not rows:
        return []
    entries = tuple(
        DeskEntry(title=f"{row['title']}（{len(row['village_codes'])} 个村（社区））",
                  path="coverage", note=f"{DIRECTIVE_KINDS.get(row['kind'], row['kind'])}"
                                        f" · {row['issued_on'].isoformat()} 下发")
        for row in rows[:DESK_SHOWN])
    return [DeskItem(code="coverage_directives_to_apply", label="待应用的全覆盖工作指示",
                     count=len(rows), entries=entries, path="coverage", order=60)]
