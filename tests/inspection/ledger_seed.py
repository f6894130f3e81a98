"""Test data for the ledger tests: a seeded inspection fed back today, with fresh findings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from litestar import Litestar

from core.db import Database
from core.events import Envelope
from core.hookspecs import hookimpl
from core.inspection.tables import Finding, Inspection, InspectionTarget, RectificationItem
from core.tenancy.tables import Org
from tests.inspection.seed import seed_inspection

__all__ = ["EventLog", "fed_back", "item_url", "recorded_events", "today_of"]


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


class EventLog:
    """A plugin object recording every event handed to ``xuncha_on_event``."""

    def __init__(self) -> None:
        self.events: list[Envelope] = []

    @hookimpl
    def xuncha_on_event(self, event: Envelope) -> None:
        self.events.append(event)

    def of(self, kind: str) -> list[Any]:
        """Payloads of the events of type ``kind``."""
        return [e.payload for e in self.events if e.type == kind]


@contextmanager
def recorded_events(app: Litestar) -> Iterator[EventLog]:
    """Record the app's events while the block runs."""
    log = EventLog()
    plugins = app.state.runtime.plugins
    plugins.add(log, "test-ledger-events")
    try:
        yield log
    finally:
        plugins.remove("test-ledger-events")
