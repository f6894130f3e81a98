"""What the office does with a term's coverage: classify targets, plan, create inspections.

Every function takes the request's ``Work`` and writes in one transaction
with an audit entry and a ``coverage.changed`` event (so the county's report
to its city is republished in the same transaction). Inspections are created
through the core's ``create_inspection`` (from :mod:`core.api`), so
they start in ``planned`` with their timeline, audit entry and
``inspection.planned`` event like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import msgspec

from core.api import Conflict, FieldError, Invalid, NotFound, Round, Term, Work, create_inspection
from plugins.village_coverage.events import CoverageChanged
from plugins.village_coverage.model import (
    DEFAULT_MODE,
    MODE_LABELS,
    Classification,
    Mode,
    State,
)
from plugins.village_coverage.planner import Proposal, Slot, propose
from plugins.village_coverage.status import Coverage, OrgLine, load_coverage
from plugins.village_coverage.tables import CoverageOrg, CoveragePlanEntry

__all__ = [
    "Created",
    "EntryChange",
    "TargetChange",
    "create_round_inspections",
    "find_slot",
    "load_term",
    "propose_plan",
    "set_entries",
    "update_target",
]

MAX_TARGETS = 50
"""Most orgs in one inspection (as the inspections API allows)."""
UNSET: Any = msgspec.UNSET


async def load_term(work: Work, term_id: int) -> dict[str, Any]:
    """The tenant's term or 404."""
    term = await work.session.get(Term, term_id)
    if term is None:
        raise NotFound("届不存在")
    return term


def _line(coverage: Coverage, org_id: int, field_name: str = "org_id") -> OrgLine:
    for line in coverage.lines:
        if line.org_id == org_id:
            return line
    refusal = NotFound if field_name == "org_id" else Invalid
    raise refusal([FieldError(field_name, "该对象不是本届巡察全覆盖的对象（不存在或已停用）")])


class TargetChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The office's decision about one target (fields left out stay as they are)."""

    classification: Classification | msgspec.UnsetType = UNSET
    mode: Mode | msgspec.UnsetType = UNSET
    note: str | msgspec.UnsetType = UNSET
    covered_on: date | msgspec.UnsetType | None = UNSET
    covered_note: str | msgspec.UnsetType = UNSET


async def update_target(work: Work, term: dict[str, Any], org_id: int,
                        change: TargetChange) -> OrgLine:
    """Classify a village, set its mode, or record a coverage by other means."""
    values = {k: v for k, v in msgspec.structs.asdict(change).items() if v is not UNSET}
    async with work.transaction():
        coverage = await load_coverage(work, term)
        line = _line(coverage, org_id)
        if not line.village and ("classification" in values or "mode" in values):
            raise Invalid([FieldError(
                "classification", "只有村（社区）区分重点村、关注村、一般村及巡察方式")])
        covered_on = values.get("covered_on")
        if covered_on is not None:
            if covered_on > work.clock.today():
                raise Invalid([FieldError("covered_on", "覆盖日期不能晚于今天")])
            if not term["start_date"] <= covered_on <= term["end_date"]:
                raise Invalid([FieldError("covered_on", "覆盖日期不在本届起止日期内")])
            if not (values.get("covered_note") or "").strip():
                raise Invalid([FieldError("covered_note",
                                             "请说明以何种方式覆盖（如：市委提级巡察）")])
        if "classification" in values and "mode" not in values:
            values["mode"] = DEFAULT_MODE[Classification(values["classification"])]
        stored = {k: (v.value if isinstance(v, Classification | Mode) else v)
                  for k, v in values.items()}
        if stored:
            await _upsert_decision(work, term["id"], org_id, stored)
            await work.audit("coverage.target", "org", org_id,
                             {"term_id": term["id"], **msgspec.to_builtins(stored)})
            work.emit(CoverageChanged(term_id=term["id"], what="target"))
        coverage = await load_coverage(work, term)
    return _line(coverage, org_id)


async def _upsert_decision(work: Work, term_id: int, org_id: int, values: dict[str, Any]
                           ) -> None:
    values = {**values, "updated_at": work.clock.now()}
    where = {"term_id": term_id, "org_id": org_id}
    if not await work.session.update(CoverageOrg, where, values):
        await work.session.insert(CoverageOrg, [{**where, **values}])


async def propose_plan(work: Work, term: dict[str, Any]) -> Proposal:
    """Schedule everything still to cover over the open rounds (replacing the unfixed plan)."""
    async with work.transaction():
        coverage = await load_coverage(work, term)
        slots = coverage.open_slots
        township_sort = {line.org_id: line.sort for line in coverage.lines
                         if line.kind == "township"}
        items = [line.plan_item() for line in coverage.to_cover()]
        held: dict[tuple[int, int], tuple[int, int]] = {}
        for line in coverage.lines:
            if line.slot and line.state == State.in_progress:
                villages, departments = held.get(line.slot, (0, 0))
                held[line.slot] = ((villages + 1, departments) if line.village
                                   else (villages, departments + 1))
        proposal = propose(items, slots, low=coverage.low, high=coverage.high,
                           high_departments=coverage.high_departments,
                           township_sort=township_sort, held=held)
        session = work.session
        await session.delete(CoveragePlanEntry, {"term_id": term["id"], "inspection_id": None})
        if items:
            await session.delete(CoveragePlanEntry, {"term_id": term["id"],
                                                     "org_id": [i.org_id for i in items]})
        now = work.clock.now()
        await session.insert(CoveragePlanEntry, [
            {"term_id": term["id"], "org_id": org_id, "year": year, "number": number,
             "updated_at": now} for org_id, (year, number) in proposal.assign.items()])
        await work.audit("coverage.propose", "term", term["id"], {
            "planned": len(proposal.assign), "unscheduled": len(proposal.unscheduled),
            "rounds": len(slots)})
        work.emit(CoverageChanged(term_id=term["id"], what="plan"))
    return proposal


