"""A county reports its rectification of the city's elevated inspections up.

From ``xuncha_sync_outgoing``: whenever a transaction changes a ledger item,
submits a target org's rectification report or moves the stage of the
county's record of an elevated inspection, the county emits
``elevated.progress`` with its counts as they stand in that transaction. The
city reads the newest as a replica (:func:`progress_of`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import msgspec

from core.api import (
    Envelope,
    Inspection,
    InspectionStageChanged,
    ItemStatus,
    RectificationItem,
    RectificationItemChanged,
    RectificationReport,
    Replica,
    TenantSession,
    Work,
    is_overdue,
)
from plugins.elevated_cross.events import ElevatedProgress, ReportedRectification
from plugins.elevated_cross.tables import ElevatedHandover

__all__ = ["REPORT_SUBMITTED", "progress_of", "report_progress"]

REPORT_SUBMITTED = "rectification.report_submitted"
"""The core's event when an org's rectification report is submitted."""


async def report_progress(events: Sequence[Envelope], work: Work) -> None:
    """Emit ``elevated.progress`` for each received elevated inspection the events touched."""
    tenant = work.tenant
    if not tenant.parent_code:
        return
    touched = {env.payload.inspection_id for env in events
               if isinstance(env.payload, RectificationItemChanged | InspectionStageChanged)}
    touched |= {int(getattr(env.payload, "inspection_id", 0)) for env in events
                if env.type == REPORT_SUBMITTED}
    if not touched:
        return
    rows = await work.session.list(ElevatedHandover, {
        "origin": tenant.parent_code, "inspection_id": sorted(touched)}, limit=None)
    today = work.clock.today()
    for row in rows:
        inspection = await work.session.get(Inspection, row["inspection_id"])
        items = await work.session.list(RectificationItem,
                                        {"inspection_id": row["inspection_id"]}, limit=None)
        reports = await work.session.list(RectificationReport, {
            "inspection_id": row["inspection_id"]}, order_by=("org_id",), limit=None)
        work.emit(ElevatedProgress(
            elevated_id=row["elevated_id"], inspection_id=row["inspection_id"],
            stage=inspection["stage"] if inspection else "",
            items=len(items), closed=sum(i["status"] == ItemStatus.closed for i in items),
            overdue=sum(is_overdue(i["deadline"], i["status"], today) for i in items),
            by_status=dict(Counter(str(i["status"]) for i in items)),
            reports=[ReportedRectification(org_id=r["org_id"], due_date=r["due_date"],
                                           submitted_on=r["submitted_on"],
                                           summary=r["summary"]) for r in reports]))


async def progress_of(session: TenantSession, county: str, elevated_id: int
                      ) -> ElevatedProgress | None:
    """The newest progress the county reported on an elevated inspection (a city)."""
    rows = await session.list(Replica, {"kind": "elevated_progress", "origin": county,
                                        "key": str(elevated_id)}, limit=1)
    if not rows:
        return None
    try:
        return msgspec.convert(rows[0]["data"], ElevatedProgress, strict=False)
    except msgspec.ValidationError:
        return None
