"""What the inspection page shows from the report on: report steps, feedback, rectification,
the moves still possible and what each one lacks, and one ledger item's page.

Everything is read through the tenant's session and the same services the
JSON API calls (:mod:`core.inspection.rectification`, :mod:`core.inspection.ledger`,
:func:`core.inspection.stages.missing_for`), so what a page offers is what
the API would accept.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request

from core.inspection.common import stage_rank
from core.inspection.ledger import FROZEN, ITEM_STAGES, VERIFY_MOVES, WRITE_MOVES, load_item
from core.inspection.ledger_query import (
    LedgerFilter,
    item_history,
    item_out,
    list_items,
    org_names,
)
from core.inspection.model import (
    DISCLOSURE_SCOPE_LABELS,
    ITEM_STATUS_LABELS,
    REPORT_STEP_LABELS,
    RETENTION_LABELS,
    WITHHOLD_REASON_LABELS,
    ItemStatus,
    ReportStep,
    Stage,
)
from core.inspection.rectification import (
    DISCLOSURE_STAGES,
    REPORT_STAGES,
    list_disclosures,
    list_reports,
)
from core.inspection.stages import missing_for
from core.inspection.tables import Finding, Inspection, InspectionLog, InspectionTarget
from core.inspection.tables import RectificationItem as Item
from core.web.pages.forms import may
from core.web.pages.views import moment, stage_move
from core.work import Work

__all__ = [
    "MOVE_LABELS",
    "SECTION_ITEMS",
    "VERDICT_LABELS",
    "closing_view",
    "item_view",
    "report_view",
    "stage_checks",
]

SECTION_ITEMS = 50
"""Ledger items listed on the inspection page (the ledger page shows the rest)."""

MOVE_LABELS: dict[tuple[ItemStatus, ItemStatus], str] = {
    (ItemStatus.open, ItemStatus.in_progress): "启动整改（转为“整改中”）",
    (ItemStatus.in_progress, ItemStatus.submitted): "整改完成，报送验收（转为“已报送”）",
    (ItemStatus.submitted, ItemStatus.in_progress): "撤回报送（退回“整改中”）",
}
"""The unit's status moves as the item page offers them."""

VERDICT_LABELS: dict[tuple[ItemStatus, ItemStatus], str] = {
    (ItemStatus.submitted, ItemStatus.verified): "验收通过（转为“已验收”）",
    (ItemStatus.submitted, ItemStatus.in_progress): "退回整改（须写明理由）",
    (ItemStatus.verified, ItemStatus.closed): "销号（转为“已销号”）",
}
"""The office's verdicts as the item page offers them."""


def report_view(insp: dict[str, Any], feedback: dict[str, Any] | None) -> dict[str, Any]:
    """The report's chain of steps, the next one, and the feedback record."""
    steps = list(ReportStep)
    current = ReportStep(insp["report_step"])
    at = steps.index(current)
    following = steps[at + 1] if at + 1 < len(steps) else None
    in_stage = insp["stage"] == Stage.reporting.value
    return {
        "chain": [{"code": s.value, "label": REPORT_STEP_LABELS[s],
                   "state": "done" if i <= at else "next" if i == at + 1 else "todo"}
                  for i, s in enumerate(steps) if s != ReportStep.none],
        "current_label": REPORT_STEP_LABELS[current],
        "next": following.value if following else "",
        "next_label": REPORT_STEP_LABELS[following] if following else "",
        "drafting": following == ReportStep.drafted,
        "can_step": in_stage and following is not None,
        "in_stage": in_stage,
        "title": insp["report_title"],
        "summary": insp.get("report_summary") or "",
        "feedback": feedback,
        "can_feed_back": insp["stage"] == Stage.reviewed.value,
    }


async def _feedback_record(work: Work, inspection_id: int) -> dict[str, Any] | None:
    """The timeline entry of the move into ``feedback`` (who fed back, when, the record)."""
    rows = await work.session.list(InspectionLog, {
        "inspection_id": inspection_id, "kind": "stage", "to_value": Stage.feedback.value},
        order_by=("-at", "-id"), limit=1)
    if not rows:
        return None
    return {"actor": rows[0]["actor"], "at": moment(rows[0]["at"]), "remark": rows[0]["remark"]}


