"""Team suggestion: rank the pool's people for an inspection and propose a team.

For the inspection's targets each active person is weighed by

- specialty fit: the specialties the targets call for (by org kind and the
  inspection's topic, plus any the office asks for) that the person has;
- availability: a declared period covering the on-site dates (or the
  round's), none declared, or only part of them;
- recusal (:mod:`.recusal`): a conflicted person is never suggested;
- rotation (:mod:`.rotation`): a breach is refused or costs points and
  shows as a warning, as the tenant's setting says;
- workload: rounds served this year (at the tenant's maximum: not suggested);

and every suggestion says why. The team is one leader (from the leader
pool), one deputy and members up to the tenant's team size, chosen greedily
so the members cover the specialties wanted; people already on the team
keep their places.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.api import TEAM_ROLE_LABELS, FieldError, Invalid, Org, TeamRole, Work
from plugins.talent_pool.model import (
    MAX_ROUNDS_SETTING,
    TEAM_SIZE_SETTING,
    Pool,
    Status,
    specialty_label,
    specialty_options,
)
from plugins.talent_pool.recusal import load_recusal_data, person_conflicts
from plugins.talent_pool.rotation import (
    Key,
    TeamHistory,
    load_history,
    overlap_of,
    refuses,
    rotation_issues,
)
from plugins.talent_pool.tables import TalentAvailability, TalentPerson

__all__ = ["Candidate", "Suggestion", "asked_specialties", "needed_specialties", "suggest"]

KIND_SPECIALTIES: dict[str, tuple[str, ...]] = {
    "department": ("finance", "organisation", "discipline"),
    "agency": ("finance", "organisation", "discipline"),
    "institution": ("finance", "organisation", "discipline"),
    "people_org": ("organisation", "discipline", "finance"),
    "soe": ("finance", "audit", "law"),
    "township": ("agriculture", "petitions", "finance"),
    "village": ("agriculture", "petitions", "finance"),
    "community": ("petitions", "finance", "construction"),
}
TOPIC_SPECIALTIES: list[tuple[str, str]] = [
    (r"工程|建设|项目|住建", "construction"), (r"农|粮|耕地|乡村振兴", "agriculture"),
    (r"信访|群众", "petitions"), (r"审计|资金|资产|财|债", "audit"),
    (r"选人用人|组织|干部", "organisation"),
    (r"法|执法|司法", "law"), (r"纪律|作风|腐败", "discipline"),
]
SHOWN = 60
"""How many of the ranked (and of those left out) carry their reasons."""
PERSON_COLUMNS = ("id", "person_key", "name", "home_unit", "home_org_id", "post", "rank",
                  "specialties", "pools")


@dataclass(slots=True)
class Candidate:
    """One person weighed for the team: the score, why, and what stands against them."""

    person_id: int
    person_key: str
    name: str
    home_unit: str
    post: str
    pools: list[str]
    specialties: list[str]
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    barred: list[str] = field(default_factory=list)
    role: str = ""
    role_label: str = ""
    rounds: int = 0
    leader_issues: list[str] = field(default_factory=list)
    refused_as_leader: bool = False


@dataclass(slots=True)
class Suggestion:
    """The proposal for one inspection."""

    inspection: dict[str, Any]
    targets: list[str]
    needed: list[tuple[str, str]]
    span: tuple[date, date] | None
    team: list[Candidate]
    ranked: list[Candidate]
    barred: list[Candidate]
    current: list[tuple[str, str]]
    considered: int
    size: int
    barred_total: int = 0


def asked_specialties(values: Iterable[str], settings: Mapping[str, Any]) -> list[str]:
    """The specialties asked for, checked against the tenant's list (400 naming the query
    parameter ``specialty`` otherwise)."""
    asked = list(values)
    if len(asked) > 20:
        raise Invalid([FieldError("specialty", "需要的专业特长最多 20 项", "query")])
    known = {code for code, _ in specialty_options(settings)}
    unknown = [a for a in asked if a not in known]
    if unknown:
        raise Invalid([FieldError(
            "specialty", f"专业特长“{unknown[0][:32]}”不在本机构的专业特长目录中", "query")])
    return list(dict.fromkeys(asked))


def needed_specialties(orgs: Iterable[Mapping[str, Any]], topic: str,
                       asked: Iterable[str] = ()) -> list[str]:
    """The specialties the targets call for: asked ones first, then by topic and kind."""
    wanted = list(asked)
    for pattern, code in TOPIC_SPECIALTIES:
        if topic and re.search(pattern, topic):
            wanted.append(code)
    for org in orgs:
        wanted.extend(KIND_SPECIALTIES.get(str(org["kind"]), ("finance", "discipline")))
    return list(dict.fromkeys(wanted))


def _span(history: TeamHistory) -> tuple[date, date] | None:
    insp, rnd = history.inspection, history.round
    start = insp["onsite_start"] or rnd["start_date"]
    end = insp["onsite_end"] or rnd["end_date"]
    if start is None or end is None or end < start:
        return None
    return start, end


AVAILABLE, UNDECLARED, PARTIAL, UNAVAILABLE, UNDATED = range(5)
AVAILABILITY_POINTS = {AVAILABLE: 20.0, UNDECLARED: 10.0, PARTIAL: 5.0, UNAVAILABLE: 0.0,
                       UNDATED: 10.0}


def _availability(periods: list[dict[str, Any]], span: tuple[date, date] | None) -> int:
    """How the person's declared periods meet the inspection's dates (a code above)."""
    if span is None:
        return UNDATED
    if not periods:
        return UNDECLARED
    start, end = span
    if any(p["start_date"] <= start and p["end_date"] >= end for p in periods):
        return AVAILABLE
    if any(p["start_date"] <= end and p["end_date"] >= start for p in periods):
        return PARTIAL
    return UNAVAILABLE


def _availability_reason(code: int, span: tuple[date, date] | None) -> str:
    if span is None:
        return "巡察日期未定，未核对可参加时段"
    start, end = span
    return {AVAILABLE: f"{start} 至 {end} 可参加", UNDECLARED: "未登记可参加时段",
            PARTIAL: "仅部分巡察期间可参加",
            UNAVAILABLE: f"{start} 至 {end} 不能参加（不在登记的可参加时段内）"}[code]


async def suggest(work: Work, inspection_id: int, asked: Iterable[str] = ()) -> Suggestion:
    """Rank the pool's active people for ``inspection_id`` and propose a team.

    Raises:
        NotFound: no such inspection.
    """
    session, settings, today = work.session, work.tenant.settings, work.clock.today()
    asked = asked_specialties(asked, settings)
    history = await load_history(session, inspection_id, work.clock.now())
    orgs = await session.list(Org, {"id": sorted(history.targets)}, limit=None)
    for org in orgs:
        history.targets[int(org["id"])] = str(org["name"])
    needed = needed_specialties(orgs, str(history.inspection["topic"] or ""), asked)
    span = _span(history)
    persons = await session.page(TalentPerson, {"status": Status.active.value},
                                 order_by=("id",), limit=100_000,
                                 columns={c: c for c in PERSON_COLUMNS})
    people = persons[0]
    periods: dict[int, list[dict[str, Any]]] = {}
    if span is not None:
        # Periods still open: a person who declared some, none covering the dates, is
        # not available; one who declared none is simply not known to be.
        rows, _ = await session.page(
            TalentAvailability, {"end_date__gte": min(today, span[0])}, limit=1_000_000,
            columns={"person_id": "person_id", "start_date": "start_date",
                     "end_date": "end_date"})
        for row in rows:
            periods.setdefault(int(row["person_id"]), []).append(row)
    recusal = await load_recusal_data(session, orgs, today, settings)
    code = work.tenant.code
    current = dict(history.current)
    current_keys = set(current)
    overlap = overlap_of(settings)
    refuse = refuses(settings)
    max_rounds = int(settings.get(MAX_ROUNDS_SETTING) or 0)
    needed_set = set(needed)
    touched = set(recusal.history) | set(recusal.relations)
    member, leader_pool = TeamRole.member.value, Pool.leader.value
    served = bool(history.rounds_served)
    no_periods: list[dict[str, Any]] = []
    # First pass, cheap: a score or a bar for everyone. Reasons are written only for the
    # people shown (the best ranked, the best of the leader pool, the first left out).
    scored: list[tuple[float, int, str, int, dict[str, Any], Any]] = []
    barred_rows: list[tuple[dict[str, Any], Any]] = []
    for person in people:
        key: Key = (code, str(person["person_key"]))
        if key in current_keys:
            continue
        conflicts = person_conflicts(person, recusal) if (
            person["id"] in touched or person["home_org_id"] in recusal.orgs) else []
        available = _availability(periods.get(person["id"], no_periods), span)
        points = AVAILABILITY_POINTS[available]
        rounds = len(history.rounds_served.get(key, ())) if served else 0
        issues = rotation_issues(history, key, person["name"], member, current_keys, overlap)
        facts = (conflicts, available, rounds, issues)
        if conflicts or available == UNAVAILABLE or (max_rounds and rounds >= max_rounds) or (
                issues and refuse):
            barred_rows.append((person, facts))
            continue
        fit = sum(1 for s in person["specialties"] or () if s in needed_set)
        score = 50.0 * fit / max(1, len(needed)) + points + max(0.0, 20.0 - 10.0 * rounds)
        score -= 30.0 * len(issues)
        scored.append((-score, rounds, str(person["name"]), int(person["id"]), person, facts))
    scored.sort(key=lambda row: row[:4])
    leaders = [row for row in scored if leader_pool in (row[4]["pools"] or ())][:20]
    shown = {row[3]: row for row in [*scored[:SHOWN], *leaders]}

    def candidate(person: dict[str, Any], facts: Any, score: float = 0.0) -> Candidate:
        conflicts, available, rounds, issues = facts
        reason = _availability_reason(available, span)
        key: Key = (code, str(person["person_key"]))
        cand = Candidate(person_id=int(person["id"]), person_key=key[1], name=person["name"],
                         home_unit=person["home_unit"], post=person["post"],
                         pools=list(person["pools"] or []),
                         specialties=list(person["specialties"] or []), score=score,
                         rounds=rounds)
        cand.barred += [f"回避：{c.reason}" for c in conflicts]
        if available == UNAVAILABLE:
            cand.barred.append(reason)
        if max_rounds and rounds >= max_rounds:
            cand.barred.append(f"本年度已参加 {rounds} 轮巡察，达到每年 {max_rounds} 轮的上限")
        if cand.barred or (issues and refuse):
            cand.barred += [f"轮换：{i.reason}" for i in issues]
            return cand
        fit = [s for s in cand.specialties if s in needed_set]
        cand.reasons.append("专业对口：" + "、".join(specialty_label(s) for s in fit) if fit
                            else "专业特长与本次巡察需要不对口")
        cand.reasons.append(reason)
        cand.reasons.append(f"本年度已参加 {rounds} 轮巡察" if rounds else "本年度尚未参加巡察")
        cand.warnings += [i.reason for i in issues]
        leader_issues = [i for i in rotation_issues(history, key, cand.name,
                                                    TeamRole.leader.value, current_keys,
                                                    overlap) if i.rule != "team_repeat"]
        cand.leader_issues = [i.reason for i in leader_issues]
        cand.refused_as_leader = refuse and bool(leader_issues)
        return cand

    ranked = [candidate(row[4], row[5], -row[0]) for row in shown.values()]
    barred = [candidate(person, facts) for person, facts in barred_rows[:SHOWN]]
    ranked.sort(key=lambda c: (-c.score, c.rounds, c.name, c.person_id))
    size = max(1, int(settings.get(TEAM_SIZE_SETTING) or 5))
    team = _compose(ranked, current, needed, size)
    return Suggestion(
        inspection=history.inspection, targets=[history.targets[o] for o in history.targets],
        needed=[(s, specialty_label(s)) for s in needed], span=span, team=team,
        ranked=ranked, barred=barred, barred_total=len(barred_rows),
        current=[(history.names.get(k, k[1]), TEAM_ROLE_LABELS[TeamRole(r)])
                 for k, r in current.items()],
        considered=len(people), size=size)


def _place(cand: Candidate, role: TeamRole, why: str) -> Candidate:
    cand.role, cand.role_label = role.value, TEAM_ROLE_LABELS[role]
    cand.reasons = [why, *cand.reasons]
    return cand


def _compose(ranked: list[Candidate], current: Mapping[Key, str], needed: list[str],
             size: int) -> list[Candidate]:
    """Leader from the leader pool, a deputy, then members covering the specialties."""
    taken: set[int] = set()
    team: list[Candidate] = []
    roles = list(current.values())
    covered: set[str] = set()
    if TeamRole.leader.value not in roles:
        for cand in ranked:
            if Pool.leader.value in cand.pools and not cand.refused_as_leader:
                why = "组长人选：巡察组长人才库" + (
                    "（注意：" + "；".join(cand.leader_issues) + "）" if cand.leader_issues else "")
                team.append(_place(cand, TeamRole.leader, why))
                taken.add(cand.person_id)
                covered |= set(cand.specialties)
                break
    if TeamRole.deputy.value not in roles:
        for cand in ranked:
            if cand.person_id not in taken and Pool.special.value not in cand.pools:
                team.append(_place(cand, TeamRole.deputy, "副组长人选：综合得分最高"))
                taken.add(cand.person_id)
                covered |= set(cand.specialties)
                break
    while len(team) + len(roles) < size:
        best, gain = None, -1.0
        for cand in ranked:
            if cand.person_id in taken:
                continue
            new = [s for s in cand.specialties if s in needed and s not in covered]
            value = cand.score + 25.0 * len(new)
            if value > gain:
                best, gain = cand, value
        if best is None:
            break
        new = [s for s in best.specialties if s in needed and s not in covered]
        why = ("组员人选：补足" + "、".join(specialty_label(s) for s in new) + "专业") if new \
            else "组员人选：综合得分较高"
        team.append(_place(best, TeamRole.member, why))
        taken.add(best.person_id)
        covered |= set(best.specialties)
    return team
