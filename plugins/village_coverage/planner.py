"""The schedule of a term: its round slots, and a proposal covering what is left.

Pure functions, no database: :func:`term_slots` lays the term's rounds out
(``rounds_per_year`` a year, nominally evenly spread, or the dates of the
rounds the office created), :func:`propose` spreads the orgs still to cover
over the slots that are still open:

- villages go with their township (巡镇带村), the township itself in the
  slot of its first villages; groups holding key villages go first, and
  inside a group key villages before watch and general ones;
- each round takes about the same number of villages, at least the minimum
  (but the last round, which takes what is left) and at most the maximum a
  round holds (default 12-25), counting villages whose inspections were
  created already; a township that does not fit the round it starts in goes
  whole to the next one if the round holds its minimum, else it is split,
  and one with more villages than a round holds is split across consecutive
  rounds;
- other departments are spread evenly, at most so many a round;
- whatever does not fit is left unscheduled, with a warning saying how
  much is missing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from plugins.village_coverage.model import CLASS_RANK, Classification

__all__ = ["PlanItem", "Proposal", "Slot", "capacity_warnings", "propose", "term_slots"]


@dataclass(frozen=True, slots=True)
class Slot:
    """One round of the term: ``start`` to ``end`` (exclusive), the round's row if any."""

    year: int
    number: int
    start: date
    end: date
    round_id: int | None = None

    @property
    def key(self) -> tuple[int, int]:
        """``(year, number)``."""
        return (self.year, self.number)

    @property
    def label(self) -> str:
        """``2025年第2轮``."""
        return f"{self.year}年第{self.number}轮"

    @property
    def code(self) -> str:
        """``2025-2``, as forms send it."""
        return f"{self.year}-{self.number}"

    def open_on(self, today: date) -> bool:
        """Whether the round's period has not ended by ``today``."""
        return self.end > today


