"""Where every target of a term stands: covered, under way, planned, or not yet.

The populations come from ``xuncha_coverage_targets`` (this plugin's
departments and villages, and any other plugin's), the targets are the
tenant's active orgs of their kinds, read now, so an org added mid-term
counts at once. An org is **covered** when an inspection including it
reached ``feedback`` (or a later stage) in a round of the term or with its
feedback inside the term's dates, or when the office recorded a coverage by
other means (e.g. the city's elevated inspection). It is **in progress**
while an inspection of the term including it has not reached feedback,
**planned** when the schedule puts it in a round still open, else
**pending**. It is **at risk** of missing the term when it is pending, or
planned in a round already over-full.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from core.api import (
    CoverageTarget,
    OrgKind,
    Work,
    inspections_with_targets,
    list_orgs,
    list_rounds,
    list_terms,
    stage_rank,
)
from plugins.village_coverage.events import ClassTotals, PopulationTotals
from plugins.village_coverage.model import (
    CLASS_RANK,
    COVERED_FROM,
    DEFAULT_MODE,
    MAX_DEPARTMENTS_SETTING,
    MAX_VILLAGES_SETTING,
    MIN_VILLAGES_SETTING,
    VILLAGE_KINDS,
    Classification,
    Population,
    State,
    rate_text,
)
from plugins.village_coverage.planner import PlanItem, Slot, capacity_warnings, term_slots
from plugins.village_coverage.tables import CoverageOrg, CoveragePlanEntry

__all__ = ["Coverage", "OrgLine", "TownshipRow", "YearRow", "current_term", "load_coverage"]

_FEEDBACK = stage_rank(COVERED_FROM)


@dataclass
class OrgLine:
    """One target org in the term."""

    org_id: int
    code: str
    name: str
    kind: str
    populations: tuple[str, ...]
    sort: int = 0
    township_id: int | None = None
    township: str = ""
    classification: str = ""
    mode: str = ""
    note: str = ""
    state: State = State.pending
    year: int | None = None
    covered_on: date | None = None
    covered_by: str = ""
    inspection_id: int | None = None
    slot: tuple[int, int] | None = None
    at_risk: bool = False
    risk: str = ""

    @property
    def village(self) -> bool:
        """Whether the org is a village or community."""
        return self.kind in VILLAGE_KINDS

    @property
    def slot_code(self) -> str:
        """The planned slot as ``2025-2`` (empty when unplanned)."""
        return f"{self.slot[0]}-{self.slot[1]}" if self.slot else ""

    def plan_item(self) -> PlanItem:
        """What the planner needs of the org."""
        return PlanItem(org_id=self.org_id, kind=self.kind, township_id=self.township_id,
                        population=(Population.villages.value
                                    if Population.villages.value in self.populations
                                    else Population.departments.value),
                        classification=self.classification or Classification.general.value,
                        sort=self.sort)


@dataclass(frozen=True)
class TownshipRow:
    """A township's villages: how many, covered, under way, planned, at risk."""

    township_id: int | None
    name: str
    total: int
    covered: int
    in_progress: int
    planned: int
    at_risk: int

    @property
    def rate(self) -> str:
        """``covered/total = x%``."""
        return rate_text(self.covered, self.total)


@dataclass(frozen=True)
class YearRow:
    """One year of a population: covered that year, and cumulatively."""

    year: int
    covered: int
    cumulative: int
    total: int

    @property
    def rate(self) -> str:
        """The cumulative rate at the year's end."""
        return rate_text(self.cumulative, self.total)


