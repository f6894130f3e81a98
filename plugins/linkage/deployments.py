"""A county's answer to a deployment of a special inspection (专项巡察部署) bound to a kind.

The city deploys a kind (its checklist, extra fields and figures come with
the kind's plugin) to its counties with a deadline; each county answers with
the progress of its inspections of that kind planned since the deployment:
how many, how many reached the report (撰写报告 or later), how many are
still short of it after the deadline, and their figures
(``xuncha_inspection_statistics``) summed. The answer is emitted as
``directive.answered`` inside the transaction of any change to such an
inspection (plan, stage, findings, checklist), so the city's board follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.api import (
    CHINA,
    Envelope,
    Inspection,
    Replica,
    Stage,
    Work,
    inspection_statistics,
    stage_rank,
)
from plugins.linkage.answers import received_out
from plugins.linkage.directives import DirectiveOut
from plugins.linkage.events import DirectiveAnswered, StatisticSummary
from plugins.linkage.model import DirectiveKind, is_county

__all__ = ["answer_deployments", "deployment_answer"]

_REPORTED = stage_rank(Stage.reporting)


def _touched_inspections(events: Sequence[Envelope]) -> set[int]:
    found = (getattr(env.payload, "inspection_id", None) for env in events)
    return {value for value in found if isinstance(value, int)}


async def deployment_answer(work: Work, directive: DirectiveOut) -> DirectiveAnswered:
    """The county's progress on one deployment of a kind, as it stands in ``work``."""
    rows = [r for r in await work.session.list(
        Inspection, {"kind": directive.inspection_kind}, order_by=("id",), limit=None)
        if r["created_at"].astimezone(CHINA).date() >= directive.issued_on]
    today = work.clock.today()
    reported = [r for r in rows if stage_rank(r["stage"]) >= _REPORTED]
    late = directive.due_date is not None and today > directive.due_date
    totals: dict[str, StatisticSummary] = {}
    for row in rows:
        for figure in await inspection_statistics(work, row["id"], row["kind"]):
            held = totals.get(figure.code)
            value = figure.value + (held.value if held else 0)
            totals[figure.code] = StatisticSummary(code=figure.code, label=figure.label,
                                                   value=round(value, 2), unit=figure.unit)
    note = f"本县已开展{len(rows)}个，{len(reported)}个已进入报告阶段"
    return DirectiveAnswered(directive_id=directive.id, items=len(rows), closed=len(reported),
                             overdue=len(rows) - len(reported) if late else 0, note=note,
                             statistics=list(totals.values()))


async def answer_deployments(events: Sequence[Envelope], work: Work) -> None:
    """Emit the answer to each deployment whose kind an inspection of the transaction has
    (a county only; called through ``xuncha_sync_outgoing`` before commit)."""
    tenant = work.tenant
    if not is_county(tenant) or tenant.parent_code is None:
        return
    ids = _touched_inspections(events)
    if not ids:
        return
    kinds = {r["kind"] for r in await work.session.list(Inspection, {"id": sorted(ids)},
                                                        limit=None)}
    received: list[Any] = await work.session.list(
        Replica, {"kind": "directive", "origin": tenant.parent_code}, limit=None)
    for row in received:
        directive = received_out(row)
        if (directive is not None and directive.kind == DirectiveKind.deployment.value
                and directive.inspection_kind in kinds and not directive.withdrawn):
            work.emit(await deployment_answer(work, directive))
