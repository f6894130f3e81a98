"""Test data for the ledger tests: a seeded inspection fed back today, with fresh findings."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date, timedelta
from typing import Any

from litestar import Litestar

from core.db import Database
from core.inspection.tables import Finding, Inspection, InspectionTarget, RectificationItem
from core.tenancy.tables import Org
from tests.inspection.paper_steps import EventRecorder, plugged_in
from tests.inspection.seed import seed_inspection

__all__ = ["fed_back", "item_url", "recorded_events", "today_of"]


def today_of(app: Litestar) -> date:
    """Today on the app's clock."""
    return app.state.runtime.clock.today()  # type: ignore[no-any-return]


def item_url(tenant: str, item_id: int, tail: str = "") -> str:
    """``/t/<tenant>/api/rectification/items/<id>[/tail]``."""
    return f"/t/{tenant}/api/rectification/items/{item_id}" + (f"/{tail}" if tail else "")


async def fed_back(database: Database, tenant_id: int, app: Litestar, marker: str,
                   stage: str = "feedback", findings: int = 3) -> dict[str, Any]:
    """A seeded inspection in ``stage``, fed back today, with a second target org.

    Adds ``findings`` new findings (the last one about the second org) and keeps
    the seeded ledger item (of the seeded finding) out of the overdue scan by
    moving its deadline a year ahead. Returns the seed ids plus ``other_org_id``,
    ``finding_ids`` (the new findings) and ``today``.
    """
    ids = await seed_inspection(database, tenant_id, marker, stage=stage)
    session = database.tenant(tenant_id)
    today = today_of(app)
    await session.update(Inspection, {"id": ids["inspection_id"]}, {"feedback_on": today})
    await session.update(RectificationItem, {"id": ids["item_id"]},
                         {"deadline": today + timedelta(days=365)})
    orgs = await session.list(Org, limit=None)
    others = [o for o in orgs if o["id"] != ids["org_id"]]
    other = next((o for o in others if o["kind"] == "village"), others[0])
    await session.insert(InspectionTarget, [{"inspection_id": ids["inspection_id"],
                                             "org_id": other["id"]}])
    rows = [{
        "inspection_id": ids["inspection_id"],
        "org_id": other["id"] if n == findings - 1 else ids["org_id"],
        "category": "work_style", "title": f"{marker}问题{n}",
        "description": f"{marker}描述{n}" if n else "", "source": "documents",
        "recorded_by": "seed"} for n in range(findings)]
    finding_ids = await session.insert(Finding, rows)
    return {**ids, "other_org_id": other["id"], "finding_ids": finding_ids, "today": today}


def recorded_events(app: Litestar, tenant: str = "ta.one") -> AbstractContextManager[EventRecorder]:
    """Record the events of ``tenant`` while the block runs."""
    return plugged_in(app, EventRecorder({tenant}))
