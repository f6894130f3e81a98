"""巡察“回头看”: who is a candidate, creating a lookback linked to the earlier inspection,
and the earlier open ledger items beside the lookback's new findings.

A candidate is an earlier inspection with a unit graded 一般 or 差 (基本合格 or
不合格) in a signed-off evaluation (with whether it was interviewed, 约谈), or
with ledger items not yet closed (销号). A lookback
is an inspection of the existing kind ``lookback`` of the same units, created
through the core's service, and linked here (``lookback_link``). The earlier
inspection's ledger items still open then are carried into it, each once
(``lookback_carried_item``); the lookback shows them, with their status now
(closed during the lookback: said so), beside the lookback's new findings.
"""

from __future__ import annotations

from typing import Any

from core.api import (
    Conflict,
    FieldError,
    Finding,
    Inspection,
    InspectionTarget,
    ItemStatus,
    NotFound,
    RectificationItem,
    Stage,
    Work,
    create_inspection,
    item_out,
    org_names,
    stage_rank,
)
from plugins.evaluation.model import GRADE_LABELS, LOOKBACK_GRADES, Grade, Status
from plugins.evaluation.tables import (
    EvaluationInterview,
    LookbackCarriedItem,
    LookbackLink,
    UnitEvaluation,
)

__all__ = ["candidates", "carry_items", "create_lookback", "link_of", "side_by_side"]


async def candidates(work: Work) -> list[dict[str, Any]]:
    """Earlier inspections to look back on, each with its reasons and any lookback made."""
    session = work.session
    reasons: dict[int, list[str]] = {}
    weak = await session.list(UnitEvaluation, {"status": Status.signed.value,
                                               "grade": [g.value for g in LOOKBACK_GRADES]},
                              limit=None)
    names = await org_names(session, [r["org_id"] for r in weak])
    held = {r["evaluation_id"]: r for r in await session.list(
        EvaluationInterview, {"evaluation_id": [r["id"] for r in weak]}, limit=None)} \
        if weak else {}
    for row in weak:
        talk = held.get(row["id"])
        said = f"，已于 {talk['held_on']} 约谈" if talk else "，待约谈"
        reasons.setdefault(row["inspection_id"], []).append(
            f"{names.get(row['org_id'], '')}整改评估等次为“{GRADE_LABELS[Grade(row['grade'])]}”"
            f"（{float(row['total']):g} 分）{said}")
    open_items = await session.list(RectificationItem, {
        "status__ne": ItemStatus.closed.value}, limit=None)
    counts: dict[int, int] = {}
    for item in open_items:
        counts[item["inspection_id"]] = counts.get(item["inspection_id"], 0) + 1
    for inspection_id, n in counts.items():
        reasons.setdefault(inspection_id, []).append(f"尚有 {n} 项整改事项未销号")
    if not reasons:
        return []
    rows = await session.list(Inspection, {"id": sorted(reasons)}, order_by=("id",),
                              limit=None)
    links = await session.list(LookbackLink, {"earlier_id": sorted(reasons)}, limit=None)
    made = {link["earlier_id"]: link["inspection_id"] for link in links}
    return [{"earlier_id": r["id"], "title": r["title"], "kind": r["kind"],
             "stage": r["stage"], "reasons": reasons[r["id"]],
             "lookback_id": made.get(r["id"])}
            for r in rows if r["kind"] != "lookback"
            and stage_rank(r["stage"]) >= stage_rank(Stage.feedback)]


async def create_lookback(work: Work, earlier_id: int, round_id: int) -> dict[str, Any]:
    """Create a lookback inspection of the earlier one's units, linked to it.

    Raises:
        NotFound: no such earlier inspection.
        Conflict: it is no candidate, or a lookback of it exists.
        Invalid: the round (the core's refusals).
    """
    async with work.transaction():
        earlier = await work.session.get(Inspection, earlier_id)
        if earlier is None:
            raise NotFound([FieldError("earlier_id", "被“回头看”的巡察任务不存在")])
        found = next((c for c in await candidates(work) if c["earlier_id"] == earlier_id), None)
        if found is None:
            raise Conflict([FieldError("earlier_id", (
                "该巡察任务不是“回头看”对象：须有单位整改评估等次为“一般”“差”"
                "（或“基本合格”“不合格”），"
                "或尚有整改事项未销号"))])
        if found["lookback_id"] is not None:
            raise Conflict([FieldError("earlier_id", "该巡察任务已建立“回头看”任务")])
        targets = await work.session.list(InspectionTarget, {"inspection_id": earlier_id},
                                          limit=None)
        new_id = await create_inspection(
            work, round_id=round_id, kind="lookback", org_ids=[t["org_id"] for t in targets],
            title=f"{earlier['title']}“回头看”"[:200])
        reason = "；".join(found["reasons"])[:200]
        await work.session.insert(LookbackLink, [{
            "inspection_id": new_id, "earlier_id": earlier_id, "reason": reason,
            "created_by": work.actor, "created_at": work.clock.now()}])
        carried = await carry_items(work, new_id, earlier_id)
        await work.audit("evaluation.lookback", "inspection", new_id,
                         {"earlier_id": earlier_id, "reason": reason, "carried": carried})
    return {"inspection_id": new_id, "earlier_id": earlier_id, "reason": reason,
            "carried": carried}