@dataclass
class Coverage:
    """The coverage of one term of one tenant, as of ``today``."""

    term: dict[str, Any]
    today: date
    populations: list[CoverageTarget]
    slots: list[Slot]
    lines: list[OrgLine]
    low: int
    high: int
    high_departments: int
    warnings: list[str] = field(default_factory=list)

    @property
    def open_slots(self) -> list[Slot]:
        """The rounds whose period has not ended."""
        return [s for s in self.slots if s.open_on(self.today)]

    def members(self, population: str) -> list[OrgLine]:
        """The targets of one population."""
        return [line for line in self.lines if population in line.populations]

    def totals(self, population: CoverageTarget) -> PopulationTotals:
        """The population's counts, by year and (for villages) by class."""
        lines = self.members(population.code)
        states = Counter(line.state for line in lines)
        by_class: dict[str, ClassTotals] = {}
        if population.code == Population.villages.value:
            for klass in Classification:
                mine = [line for line in lines if line.classification == klass.value]
                by_class[klass.value] = ClassTotals(
                    total=len(mine), covered=sum(1 for m in mine if m.state == State.covered))
        return PopulationTotals(
            code=population.code, label=population.label, total=len(lines),
            covered=states[State.covered], in_progress=states[State.in_progress],
            planned=states[State.planned], at_risk=sum(1 for line in lines if line.at_risk),
            by_year={str(y.year): y.covered for y in self.years(population.code)},
            by_class=by_class)

    def years(self, population: str) -> list[YearRow]:
        """Covered per year of the term, with the cumulative rate."""
        lines = self.members(population)
        first, last = self.term["start_date"].year, self.term["end_date"].year
        per_year = Counter(min(max(line.year or first, first), last) for line in lines
                           if line.state == State.covered)
        rows, running = [], 0
        for year in range(first, last + 1):
            running += per_year[year]
            rows.append(YearRow(year=year, covered=per_year[year], cumulative=running,
                                total=len(lines)))
        return rows

    def townships(self) -> list[TownshipRow]:
        """Villages per township (those without one last)."""
        groups: dict[int | None, list[OrgLine]] = {}
        names: dict[int | None, str] = {None: "未归属乡镇（街道）"}
        for line in self.lines:
            if line.village:
                groups.setdefault(line.township_id, []).append(line)
                names.setdefault(line.township_id, line.township)
        rows = []
        for township_id, lines in groups.items():
            states = Counter(line.state for line in lines)
            rows.append(TownshipRow(
                township_id=township_id, name=names[township_id], total=len(lines),
                covered=states[State.covered], in_progress=states[State.in_progress],
                planned=states[State.planned], at_risk=sum(1 for x in lines if x.at_risk)))
        order = {line.township_id: i for i, line in enumerate(self.lines)}
        return sorted(rows, key=lambda r: (r.township_id is None, order.get(r.township_id, 0)))

    def at_risk(self) -> list[OrgLine]:
        """The targets at risk of missing the term."""
        return [line for line in self.lines if line.at_risk]

    def to_cover(self) -> list[OrgLine]:
        """Targets neither covered nor under way (what a new proposal schedules)."""
        return [line for line in self.lines if line.state in (State.planned, State.pending)]


async def current_term(work: Work) -> dict[str, Any] | None:
    """The term containing today, else the latest started, else the first to come."""
    terms = await list_terms(work.session)
    today = work.clock.today()
    running = [t for t in terms if t["start_date"] <= today <= t["end_date"]]
    started = [t for t in terms if t["start_date"] <= today]
    if running or started:
        return (running or started)[-1]
    return terms[0] if terms else None


async def _populations(work: Work) -> list[CoverageTarget]:
    found = await work.plugins.gather("xuncha_coverage_targets", work.tenant.plugins,
                                      tenant=work.tenant)
    seen: dict[str, CoverageTarget] = {}
    for target in found:
        seen.setdefault(target.code, target)
    return list(seen.values())


def _lines(orgs: list[dict[str, Any]], populations: list[CoverageTarget],
           decisions: dict[int, dict[str, Any]]) -> list[OrgLine]:
    by_id = {o["id"]: o for o in orgs}
    kinds: dict[str, list[str]] = {}
    for population in populations:
        for kind in population.org_kinds:
            kinds.setdefault(kind, []).append(population.code)
    lines = []
    for org in orgs:
        codes = tuple(kinds.get(org["kind"], ()))
        if not codes:
            continue
        line = OrgLine(org_id=org["id"], code=org["code"], name=org["name"], kind=org["kind"],
                       populations=codes, sort=int(org["sort"] or 0))
        parent = by_id.get(org["parent"]) if org["parent"] else None
        if line.village:
            if parent is not None and parent["kind"] == OrgKind.township.value:
                line.township_id, line.township = parent["id"], parent["name"]
            decided = decisions.get(org["id"], {})
            klass = decided.get("classification") or Classification.general.value
            line.classification = klass
            line.mode = decided.get("mode") or DEFAULT_MODE[Classification(klass)].value
        line.note = decisions.get(org["id"], {}).get("note", "")
        lines.append(line)
    return lines


def _round_day(round_row: dict[str, Any] | None, term: dict[str, Any]) -> date:
    """The day an inspection without a feedback date counts from (its round's start)."""
    if round_row is None:
        return cast(date, term["start_date"])
    return round_row["start_date"] or date(round_row["year"], 1, 1)


def _mark_covered(lines: list[OrgLine], term: dict[str, Any], term_rounds: dict[int, Any],
                  rounds: dict[int, Any], inspections: dict[int, dict[str, Any]],
                  links: list[dict[str, Any]]) -> None:
    by_org = {line.org_id: line for line in lines}
    for link in links:
        line = by_org.get(link["org_id"])
        insp = inspections.get(link["inspection_id"])
        if line is None or insp is None:
            continue
        round_row = rounds.get(insp["round_id"])
        if stage_rank(insp["stage"]) >= _FEEDBACK:
            when = insp["feedback_on"] or _round_day(round_row, term)
            year = (round_row["year"] if round_row is not None and insp["round_id"] in term_rounds
                    else when.year)
            if line.state != State.covered or (line.covered_on and when < line.covered_on):
                line.state, line.covered_on, line.year = State.covered, when, year
                line.covered_by, line.inspection_id = insp["title"], insp["id"]
        elif insp["round_id"] in term_rounds and line.state == State.pending:
            line.state, line.inspection_id = State.in_progress, insp["id"]
            line.covered_by = insp["title"]