def _nominal(year: int, number: int, per_year: int) -> date:
    if number > per_year:
        return date(year, 12, 1)
    return date(year, 1 + (number - 1) * 12 // per_year, 1)


def term_slots(term_start: date, term_end: date, per_year: int,
               rounds: Iterable[Mapping[str, Any]]) -> list[Slot]:
    """The round slots of a term, in order.

    Args:
        term_start: first day of the term.
        term_end: last day of the term.
        per_year: rounds a year (tenant setting ``rounds_per_year``).
        rounds: the term's round rows (``id``, ``year``, ``number``,
            ``start_date``); their dates win over the nominal ones, and a
            round numbered beyond ``per_year`` adds a slot.
    """
    per_year = max(1, int(per_year))
    by_key = {(int(r["year"]), int(r["number"])): r for r in rounds}
    slots: list[Slot] = []
    for year in range(term_start.year, term_end.year + 1):
        count = max([per_year, *(n for (y, n) in by_key if y == year)])
        for number in range(1, count + 1):
            nominal = _nominal(year, number, per_year)
            following = (_nominal(year, number + 1, per_year) if number < per_year
                         else date(year + 1, 1, 1))
            row = by_key.get((year, number))
            if row is None and (following <= term_start or nominal > term_end):
                continue  # outside the term
            start = max(nominal, term_start)
            if row is not None and row.get("start_date"):
                start = row["start_date"]
            end = min(max(following, start + timedelta(days=1)), term_end + timedelta(days=1))
            if row is not None and row.get("end_date"):
                end = max(end, row["end_date"] + timedelta(days=1))
            slots.append(Slot(year=year, number=number, start=start, end=end,
                              round_id=int(row["id"]) if row is not None else None))
    slots.sort(key=lambda s: (s.start, s.year, s.number))
    return slots


@dataclass(frozen=True, slots=True)
class PlanItem:
    """An org still to cover: its population, township and class."""

    org_id: int
    population: str
    kind: str
    township_id: int | None = None
    classification: str = Classification.general.value
    sort: int = 0


@dataclass
class Proposal:
    """Where each org goes (``org_id -> (year, number)``), what did not fit, and why."""

    assign: dict[int, tuple[int, int]] = field(default_factory=dict)
    unscheduled: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _rank(item: PlanItem) -> tuple[int, int, int]:
    return (CLASS_RANK.get(item.classification, 2), item.sort, item.org_id)


def _village_groups(villages: Sequence[PlanItem],
                    township_sort: Mapping[int, int]) -> list[list[PlanItem]]:
    """Villages by township, key villages first, groups with key villages first."""
    by_township: dict[int | None, list[PlanItem]] = {}
    for item in villages:
        by_township.setdefault(item.township_id, []).append(item)
    groups = [sorted(items, key=_rank) for items in by_township.values()]

    def order(group: list[PlanItem]) -> tuple[Any, ...]:
        ranks = [_rank(i)[0] for i in group]
        township = group[0].township_id
        return (min(ranks), -ranks.count(0), -ranks.count(1),
                township_sort.get(township, 0) if township is not None else 1 << 30,
                township or 0)

    return sorted(groups, key=order)


def _fill(groups: list[list[PlanItem]], loads: list[int], low: int, high: int
          ) -> tuple[list[list[PlanItem]], list[PlanItem]]:
    """Spread the groups over rounds of ``low``..``high`` villages each; ``loads`` are the
    villages each round holds already (inspections created)."""
    total = sum(len(g) for g in groups)
    slots = len(loads)
    filled: list[list[PlanItem]] = [[] for _ in range(slots)]
    if not total or not slots:
        return filled, [i for g in groups for i in g]
    target = min(high, max(low, math.ceil((total + sum(loads)) / slots)))
    left: list[PlanItem] = []
    index = 0
    for group in groups:
        rest = list(group)
        while rest:
            if index >= slots:
                left.extend(rest)
                break
            load = loads[index] + len(filled[index])
            if load + len(rest) <= target or (load < low and load + len(rest) <= high):
                filled[index].extend(rest)
                rest = []
            elif load >= low:
                index += 1  # keep the township together in the next round
            else:
                take = max(target - load, 1)
                filled[index].extend(rest[:take])
                rest = rest[take:]
                index += 1
    # What did not fit in the first pass goes where there is room up to ``high``.
    for i, slot in enumerate(filled):
        room = high - loads[i] - len(slot)
        if room > 0 and left:
            slot.extend(left[:room])
            left = left[room:]
    return filled, left


def _spread(items: Sequence[PlanItem], loads: list[int], high: int
            ) -> tuple[list[list[PlanItem]], list[PlanItem]]:
    """Departments: evenly over the rounds, at most ``high`` a round (``loads`` held already)."""
    slots = len(loads)
    filled: list[list[PlanItem]] = [[] for _ in range(slots)]
    if not items or not slots:
        return filled, list(items)
    per = min(high, math.ceil((len(items) + sum(loads)) / slots))
    rest = sorted(items, key=_rank)
    for i in range(slots):
        take = max(0, min(per, high) - loads[i])
        filled[i], rest = rest[:take], rest[take:]
    return filled, rest


def capacity_warnings(villages: int, departments: int, slots: int, high: int,
                      high_departments: int) -> list[str]:
    """Warnings when the open rounds cannot take what is still to cover."""
    out = []
    if slots == 0:
        if villages or departments:
            out.append(f"本届已无剩余轮次，尚有 {villages} 个村（社区）、{departments} 个县直部门和"
                       "乡镇（街道）未覆盖")
        return out
    if villages > slots * high:
        out.append(f"剩余 {slots} 轮每轮最多 {high} 个、共可安排 {slots * high} 个村（社区），"
                   f"尚有 {villages} 个未覆盖，{villages - slots * high} 个无法在本届内巡察；"
                   f"请增加轮次或提高每轮容量")
    if departments > slots * high_departments:
        out.append(f"剩余 {slots} 轮每轮最多 {high_departments} 个、共可安排 "
                   f"{slots * high_departments} 个县直部门和乡镇（街道），尚有 {departments} 个"
                   f"未覆盖，{departments - slots * high_departments} 个无法在本届内巡察")
    return out


def propose(items: Sequence[PlanItem], slots: Sequence[Slot], *, low: int, high: int,
            high_departments: int, township_sort: Mapping[int, int] | None = None,
            held: Mapping[tuple[int, int], tuple[int, int]] | None = None) -> Proposal:
    """A schedule of ``items`` over the open ``slots`` (in order).

    Args:
        items: the orgs still to cover (neither covered nor under way).
        slots: the open round slots, earliest first.
        low: fewest villages a round should take.
        high: most villages a round can take.
        high_departments: most other departments a round can take.
        township_sort: the townships' sort keys (registry order).
        held: per slot key, the (villages, departments) it holds already because
            their inspections were created.
    """
    township_sort = township_sort or {}
    held = held or {}
    village_loads = [held.get(s.key, (0, 0))[0] for s in slots]
    department_loads = [held.get(s.key, (0, 0))[1] for s in slots]
    villages = [i for i in items if i.population == "villages"]
    with_villages = {v.township_id for v in villages}
    townships = {i.org_id: i for i in items if i.kind == "township"
                 and i.org_id in with_villages}
    others = [i for i in items if i.population != "villages" and i.org_id not in townships]
    proposal = Proposal(warnings=capacity_warnings(len(villages), len(others), len(slots), high,
                                                   high_departments))
    filled, left = _fill(_village_groups(villages, township_sort), village_loads, max(1, low),
                         max(1, high))
    for slot, members in zip(slots, filled, strict=True):
        for item in members:
            proposal.assign[item.org_id] = slot.key
            township = townships.pop(item.township_id, None) if item.township_id else None
            if township is not None:  # the township goes with its first villages
                proposal.assign[township.org_id] = slot.key
    spread, rest = _spread([*others, *townships.values()], department_loads,
                           max(1, high_departments))
    for slot, members in zip(slots, spread, strict=True):
        for item in members:
            proposal.assign[item.org_id] = slot.key
    proposal.unscheduled = [i.org_id for i in [*left, *rest]]
    if proposal.unscheduled and not proposal.warnings:
        proposal.warnings.append(f"有 {len(proposal.unscheduled)} 个对象未能排入剩余轮次")
    return proposal