def find_slot(coverage: Coverage, code: str, field_name: str = "slot") -> Slot:
    """The term's slot ``2025-2`` (400 naming ``field_name`` if there is none)."""
    for slot in coverage.slots:
        if slot.code == code:
            return slot
    raise Invalid([FieldError(field_name,
                              f"本届没有轮次 {code[:16]}（格式：年份-轮次，如 2025-2）")])


class EntryChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Put one org in a round (``slot`` ``2025-2``), or take it out (``slot`` null)."""

    org_id: int
    slot: str | None


async def set_entries(work: Work, term: dict[str, Any], changes: Sequence[EntryChange]) -> None:
    """The office's edits of the plan: each org to an open round, or out of the plan."""
    async with work.transaction():
        coverage = await load_coverage(work, term)
        today, rows = work.clock.today(), []
        for i, change in enumerate(changes):
            where = f"entries[{i}]"
            line = _line(coverage, change.org_id, f"{where}.org_id")
            if line.state in (State.covered, State.in_progress):
                done = "覆盖" if line.state == State.covered else "在巡察中"
                raise Conflict([FieldError(f"{where}.org_id",
                                             f"{line.name}已{done}，不能再调整计划")])
            await work.session.delete(CoveragePlanEntry, {"term_id": term["id"],
                                                          "org_id": change.org_id})
            if change.slot is None:
                continue
            slot = find_slot(coverage, change.slot, f"{where}.slot")
            if not slot.open_on(today):
                raise Invalid([FieldError(f"{where}.slot", f"{slot.label}已结束，不能再安排")])
            rows.append({"term_id": term["id"], "org_id": change.org_id, "year": slot.year,
                         "number": slot.number, "updated_at": work.clock.now()})
        await work.session.insert(CoveragePlanEntry, rows)
        await work.audit("coverage.plan", "term", term["id"], {
            "entries": [msgspec.to_builtins(c) for c in changes][:200]})
        work.emit(CoverageChanged(term_id=term["id"], what="plan"))


@dataclass
class Created:
    """What creating a round's inspections did."""

    round_id: int
    inspections: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _groups(lines: list[OrgLine]) -> list[tuple[str, list[OrgLine]]]:
    """Inspections to create: a township with its villages, direct villages, departments."""
    townships = {line.org_id: line for line in lines if line.kind == "township"}
    by_township: dict[int | None, list[OrgLine]] = {}
    for line in lines:
        if line.village:
            by_township.setdefault(line.township_id, []).append(line)
    out: list[tuple[str, list[OrgLine]]] = []
    for township_id, villages in by_township.items():
        head = townships.pop(township_id, None) if township_id else None
        modes = {v.mode for v in villages}
        how = (MODE_LABELS[Mode.township_discipline] if Mode.township_discipline.value in modes
               else MODE_LABELS[Mode.direct] if head is None else MODE_LABELS[Mode.township])
        name = head.name if head else (villages[0].township or "直属村（社区）")
        members = ([head] if head else []) + villages
        for part in range(0, len(members), MAX_TARGETS):
            suffix = f"（{part // MAX_TARGETS + 1}）" if len(members) > MAX_TARGETS else ""
            out.append((f"{name}{suffix}（{how}）", members[part:part + MAX_TARGETS]))
    for line in lines:
        if (not line.village and line.kind != "township") or line.org_id in townships:
            out.append((line.name, [line]))
    return out


async def create_round_inspections(work: Work, term: dict[str, Any], slot_code: str
                                   ) -> Created:
    """Create the inspections of one planned round (its round must exist in the term).

    Villages the city inspects itself (提级巡察) are left out and listed as skipped.
    """
    async with work.transaction():
        coverage = await load_coverage(work, term)
        slot = find_slot(coverage, slot_code)
        round_row = (await work.session.get(Round, slot.round_id)) if slot.round_id else None
        if round_row is None:
            raise Conflict([FieldError(
                "slot", f"请先在“巡察轮次”中新建{slot.label}（属于本届）")])
        planned = [line for line in coverage.lines
                   if line.slot == slot.key and line.state == State.planned]
        if not planned:
            raise Conflict([FieldError("slot", f"{slot.label}没有待创建巡察任务的计划对象")])
        created = Created(round_id=int(round_row["id"]))
        elevated = [line for line in planned if line.mode == Mode.elevated.value]
        created.skipped = [f"{line.name}（{MODE_LABELS[Mode.elevated]}）" for line in elevated]
        own = [line for line in planned if line.mode != Mode.elevated.value]
        if not own:
            raise Conflict([FieldError("slot", f"{slot.label}待安排的对象均由市委提级巡察，"
                                                 "无需由本机构创建巡察任务")])
        for title, members in _groups(own):
            full = f"{round_row['name']}·{title}"[:200]
            new_id = await create_inspection(work, round_id=int(round_row["id"]), kind="regular",
                                             org_ids=[m.org_id for m in members], title=full)
            await work.session.update(CoveragePlanEntry, {
                "term_id": term["id"], "org_id": [m.org_id for m in members]},
                {"inspection_id": new_id, "updated_at": work.clock.now()})
            created.inspections.append({"id": new_id, "title": full, "orgs": len(members)})
        await work.audit("coverage.create_inspections", "term", term["id"], {
            "slot": slot.code, "inspections": [i["id"] for i in created.inspections],
            "skipped": len(elevated)})
        work.emit(CoverageChanged(term_id=term["id"], what="inspections"))
    return created

