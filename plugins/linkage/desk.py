"""A county's desk (工作台): the city's common problems it has yet to answer.

A directive of kind 共性问题 is answered by ledger items linked to it
(:mod:`plugins.linkage.answers`); until the county links one, it sits on the
desk of those who may answer (``directive:answer``), most urgent first by
the directive's due date. Withdrawn directives and a city's desk show none.
"""

from __future__ import annotations

from core.api import DeskEntry, DeskItem, DeskViewer, Replica, Work, desk_level
from plugins.linkage.answers import linked_directive_ids, received_out
from plugins.linkage.model import DirectiveKind, is_county

__all__ = ["DESK_SHOWN", "directives_to_answer"]

DESK_SHOWN = 8
"""How many directives the desk lists."""


async def directives_to_answer(work: Work, viewer: DeskViewer) -> list[DeskItem]:
    """The city's common problems this county received and has not answered yet."""
    tenant = work.tenant
    if not viewer.may("directive:answer") or not is_county(tenant) or not tenant.parent_code:
        return []
    origin = tenant.parent_code
    rows = await work.session.list(Replica, {"kind": "directive", "origin": origin},
                                   limit=None)
    answered = await linked_directive_ids(work.session, origin)
    today = work.clock.today()
    entries = []
    for out in map(received_out, rows):
        if out is None or out.withdrawn or out.kind != DirectiveKind.common_problem.value \
                or out.id in answered:
            continue
        level = desk_level(out.due_date, today) or "todo"
        note = f"{out.kind_label} · {out.issued_on.isoformat()} 下发"
        if out.due_date is not None:
            left = (out.due_date - today).days
            note += f" · 已逾期 {-left} 天" if left < 0 else f" · 剩 {left} 天"
        entries.append(DeskEntry(title=out.title, path=f"directives/{out.id}",
                                 due=out.due_date, level=level, note=note))
    if not entries:
        return []
    rank = {"overdue": 0, "red": 1, "yellow": 2, "todo": 3}
    entries.sort(key=lambda e: (rank[e.level], e.due is None, e.due or today, e.title))
    return [DeskItem(code="directives_to_answer", label="待落实的上级部署（共性问题）",
                     count=len(entries), entries=tuple(entries[:DESK_SHOWN]),
                     level=entries[0].level, path="directives", order=50)]
