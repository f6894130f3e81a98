"""Recusal (回避) from the pool's records, for the core's team forming and for suggestions.

A person must stay off a team inspecting an org where, within the tenant's
window (setting :data:`~plugins.talent_pool.model.RECUSAL_YEARS_SETTING`,
default 3 years), they worked or studied, or with which they had a superior–
subordinate relation (the other person works there); and where their spouse
or a close relative works, whenever. Lines are matched to the targets by
``org_id`` (resolved from the unit's name or code when the line was written).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.api import RecusalConflict, TenantSession
from plugins.talent_pool.model import (
    CLOSE_RELATIVES,
    HISTORY_LABELS,
    RECUSAL_YEARS_SETTING,
    RELATION_LABELS,
    SUPERVISION,
    HistoryKind,
    RelationKind,
)
from plugins.talent_pool.tables import TalentHistory, TalentPerson, TalentRelation

__all__ = ["RecusalData", "candidate_record", "load_recusal_data", "person_conflicts",
           "window_start", "window_years"]

WORKED = "worked_there_within_3_years"
RELATIVE = "relative"
SUPERIOR = "superior_subordinate"


def window_years(settings: Mapping[str, Any]) -> int:
    """The tenant's recusal window in years (default 3)."""
    return int(settings.get(RECUSAL_YEARS_SETTING) or 3)


def window_start(today: date, settings: Mapping[str, Any]) -> date:
    """The first day of the recusal window: ``today`` less the tenant's years."""
    years = window_years(settings)
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


@dataclass(slots=True)
class RecusalData:
    """The lines of history and relations that touch a set of orgs, by person id."""

    orgs: dict[int, dict[str, Any]]
    history: dict[int, list[dict[str, Any]]]
    relations: dict[int, list[dict[str, Any]]]
    since: date
    years: int


async def load_recusal_data(session: TenantSession, orgs: Sequence[Mapping[str, Any]],
                            today: date, settings: Mapping[str, Any],
                            person_ids: Iterable[int] | None = None) -> RecusalData:
    """Read the lines naming one of ``orgs`` (of ``person_ids`` only, if given)."""
    by_id = {int(o["id"]): dict(o) for o in orgs}
    where: dict[str, Any] = {"org_id": list(by_id)}
    if person_ids is not None:
        where["person_id"] = list(person_ids)
    history: dict[int, list[dict[str, Any]]] = defaultdict(list)
    relations: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if by_id:
        for row in await session.list(TalentHistory, where, limit=None):
            history[row["person_id"]].append(row)
        for row in await session.list(TalentRelation, where, limit=None):
            relations[row["person_id"]].append(row)
    return RecusalData(orgs=by_id, history=history, relations=relations,
                       since=window_start(today, settings), years=window_years(settings))


def person_conflicts(person: Mapping[str, Any], data: RecusalData) -> list[RecusalConflict]:
    """The conflicts of one person of the pool with the orgs of ``data``."""
    name = person["name"]
    out: list[RecusalConflict] = []
    home = person.get("home_org_id")
    if home is not None and home in data.orgs:
        out.append(RecusalConflict(reason=f"{name}现在{data.orgs[home]['name']}工作",
                                   org_id=home, rule=WORKED))
    years = data.years
    for line in data.history.get(person["id"], ()):
        end = line["end_date"]
        if end is not None and end < data.since:
            continue
        org = data.orgs[line["org_id"]]
        verb = "学习" if line["kind"] == HistoryKind.study else "工作"
        span = f"（{_span(line['start_date'], end)}）"
        out.append(RecusalConflict(
            reason=f"{name}近 {years} 年内曾在{org['name']}{verb}{span}"
                   f"（{HISTORY_LABELS[HistoryKind(line['kind'])]}）",
            org_id=org["id"], rule=WORKED))
    for line in data.relations.get(person["id"], ()):
        kind = RelationKind(line["kind"])
        org = data.orgs[line["org_id"]]
        post = f"任{line['post']}" if line["post"] else "工作"
        if kind in CLOSE_RELATIVES:
            out.append(RecusalConflict(
                reason=f"{name}的{RELATION_LABELS[kind]}{line['name']}在{org['name']}{post}",
                org_id=org["id"], rule=RELATIVE))
        elif kind in SUPERVISION:
            end = line["end_date"]
            if end is not None and end < data.since:
                continue
            role = "上级" if kind == RelationKind.superior else "下级"
            out.append(RecusalConflict(
                reason=f"{name}近 {years} 年内曾是{org['name']}{line['name']}的"
                       f"{role}（{_span(line['start_date'], end)}）",
                org_id=org["id"], rule=SUPERIOR))
    return out


def _span(start: date | None, end: date | None) -> str:
    left = start.isoformat() if start else "不详"
    return f"{left} 至 {end.isoformat() if end else '今'}"


async def candidate_record(session: TenantSession, key: str) -> dict[str, Any] | None:
    """The pool's record of the person with team key ``key`` (any status), if any."""
    rows = await session.list(TalentPerson, {"person_key": key}, limit=1)
    return rows[0] if rows else None
