"""A desk's worth of to-dos in one tenant, for the desk tests (domain and page)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from litestar import Litestar

from core.db import Database
from core.inspection.tables import Clue, Inspection, RectificationItem, TeamMember, WorkingPaper
from tests.inspection.seed import seed_inspection

__all__ = ["retire_desk", "seed_desk"]

_markers = itertools.count(1)


async def seed_desk(app: Litestar, database: Database, tenant_ids: dict[str, int], code: str,
                    people: dict[str, str] | None = None) -> dict[str, Any]:
    """An inspection of ``code`` in ``reporting`` due in 5 days, with a team (``people``:
    team role or ``gone`` -> person; made up when not given), papers awaiting review and
    signature, an item 3 days overdue and a clue reply due in 15 days."""
    marker = f"工作台{code}{next(_markers)}"
    ids = await seed_inspection(database, tenant_ids[code], marker, stage="reporting")
    s = database.tenant(tenant_ids[code])
    runtime = app.state.runtime
    today, now = runtime.clock.today(), runtime.clock.now()
    people = {role: f"{marker}-{role}" for role in ("leader", "deputy", "member", "gone")} | (
        people or {})
    await s.delete(TeamMember, {"inspection_id": ids["inspection_id"]})
    await s.insert(TeamMember, [{
        "inspection_id": ids["inspection_id"], "person": person, "name": person,
        "home_tenant": code, "role": "deputy" if role == "gone" else role,
        "authorized_at": now - timedelta(days=2),
        "released_at": now - timedelta(days=1) if role == "gone" else None}
        for role, person in people.items()])
    await s.update(Inspection, {"id": ids["inspection_id"]},
                   {"report_due": today + timedelta(days=5)})
    await s.update(WorkingPaper, {"id": ids["paper_id"]},
                   {"author": people["member"], "title": f"{marker}成员起草"})
    papers = await s.insert(WorkingPaper, [
        {"inspection_id": ids["inspection_id"], "org_id": ids["org_id"], "number": f"{marker}-2",
         "title": f"{marker}副组长起草", "paper_date": today, "source": "interview",
         "summary": "摘要", "author": people["deputy"]},
        {"inspection_id": ids["inspection_id"], "org_id": ids["org_id"], "number": f"{marker}-3",
         "title": f"{marker}已审核", "paper_date": today, "source": "interview",
         "summary": "摘要", "author": people["member"], "status": "reviewed",
         "reviewed_by": people["deputy"]},
    ])
    await s.update(RectificationItem, {"id": ids["item_id"]},
                   {"deadline": today - timedelta(days=3), "status": "open"})
    await s.update(Clue, {"id": ids["clue_id"]}, {
        "status": "referred", "receiving_body": "discipline",
        "receiving_body_name": "县纪委监委", "referred_on": today - timedelta(days=70),
        "reply_due": today + timedelta(days=15)})
    return {**ids, "marker": marker, "people": people, "papers": papers}


async def retire_desk(database: Database, tenant_ids: dict[str, int], code: str,
                      seeded: dict[str, Any]) -> None:
    """Take a seeded desk's to-dos off every desk (archived, item closed, clue concluded),
    so later tests of the session find theirs among the few entries a kind lists."""
    s = database.tenant(tenant_ids[code])
    await s.update(Inspection, {"id": seeded["inspection_id"]}, {"stage": "archived"})
    await s.update(RectificationItem, {"id": seeded["item_id"]}, {"status": "closed"})
    await s.update(Clue, {"id": seeded["clue_id"]}, {"status": "concluded"})
