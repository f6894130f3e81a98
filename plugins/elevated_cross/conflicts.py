"""A county's own inspection may not take an org the city inspects by elevation.

Through the core's ``xuncha_target_check``: when a county plans an inspection
(or changes its targets) in a round of a year in which its city holds an
elevated inspection of one of those orgs (as the city last told it, not
withdrawn), the plan is refused naming the org and the city's inspection,
unless the city allowed the county's own inspection on it (``allow_county``).
The county's record of the elevated inspection itself (kind ``elevated``) is
never refused.
"""

from __future__ import annotations

import msgspec

from core.api import Replica, Round, Work
from plugins.elevated_cross.events import ElevatedAssigned

__all__ = ["elevated_conflicts"]


async def elevated_conflicts(work: Work, round_id: int, kind: str,
                             org_ids: list[int]) -> list[str]:
    """Chinese reasons refusing ``org_ids`` in round ``round_id`` (a county only)."""
    city = work.tenant.parent_code
    if not city or kind == "elevated" or not org_ids:
        return []
    round_row = await work.session.get(Round, round_id)
    if round_row is None:
        return []
    wanted = set(org_ids)
    reasons: list[str] = []
    for row in await work.session.list(Replica, {"kind": "elevated", "origin": city},
                                       order_by=("key",), limit=None):
        try:
            told = msgspec.convert(row["data"], ElevatedAssigned, strict=False)
        except msgspec.ValidationError:
            continue
        if told.status == "withdrawn" or told.allow_county:
            continue
        if told.planned_on.year != round_row["year"]:
            continue
        reasons.extend(
            f"{target.name}已列入市委{told.planned_on.year}年提级巡察“{told.title}”，"
            "同一轮次不能再由本县安排巡察（如确需安排，须市委巡察办允许）"
            for target in told.targets if target.org_id in wanted)
    return reasons
