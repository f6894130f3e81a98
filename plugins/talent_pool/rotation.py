"""Rotation (三个不固定): leaders, targets and teams change between rounds.

Three rules, read from the core's teams (``TeamMember``) of earlier rounds:

- ``leader_same_target``: a leader leads a team on an org they already led a
  team on in the same term;
- ``leader_target_repeat``: the last inspection of an org (in an earlier term)
  had the same leader;
- ``team_repeat``: the candidate and members of the team already together on
  one team of another round of the term, at least the tenant's number of
  people (setting :data:`~plugins.talent_pool.model.ROTATION_OVERLAP_SETTING`).

Whether a breach only warns or refuses is the tenant's setting
(:data:`~plugins.talent_pool.model.ROTATION_MODE_SETTING`): refused, it
reaches the core's team forming as a recusal conflict (the office admin's
justified exception still admits the person).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.api import (
    Inspection,
    InspectionTarget,
    NotFound,
    Round,
    TeamMember,
    TeamRole,
    TenantSession,
)
from plugins.talent_pool.model import ROTATION_MODE_SETTING, ROTATION_OVERLAP_SETTING

__all__ = ["Issue", "TeamHistory", "load_history", "overlap_of", "refuses", "rotation_issues"]

Key = tuple[str, str]
"""A person on a team: (home tenant, person key)."""


@dataclass(frozen=True, slots=True)
class Issue:
    """A breach of rotation: the rule code, the Chinese reason, the org concerned."""

    rule: str
    reason: str
    org_id: int | None = None


@dataclass(slots=True)
class TeamHistory:
    """What rotation and workload need about an inspection and the teams before it."""

    inspection: dict[str, Any]
    round: dict[str, Any]
    targets: dict[int, str]
    rounds: dict[int, dict[str, Any]] = field(default_factory=dict)
    round_of: dict[int, int] = field(default_factory=dict)
    targets_of: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    leaders: dict[int, set[Key]] = field(default_factory=lambda: defaultdict(set))
    teams: dict[int, set[Key]] = field(default_factory=lambda: defaultdict(set))
    names: dict[Key, str] = field(default_factory=dict)
    current: dict[Key, str] = field(default_factory=dict)
    rounds_served: dict[Key, set[int]] = field(default_factory=lambda: defaultdict(set))
    index: Any = None

    def in_term(self, inspection_id: int) -> bool:
        rnd = self.rounds.get(self.round_of.get(inspection_id, -1))
        return rnd is not None and rnd["term_id"] == self.round["term_id"]

    def round_name(self, inspection_id: int) -> str:
        rnd = self.rounds[self.round_of[inspection_id]]
        return str(rnd["name"] or f"{rnd['year']}年第{rnd['number']}轮")


def refuses(settings: Mapping[str, Any]) -> bool:
    """Whether the tenant refuses (rather than warns about) a breach of rotation."""
    return settings.get(ROTATION_MODE_SETTING) == "refuse"


async def load_history(session: TenantSession, inspection_id: int, now: datetime,
                       org_names: Mapping[int, str] | None = None) -> TeamHistory:
    """Read the inspection, its targets, the earlier inspections of those targets, the
    teams of its term and of its year.

    Raises:
        NotFound: no such inspection.
    """
    insp = await session.get(Inspection, inspection_id)
    if insp is None:
        raise NotFound("巡察任务不存在")
    rnd = await session.get(Round, insp["round_id"])
    assert rnd is not None
    links = await session.list(InspectionTarget, {"inspection_id": inspection_id}, limit=None)
    target_ids = [int(t["org_id"]) for t in links]
    names = dict(org_names or {})
    history = TeamHistory(inspection=insp, round=rnd,
                          targets={o: names.get(o, "") for o in target_ids})
    related = await session.list(Round, {"term_id": rnd["term_id"]}, limit=None)
    related += await session.list(Round, {"year": rnd["year"]}, limit=None)
    history.rounds = {r["id"]: r for r in related}
    earlier = await session.list(InspectionTarget, {"org_id": target_ids}, limit=None)
    earlier_ids = {int(t["inspection_id"]) for t in earlier} - {inspection_id}
    for link in earlier:
        history.targets_of[int(link["inspection_id"])].add(int(link["org_id"]))
    inspections = await session.list(Inspection, {"round_id": list(history.rounds)},
                                     limit=None)
    if earlier_ids:
        inspections += await session.list(Inspection, {"id": sorted(earlier_ids)}, limit=None)
    for row in inspections:
        history.round_of[int(row["id"])] = int(row["round_id"])
    missing = {r for r in history.round_of.values() if r not in history.rounds}
    if missing:
        for row in await session.list(Round, {"id": sorted(missing)}, limit=None):
            history.rounds[row["id"]] = row
    members = await session.list(TeamMember, {"inspection_id": sorted(history.round_of)},
                                 limit=None) if history.round_of else []
    members += await session.list(TeamMember, {"inspection_id": inspection_id}, limit=None)
    year = rnd["year"]
    for row in members:
        key = (str(row["home_tenant"]), str(row["person"]))
        iid = int(row["inspection_id"])
        history.names[key] = row["name"]
        if iid == inspection_id:
            if row["released_at"] is None or row["released_at"] > now:
                history.current[key] = row["role"]
            continue
        if row["released_at"] is not None and row["authorized_at"] is None:
            continue  # never served
        history.teams[iid].add(key)
        if row["role"] == TeamRole.leader.value:
            history.leaders[iid].add(key)
        served = history.rounds.get(history.round_of.get(iid, -1))
        if served is not None and served["year"] == year:
            history.rounds_served[key].add(int(served["id"]))
    return history


def _order(history: TeamHistory, inspection_id: int) -> tuple[int, int, int]:
    rnd = history.rounds[history.round_of[inspection_id]]
    return int(rnd["year"]), int(rnd["number"]), inspection_id


@dataclass(slots=True)
class _Index:
    """What the rules need, by person: computed once per inspection, so weighing a pool of
    thousands costs a lookup per person."""

    same_target: dict[Key, list[tuple[int, int]]]
    pairing: dict[Key, list[tuple[int, int]]]
    teams_of: dict[Key, list[int]]


def _index(history: TeamHistory) -> _Index:
    this = int(history.inspection["id"])
    targets = set(history.targets)
    same_target: dict[Key, list[tuple[int, int]]] = defaultdict(list)
    latest: dict[int, int] = {}
    in_term_orgs: set[int] = set()
    for iid, orgs in history.targets_of.items():
        if iid == this or iid not in history.round_of:
            continue
        same = orgs & targets
        if history.in_term(iid):
            in_term_orgs |= same
            for key in history.leaders.get(iid, ()):
                same_target[key] += [(iid, org) for org in sorted(same)]
            continue
        for org in same:
            if org not in latest or _order(history, iid) > _order(history, latest[org]):
                latest[org] = iid
    pairing: dict[Key, list[tuple[int, int]]] = defaultdict(list)
    for org, iid in sorted(latest.items()):
        if org in in_term_orgs:
            continue  # inspected again in this term: the pairing to weigh is that one
        for key in history.leaders.get(iid, ()):
            pairing[key].append((iid, org))
    teams_of: dict[Key, list[int]] = defaultdict(list)
    this_round = int(history.round["id"])
    for iid, members in history.teams.items():
        if iid == this or not history.in_term(iid) or history.round_of[iid] == this_round:
            continue
        for key in members:
            teams_of[key].append(iid)
    return _Index(same_target=same_target, pairing=pairing, teams_of=teams_of)


def rotation_issues(history: TeamHistory, key: Key, name: str, role: str,
                    team: set[Key], overlap: int) -> list[Issue]:
    """The breaches of rotation if ``key`` joins the team in ``role``.

    Args:
        history: the inspection and the teams before it.
        key: the person joining.
        name: their name (for the reasons).
        role: the team role (``leader``, ``deputy``, ``member``).
        team: the people on the team (or chosen for it) besides ``key``.
        overlap: how many people together again make a repeated team.
    """
    index = history.index
    if index is None:
        index = history.index = _index(history)
    issues: list[Issue] = []
    if role == TeamRole.leader.value:
        for iid, org in index.same_target.get(key, ()):
            issues.append(Issue(
                "leader_same_target",
                f"{name}本届已在{history.round_name(iid)}担任{history.targets[org]}巡察组组长，"
                f"同一届内不再带队巡察同一对象", org))
        for iid, org in index.pairing.get(key, ()):
            issues.append(Issue(
                "leader_target_repeat",
                f"上一次巡察{history.targets[org]}（{history.round_name(iid)}）即由{name}"
                f"担任组长，组长与被巡察对象的搭配应轮换", org))
    if team:
        together = team | {key}
        for iid in index.teams_of.get(key, ()):
            common = together & history.teams[iid]
            if len(common) >= max(2, overlap):
                others = "、".join(sorted(history.names.get(k, k[1]) for k in common - {key}))
                issues.append(Issue(
                    "team_repeat",
                    f"{name}与{others}曾同在{history.round_name(iid)}的巡察组，"
                    f"巡察组人员组合不应重复"))
    return issues


def overlap_of(settings: Mapping[str, Any]) -> int:
    """How many people together again make a repeated team (setting, default 3)."""
    return int(settings.get(ROTATION_OVERLAP_SETTING) or 3)
