"""Deductions the records already justify (系统预填), each with the reason it was taken.

From the inspected unit's ledger and report in this inspection:

- ``overdue_items``: ledger items past their deadline and not yet submitted;
- ``open_items``: ledger items not closed (销号);
- ``report_late``: the rectification report submitted after its due date.

An item whose ``prefill`` names one of these facts is proposed with
``per_case`` points per case (at most the item's maximum); the group may
change or remove it like any other deduction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from core.api import ItemStatus, RectificationItem, RectificationReport, Work, is_overdue
from plugins.evaluation.indicators import Indicator
from plugins.evaluation.scoring import Deduction

__all__ = ["Facts", "load_facts", "prefill"]


class Facts:
    """What the records say about one unit of one inspection."""

    def __init__(self, items: list[dict[str, Any]], reports: list[dict[str, Any]],
                 today: date) -> None:
        self.overdue = [i for i in items if is_overdue(i["deadline"], i["status"], today)]
        self.open = [i for i in items if i["status"] != ItemStatus.closed.value]
        self.late = [r for r in reports if r["submitted_on"] is not None
                     and r["submitted_on"] > r["due_date"]]
        self.reports = reports


async def load_facts(work: Work, inspection_id: int, org_id: int) -> Facts:
    """The unit's ledger items and reports in the inspection."""
    where = {"inspection_id": inspection_id, "org_id": org_id}
    items = await work.session.list(RectificationItem, where, order_by=("id",), limit=None)
    reports = await work.session.list(RectificationReport, where, limit=None)
    return Facts(items, reports, work.clock.today())


def _problems(rows: list[dict[str, Any]]) -> str:
    shown = "；".join(f"#{r['id']} {str(r['problem'])[:30]}" for r in rows[:5])
    return shown + ("等" if len(rows) > 5 else "")


def _reasons(facts: Facts) -> dict[str, tuple[int, Callable[[], str]]]:
    late = facts.late[0] if facts.late else None
    return {
        "overdue_items": (len(facts.overdue), lambda: (
            f"整改台账中 {len(facts.overdue)} 项整改事项超过时限未完成："
            f"{_problems(facts.overdue)}")),
        "open_items": (len(facts.open), lambda: (
            f"整改台账中 {len(facts.open)} 项整改事项尚未销号：{_problems(facts.open)}")),
        "report_late": (len(facts.late), lambda: (
            f"整改报告应于 {late['due_date']} 前报送，实际 {late['submitted_on']} 报送"
            if late else "")),
    }


def prefill(indicators: list[Indicator], facts: Facts) -> list[Deduction]:
    """The deductions the facts justify, with the reason for each."""
    reasons = _reasons(facts)
    out = []
    for indicator in indicators:
        for item in indicator.items:
            count, reason = reasons.get(item.prefill, (0, str))
            if not count or item.per_case <= 0:
                continue
            text = reason()
            points = round(min(item.points, item.per_case * count), 2)
            out.append(Deduction(item=item.code, points=points, evidence=text, prefilled=True,
                                 reason=f"系统预填（{count} 项，每项扣 {item.per_case:g} 分，"
                                        f"最多 {item.points:g} 分）：{text}"))
    return out