async def stage_checks(work: Work, insp: dict[str, Any]) -> list[dict[str, Any]]:
    """Each stage the inspection may move to now, labelled by its direction, with what
    it still lacks."""
    missing = await missing_for(work, int(insp["id"]))
    return [{**stage_move(insp["stage"], to), "reasons": reasons}
            for to, reasons in missing.items()]


async def _rectification(work: Work, insp: dict[str, Any]) -> dict[str, Any]:
    session, today, iid = work.session, work.clock.today(), int(insp["id"])
    stage = Stage(insp["stage"])
    items = await list_items(session, LedgerFilter(inspection_id=iid), today,
                             limit=SECTION_ITEMS, offset=0)
    targets = await session.list(InspectionTarget, {"inspection_id": iid}, order_by=("id",),
                                 limit=None)
    names = await org_names(session, [t["org_id"] for t in targets])
    findings = await session.list(Finding, {"inspection_id": iid}, order_by=("id",),
                                  limit=None)
    listed = {r["finding_id"] for r in await session.list(
        Item, {"inspection_id": iid, "finding_id__ne": None}, limit=None)}
    fed_back = stage_rank(stage) >= stage_rank(Stage.feedback)
    reports = await list_reports(work, iid, limit=50, offset=0) if fed_back else None
    disclosures = await list_disclosures(session, iid, limit=50, offset=0)
    return {
        "page": items, "today": today,
        "orgs": [(t["org_id"], names.get(t["org_id"], "")) for t in targets],
        "open_findings": [(f["id"], f"{f['title']}（{names.get(f['org_id'], '')}）")
                          for f in findings if f["id"] not in listed],
        "can_add": stage in ITEM_STAGES, "shown": fed_back,
        "reports": reports.items if reports else [],
        "unreported": [(r.org_id, r.org_name) for r in (reports.items if reports else [])
                       if r.submitted_on is None],
        "can_report": stage in REPORT_STAGES and insp["feedback_on"] is not None,
        "disclosures": disclosures.items,
        "can_disclose": stage in DISCLOSURE_STAGES,
        "scopes": list(DISCLOSURE_SCOPE_LABELS.items()),
        "withhold_reasons": list(WITHHOLD_REASON_LABELS.items()),
    }


async def closing_view(work: Work, insp: dict[str, Any],
                       request: Request[Any, Any, Any] | None = None) -> dict[str, Any]:
    """The inspection page's report, rectification and stage-check data, and which of
    its forms this request's account may post (``can``)."""
    actions = {"report": "report:write", "advance": "inspection:advance",
               "rect": "rectification:write", "disclose": "disclosure:write"}
    return {
        "can": {name: request is None or await may(request, action)
                for name, action in actions.items()},
        "report": report_view(insp, await _feedback_record(work, int(insp["id"]))),
        "rect": await _rectification(work, insp),
        "checks": await stage_checks(work, insp),
        "retention_options": list(RETENTION_LABELS.items()),
    }


async def item_view(work: Work, item_id: int) -> dict[str, Any]:
    """One ledger item, its history and the moves its status allows (404 when unknown)."""
    session, today = work.session, work.clock.today()
    row = await load_item(session, item_id)
    names = await org_names(session, [row["org_id"]])
    item = item_out(row, today, names.get(row["org_id"], ""))
    history = await item_history(session, item_id, limit=500, offset=0)
    inspection = await session.get(Inspection, row["inspection_id"])
    finding = await session.get(Finding, row["finding_id"]) if row["finding_id"] else None
    status = ItemStatus(item.status)
    return {
        "item": msgspec.structs.asdict(item),
        "inspection": {"id": row["inspection_id"],
                       "title": inspection["title"] if inspection else ""},
        "finding_title": finding["title"] if finding else "",
        "history": [{**msgspec.structs.asdict(h), "at": moment(h.at)} for h in history.items],
        "moves": [(s.value, MOVE_LABELS[(status, s)]) for s in WRITE_MOVES.get(status, ())],
        "verdicts": [(s.value, VERDICT_LABELS[(status, s)])
                     for s in VERIFY_MOVES.get(status, ())],
        "frozen": item.status in FROZEN,
        "status_labels": ITEM_STATUS_LABELS,
    }
