"""Scoring a unit's rectification by deduction: pure functions, no storage.

Each deduction names an item of an indicator, the points taken (more than 0,
at most the item's maximum) and the evidence (required). An indicator scores
its weight less its deductions, never below 0; the total is the sum of the
indicators' scores, and the grade follows the tenant's cut-offs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from core.api import FieldError, Invalid
from plugins.evaluation.indicators import Indicator, Item
from plugins.evaluation.model import Grade, grade_of

__all__ = ["Deduction", "Score", "check_deductions", "deductions_of", "score"]


class Deduction(msgspec.Struct, kw_only=True):
    """One deduction taken: an item, its points and the evidence (扣分依据)."""

    item: str
    points: float
    evidence: str
    prefilled: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Score:
    """Each indicator's score, the total and the grade."""

    parts: dict[str, float]
    total: float
    grade: Grade


def _items(indicators: list[Indicator]) -> dict[str, tuple[Indicator, Item]]:
    return {item.code: (ind, item) for ind in indicators for item in ind.items}


def check_deductions(indicators: list[Indicator], deductions: list[Deduction]) -> None:
    """Refuse deductions naming unknown items, points out of range or no evidence.

    Raises:
        Invalid: every problem, each under ``deductions[<item>]``.
    """
    known = _items(indicators)
    errors: list[FieldError] = []
    seen: set[str] = set()
    for d in deductions:
        where = f"deductions[{d.item}]"
        found = known.get(d.item)
        if found is None:
            errors.append(FieldError(where, f"扣分项 {d.item[:40]} 不在本机构的评估指标中"))
            continue
        _, item = found
        if d.item in seen:
            errors.append(FieldError(where, f"扣分项“{item.label}”重复填写"))
        seen.add(d.item)
        if not 0 < d.points <= item.points:
            errors.append(FieldError(where, (
                f"“{item.label}”扣分应大于 0 且不超过 {item.points:g} 分（填写了 {d.points:g}）")))
        if not d.evidence.strip():
            errors.append(FieldError(where, f"“{item.label}”须写明扣分依据（证据）"))
    if errors:
        raise Invalid(errors)


def score(indicators: list[Indicator], deductions: list[Deduction],
          cutoffs: dict[Grade, float]) -> Score:
    """The score of each indicator, the total and the grade."""
    known = _items(indicators)
    taken: dict[str, float] = {}
    for d in deductions:
        if d.item in known:
            code = known[d.item][0].code
            taken[code] = taken.get(code, 0.0) + d.points
    parts = {ind.code: round(max(0.0, ind.weight - taken.get(ind.code, 0.0)), 2)
             for ind in indicators}
    total = round(sum(parts.values()), 2)
    return Score(parts=parts, total=total, grade=grade_of(total, cutoffs))


def deductions_of(raw: list[dict[str, Any]]) -> list[Deduction]:
    """Deductions as stored (JSON) back into structs."""
    return msgspec.convert(raw, list[Deduction])