async def carry_items(work: Work, inspection_id: int, earlier_id: int) -> list[int]:
    """Carry the earlier inspection's open ledger items into the lookback, each item once
    (an item already carried is left where it is). Returns the ids carried now."""
    session = work.session
    open_items = await session.list(RectificationItem, {
        "inspection_id": earlier_id, "status__ne": ItemStatus.closed.value},
        order_by=("id",), limit=None)
    if not open_items:
        return []
    done = {r["item_id"] for r in await session.list(
        LookbackCarriedItem, {"item_id": [i["id"] for i in open_items]}, limit=None)}
    fresh = [i for i in open_items if i["id"] not in done]
    if fresh:
        now = work.clock.now()
        await session.insert(LookbackCarriedItem, [{
            "inspection_id": inspection_id, "earlier_id": earlier_id, "item_id": i["id"],
            "status_then": i["status"], "carried_at": now} for i in fresh])
    return [i["id"] for i in fresh]


async def link_of(work: Work, inspection_id: int) -> dict[str, Any] | None:
    """The link of a lookback inspection (None: it is not one)."""
    rows = await work.session.list(LookbackLink, {"inspection_id": inspection_id}, limit=1)
    return rows[0] if rows else None


async def side_by_side(work: Work, inspection_id: int) -> dict[str, Any]:
    """Per unit: the earlier inspection's open ledger items and the lookback's new findings.

    Raises:
        NotFound: no such inspection, or it is not linked to an earlier one.
    """
    session = work.session
    inspection = await session.get(Inspection, inspection_id)
    link = await link_of(work, inspection_id) if inspection else None
    if inspection is None or link is None:
        raise NotFound([FieldError("inspection_id", "该巡察任务不是“回头看”任务")])
    earlier = await session.get(Inspection, link["earlier_id"])
    carried = {r["item_id"]: r for r in await session.list(
        LookbackCarriedItem, {"inspection_id": inspection_id}, limit=None)}
    items = await session.list(RectificationItem, {"id": sorted(carried)}, order_by=("id",),
                               limit=None) if carried else []
    findings = await session.list(Finding, {"inspection_id": inspection_id},
                                  order_by=("id",), limit=None)
    targets = await session.list(InspectionTarget, {"inspection_id": inspection_id},
                                 limit=None)
    org_ids = [t["org_id"] for t in targets]
    names = await org_names(session, org_ids + [i["org_id"] for i in items])
    units = [{"org_id": o, "org_name": names.get(o, ""),
              "earlier_items": [_item(work, i, carried[i["id"]]) for i in items
                                if i["org_id"] == o],
              "new_findings": [_finding(f) for f in findings if f["org_id"] == o]}
             for o in org_ids]
    return {"inspection": {"id": inspection["id"], "title": inspection["title"],
                           "stage": inspection["stage"]},
            "earlier": {"id": link["earlier_id"], "title": earlier["title"] if earlier else ""},
            "reason": link["reason"], "units": units,
            "carried": len(items),
            "closed_since": sum(1 for i in items if i["status"] == ItemStatus.closed.value)}


def _item(work: Work, row: dict[str, Any], carried: dict[str, Any]) -> dict[str, Any]:
    """A carried item as the ledger shows it now; ``closed_in_lookback`` once it is 销号."""
    shown = item_out(row, work.clock.today())
    closed = row["status"] == ItemStatus.closed.value
    return {"id": row["id"], "problem": row["problem"], "status": row["status"],
            "status_label": shown.status_label, "overdue": shown.overdue,
            "deadline": row["deadline"], "measures": row["measures"],
            "carried_at": carried["carried_at"], "closed_in_lookback": closed,
            "closed_on": row["closed_on"] if closed else None}


def _finding(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "title": row["title"], "category": row["category"],
            "severity": row["severity"], "fix_now": bool(row["fix_now"])}


