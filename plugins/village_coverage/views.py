"""What the API answers (and the pages show): coverage, plan and roll-up as plain structs."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec

from plugins.village_coverage.directives import DIRECTIVE_KINDS
from plugins.village_coverage.model import (
    CLASSIFICATION_LABELS,
    MODE_LABELS,
    POPULATION_LABELS,
    STATE_LABELS,
    Population,
    State,
    rate_text,
)
from plugins.village_coverage.planner import Slot
from plugins.village_coverage.rollup import CountyCoverage, Rollup
from plugins.village_coverage.status import Coverage, OrgLine

__all__ = [
    "CountyOut",
    "DirectiveOut",
    "PlanOut",
    "ProgressOut",
    "RollupOut",
    "SlotOut",
    "TargetOut",
    "TermRef",
    "directive_out",
    "plan_out",
    "progress_out",
    "rollup_out",
    "target_out",
]


class TermRef(msgspec.Struct, kw_only=True):
    """The term (届) a view is about."""

    id: int
    name: str
    start_date: date
    end_date: date


class TargetOut(msgspec.Struct, kw_only=True):
    """One target org of the term and where it stands."""

    org_id: int
    code: str
    name: str
    kind: str
    populations: list[str]
    township_id: int | None
    township: str
    classification: str
    classification_label: str
    mode: str
    mode_label: str
    note: str
    state: str
    state_label: str
    year: int | None
    covered_on: date | None
    covered_by: str
    inspection_id: int | None
    slot: str | None
    at_risk: bool
    risk: str


class ClassOut(msgspec.Struct, kw_only=True):
    """Villages of one class: how many, covered, the rate."""

    code: str
    label: str
    total: int
    covered: int
    rate: str


class PopulationOut(msgspec.Struct, kw_only=True):
    """One population's coverage, written as offices write it (``51/62 = 82.3%``)."""

    code: str
    label: str
    total: int
    covered: int
    in_progress: int
    planned: int
    at_risk: int
    rate: str
    by_class: list[ClassOut] = []


class YearOut(msgspec.Struct, kw_only=True):
    """One year: covered that year, cumulatively, and the cumulative rate."""

    year: int
    covered: int
    cumulative: int
    rate: str


class TownshipOut(msgspec.Struct, kw_only=True):
    """A township's villages."""

    township_id: int | None
    name: str
    total: int
    covered: int
    in_progress: int
    planned: int
    at_risk: int
    rate: str


class ProgressOut(msgspec.Struct, kw_only=True):
    """The term's coverage: rates per population, per year, per township, and the risks."""

    term: TermRef
    as_of: date
    populations: list[PopulationOut]
    years: dict[str, list[YearOut]]
    townships: list[TownshipOut]
    at_risk: list[TargetOut]
    warnings: list[str]
    rounds_left: int
    capacity_left: int


class SlotOut(msgspec.Struct, kw_only=True):
    """One round of the term and what the plan puts in it."""

    code: str
    label: str
    year: int
    number: int
    start: date
    end: date
    round_id: int | None
    open: bool
    villages: int
    departments: int
    over_capacity: bool
    orgs: list[TargetOut]


class PlanOut(msgspec.Struct, kw_only=True):
    """The term's schedule: rounds with their orgs, what is not planned, the warnings."""

    term: TermRef
    low: int
    high: int
    high_departments: int
    slots: list[SlotOut]
    unplanned: list[TargetOut]
    warnings: list[str]


class CountyOut(msgspec.Struct, kw_only=True):
    """One county's coverage as the city holds it."""

    code: str
    name: str
    reported: bool
    as_of: date | None
    term_name: str
    populations: list[PopulationOut]
    rounds_left: int
    warnings: list[str]
    by_year: dict[str, dict[str, int]]


class RollupOut(msgspec.Struct, kw_only=True):
    """Every county of the city, and the city-wide totals."""

    counties: list[CountyOut]
    totals: list[PopulationOut]


def _term(term: dict[str, Any]) -> TermRef:
    return TermRef(id=term["id"], name=term["name"], start_date=term["start_date"],
                   end_date=term["end_date"])


def _label(labels: dict[Any, str], code: str) -> str:
    return labels.get(code, code)


def target_out(line: OrgLine) -> TargetOut:
    """The API form of a target."""
    return TargetOut(
        org_id=line.org_id, code=line.code, name=line.name, kind=line.kind,
        populations=list(line.populations), township_id=line.township_id,
        township=line.township, classification=line.classification,
        classification_label=_label(CLASSIFICATION_LABELS, line.classification),
        mode=line.mode, mode_label=_label(MODE_LABELS, line.mode), note=line.note,
        state=line.state.value, state_label=STATE_LABELS[line.state], year=line.year,
        covered_on=line.covered_on, covered_by=line.covered_by,
        inspection_id=line.inspection_id, slot=line.slot_code or None, at_risk=line.at_risk,
        risk=line.risk)