def _mark_external(lines: list[OrgLine], decisions: dict[int, dict[str, Any]]) -> None:
    for line in lines:
        decided = decisions.get(line.org_id)
        if line.state != State.covered and decided and decided["covered_on"]:
            line.state, line.covered_on = State.covered, decided["covered_on"]
            line.year = decided["covered_on"].year
            line.covered_by = decided["covered_note"] or "其他方式覆盖"


def _mark_plan(coverage: Coverage, plan: list[dict[str, Any]]) -> None:
    by_org = {line.org_id: line for line in coverage.lines}
    labels = {s.key: s.label for s in coverage.slots}
    open_keys = {s.key for s in coverage.open_slots}
    for entry in plan:
        line = by_org.get(entry["org_id"])
        if line is None:
            continue
        key = (int(entry["year"]), int(entry["number"]))
        line.slot = key
        if line.state != State.pending:
            continue
        if key in open_keys:
            line.state = State.planned
        else:
            line.at_risk = True
            line.risk = f"原计划于{labels.get(key, f'{key[0]}年第{key[1]}轮')}巡察，该轮已结束"
    per_slot: dict[tuple[int, int], list[OrgLine]] = {}
    for line in coverage.lines:
        if line.state == State.planned and line.village and line.slot:
            per_slot.setdefault(line.slot, []).append(line)
    for key, lines in per_slot.items():
        if len(lines) <= coverage.high:
            continue
        lines.sort(key=lambda x: (CLASS_RANK.get(x.classification, 2), x.sort, x.org_id))
        for line in lines[coverage.high:]:
            line.at_risk = True
            line.risk = (f"{labels.get(key, '')}安排了 {len(lines)} 个村（社区），"
                         f"超过每轮上限 {coverage.high} 个")


def _mark_risks(coverage: Coverage) -> None:
    left = bool(coverage.open_slots)
    unplanned = 0
    for line in coverage.lines:
        if line.state == State.pending and not line.at_risk:
            line.at_risk = True
            unplanned += 1
            line.risk = ("本届已无剩余轮次" if not left else
                         "须由市委提级巡察，尚未安排" if line.mode == "elevated" else
                         "未列入剩余轮次计划")
    to_cover = coverage.to_cover()
    villages = sum(1 for x in to_cover if x.village)
    coverage.warnings = capacity_warnings(villages, len(to_cover) - villages,
                                          len(coverage.open_slots), coverage.high,
                                          coverage.high_departments)
    if unplanned and left:
        coverage.warnings.append(f"有 {unplanned} 个对象尚未列入剩余轮次计划")


async def load_coverage(work: Work, term: dict[str, Any]) -> Coverage:
    """Read the term's targets, inspections and plan, and judge every target."""
    session = work.session
    populations = await _populations(work)
    orgs = await list_orgs(session)
    decisions = {r["org_id"]: r for r in await session.list(
        CoverageOrg, {"term_id": term["id"]}, limit=None)}
    rounds = {r["id"]: r for r in await list_rounds(session)}
    term_rounds = {i: r for i, r in rounds.items() if r["term_id"] == term["id"]}
    inspections = {r["id"]: r for r in await inspections_with_targets(
        session, round_ids=list(term_rounds),
        feedback_between=(term["start_date"], term["end_date"]))}
    links = [{"inspection_id": i, "org_id": org_id}
             for i, row in inspections.items() for org_id in row["org_ids"]]
    plan = await session.list(CoveragePlanEntry, {"term_id": term["id"]}, limit=None)
    coverage = Coverage(
        term=term, today=work.clock.today(), populations=populations,
        slots=term_slots(term["start_date"], term["end_date"],
                         int(work.setting("rounds_per_year")), term_rounds.values()),
        lines=_lines(orgs, populations, decisions),
        low=int(work.setting(MIN_VILLAGES_SETTING)), high=int(work.setting(MAX_VILLAGES_SETTING)),
        high_departments=int(work.setting(MAX_DEPARTMENTS_SETTING)))
    _mark_covered(coverage.lines, term, term_rounds, rounds, inspections, links)
    _mark_external(coverage.lines, decisions)
    _mark_plan(coverage, plan)
    _mark_risks(coverage)
    return coverage
