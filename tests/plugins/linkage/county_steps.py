"""Work done through the real API in county ``ta.one`` whose reports its city ``ta`` must see.

One inspection of two orgs, created (planned), then put right before
feedback in the database and moved to feedback through the API; three
findings (one shared, one shared then un-shared, one fix-now), two clues
(one about a city-managed cadre, referred; one not), three ledger items
(one closed, one overdue and escalated by the scan, one open).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from litestar import Litestar

from core.db import Database
from core.inspection.tables import Inspection, RectificationItem
from tests.inspection.helpers import Client, api, new_inspection, ok, org_ids
from tests.sync.helpers import eventually

__all__ = ["CITY", "COUNTY", "COUNTY_URL", "Reported", "held_head", "inspection_of",
           "report_from_county", "settled", "tick"]

COUNTY, CITY = "ta.one", "ta"
COUNTY_URL = f"/t/{CITY}/api/counties/{COUNTY}"


@dataclass(frozen=True)
class Reported:
    """What the county did, and the texts that must (or must not) reach the city."""

    inspection_id: int
    title: str
    shared_finding: int
    unshared_finding: int
    city_clue: int
    county_clue: int
    city_person: str
    county_person: str
    county_clue_title: str
    marker: str


async def _finding(client: Client, inspection_id: int, org_id: int, category: str,
                   title: str, **extra: Any) -> int:
    body = {"category": category, "source": "interview", "org_id": org_id, "title": title,
            "description": f"{title}的具体情况", **extra}
    return int(ok(await client.post(api(COUNTY, f"inspections/{inspection_id}/findings"),
                                    json=body), 201)["id"])


async def _clue(client: Client, inspection_id: int, org_id: int, title: str, person: str,
                city_managed: bool) -> int:
    body = {"title": title, "grade": "examine", "org_id": org_id, "city_managed": city_managed,
            "summary": f"{title}摘要", "persons": [{"name": person, "position": "局长"}]}
    return int(ok(await client.post(api(COUNTY, f"inspections/{inspection_id}/clues"),
                                    json=body), 201)["id"])


async def _item_move(client: Client, item_id: int, route: str, to: str) -> None:
    ok(await client.post(api(COUNTY, f"rectification/items/{item_id}/{route}"),
                         json={"to": to, "remark": "按期完成"}))


async def report_from_county(app: Litestar, client: Client, database: Database,
                             tenant_ids: dict[str, int]) -> Reported:
    """Do the county's work (see the module docstring); returns the ids and texts."""
    marker = f"联动{secrets.token_hex(3)}"
    session = database.tenant(tenant_ids[COUNTY])
    dept, township = await org_ids(client, COUNTY, "D001", "T01")
    created = await new_inspection(client, COUNTY, codes=("D001", "T01"),
                                   title=f"{marker}巡察任务")
    inspection_id = created["id"]
    await session.update(Inspection, {"id": inspection_id}, {
        "stage": "reviewed", "report_step": "secretary_meeting_heard"})
    ok(await client.post(api(COUNTY, f"inspections/{inspection_id}/stage"),
                         json={"to": "feedback", "remark": "反馈意见"}))
    shared = await _finding(client, inspection_id, dept, "political", f"{marker}共享问题",
                            shared=True, severity="serious")
    unshared = await _finding(client, inspection_id, township, "political",
                              f"{marker}撤回共享问题", shared=True)
    ok(await client.patch(api(COUNTY, f"findings/{unshared}"), json={"shared": False}))
    fix_now = await _finding(client, inspection_id, dept, "work_style", f"{marker}立行立改问题",
                             fix_now=True)
    city_person, county_person = f"{marker}市管干部", f"{marker}县管干部"
    city_clue = await _clue(client, inspection_id, dept, f"{marker}市管线索", city_person, True)
    county_title = f"{marker}县管线索"
    county_clue = await _clue(client, inspection_id, township, county_title, county_person,
                              False)
    ok(await client.post(api(COUNTY, f"clues/{city_clue}/referral"),
                         json={"receiving_body": "discipline"}))
    today = app.state.runtime.clock.today()
    items = ok(await client.post(
        api(COUNTY, f"inspections/{inspection_id}/rectification/items"),
        json={"finding_ids": [shared, fix_now, unshared],
              "deadline": (today + timedelta(days=30)).isoformat()}), 201)["items"]
    closed, late = items[0]["id"], items[1]["id"]
    for route, to in (("status", "in_progress"), ("status", "submitted"),
                      ("verify", "verified"), ("verify", "closed")):
        await _item_move(client, closed, route, to)
    await session.update(RectificationItem, {"id": late},
                         {"deadline": today - timedelta(days=1)})
    ok(await client.post(api(COUNTY, "rectification/scan"),
                         json={"inspection_id": inspection_id}))
    return Reported(inspection_id=inspection_id, title=f"{marker}巡察任务",
                    shared_finding=shared, unshared_finding=unshared, city_clue=city_clue,
                    county_clue=county_clue, city_person=city_person,
                    county_person=county_person, county_clue_title=county_title,
                    marker=marker)


def inspection_of(detail: dict[str, Any], inspection_id: int) -> dict[str, Any] | None:
    """The inspection ``inspection_id`` in a county's detail, if the city holds it."""
    return next((i for i in detail["inspections"] if i["id"] == inspection_id), None)


async def settled(client: Client, reported: Reported) -> dict[str, Any]:
    """The county's detail once the city holds the last of the county's reports."""

    async def probe() -> dict[str, Any] | None:
        detail = ok(await client.get(COUNTY_URL))
        mine = inspection_of(detail, reported.inspection_id)
        done = mine is not None and mine["rectification"]["overdue"] == 1 and (
            mine["rectification"]["closed"] == 1 and mine["clues"]["referred"] == 1
            and mine["findings"] == 3 and mine["stage"] == "feedback")
        return detail if done else None

    return await eventually(probe, what="the county's reports in the city")


async def tick(app: Litestar, client: Client) -> None:
    """Run the sync service's tick now (it publishes changed audit heads)."""
    await app.state.runtime.sync.tick()


async def held_head(app: Litestar, client: Client) -> int:
    """Write in the county, tick, and wait until the city holds the county's new head."""
    ok(await client.post(api(COUNTY, "terms"), json={"name": "核验用届",
                                                     "start_date": "2040-01-01"}), 201)
    head = ok(await client.get(api(COUNTY, "audit/head")))
    await tick(app, client)

    async def held() -> bool:
        audit = ok(await client.get(COUNTY_URL))["county"]["audit"]
        return bool(audit["head_seq"] == head["seq"] and audit["head_hash"] == head["hash"])

    await eventually(held, what="the county's head in the city")
    return int(head["seq"])