def _population(code: str, label: str, counts: Any, by_class: dict[str, Any]) -> PopulationOut:
    return PopulationOut(
        code=code, label=label, total=counts["total"], covered=counts["covered"],
        in_progress=counts["in_progress"], planned=counts["planned"],
        at_risk=counts["at_risk"], rate=rate_text(counts["covered"], counts["total"]),
        by_class=[ClassOut(code=k, label=_label(CLASSIFICATION_LABELS, k), total=v["total"],
                           covered=v["covered"], rate=rate_text(v["covered"], v["total"]))
                  for k, v in by_class.items()])


def progress_out(coverage: Coverage) -> ProgressOut:
    """The API form of a term's progress."""
    populations = []
    for target in coverage.populations:
        totals = msgspec.to_builtins(coverage.totals(target))
        populations.append(_population(target.code, target.label, totals, totals["by_class"]))
    return ProgressOut(
        term=_term(coverage.term), as_of=coverage.today, populations=populations,
        years={p.code: [YearOut(year=y.year, covered=y.covered, cumulative=y.cumulative,
                                rate=y.rate) for y in coverage.years(p.code)]
               for p in coverage.populations},
        townships=[TownshipOut(township_id=t.township_id, name=t.name, total=t.total,
                               covered=t.covered, in_progress=t.in_progress,
                               planned=t.planned, at_risk=t.at_risk, rate=t.rate)
                   for t in coverage.townships()],
        at_risk=[target_out(line) for line in coverage.at_risk()],
        warnings=list(coverage.warnings), rounds_left=len(coverage.open_slots),
        capacity_left=len(coverage.open_slots) * coverage.high)


def _slot_out(coverage: Coverage, slot: Slot) -> SlotOut:
    lines = [line for line in coverage.lines if line.slot == slot.key]
    villages = sum(1 for line in lines if line.village and line.state == State.planned)
    return SlotOut(
        code=slot.code, label=slot.label, year=slot.year, number=slot.number, start=slot.start,
        end=slot.end, round_id=slot.round_id, open=slot.open_on(coverage.today),
        villages=sum(1 for line in lines if line.village),
        departments=sum(1 for line in lines if not line.village),
        over_capacity=villages > coverage.high, orgs=[target_out(line) for line in lines])


def plan_out(coverage: Coverage) -> PlanOut:
    """The API form of a term's schedule."""
    return PlanOut(
        term=_term(coverage.term), low=coverage.low, high=coverage.high,
        high_departments=coverage.high_departments,
        slots=[_slot_out(coverage, slot) for slot in coverage.slots],
        unplanned=[target_out(line) for line in coverage.lines
                   if line.state == State.pending],
        warnings=list(coverage.warnings))


def _county_out(county: CountyCoverage) -> CountyOut:
    report = county.report or {}
    return CountyOut(
        code=county.code, name=county.name, reported=county.reported, as_of=county.as_of,
        term_name=report.get("term_name", ""),
        populations=[_population(p["code"], p["label"], p, p.get("by_class", {}))
                     for p in report.get("populations", [])],
        rounds_left=int(report.get("rounds_left", 0)), warnings=report.get("warnings", []),
        by_year={p["code"]: p.get("by_year", {}) for p in report.get("populations", [])})


def rollup_out(rollup: Rollup) -> RollupOut:
    """The API form of the city's roll-up."""
    totals = []
    for population in Population:
        code = population.value
        counts = {name: rollup.total(code, name)
                  for name in ("total", "covered", "in_progress", "planned", "at_risk")}
        totals.append(_population(code, POPULATION_LABELS[population], counts, {}))
    return RollupOut(counties=[_county_out(c) for c in rollup.counties], totals=totals)


class DirectiveOut(msgspec.Struct, kw_only=True):
    """A coverage directive: sent (a city) or received (a county)."""

    id: int
    direction: str
    county: str
    kind: str
    kind_label: str
    title: str
    body: str
    village_codes: list[str]
    issued_on: date
    applied_on: date | None


def directive_out(row: dict[str, Any]) -> DirectiveOut:
    """A coverage directive row as the API shows it."""
    return DirectiveOut(
        id=row["id"], direction=row["direction"], county=row["county"], kind=row["kind"],
        kind_label=DIRECTIVE_KINDS.get(row["kind"], row["kind"]), title=row["title"],
        body=row["body"], village_codes=[str(c) for c in row["village_codes"]],
        issued_on=row["issued_on"], applied_on=row["applied_on"])
