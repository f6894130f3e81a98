"""The city's view of its counties, fed by real work in county ``ta.one`` over real sync.

The shared app serves city ``ta``, its county ``ta.one`` and another city
``tb`` on one embedded nats-server with the sync service running, so what
``ta.one`` does through the API reaches ``ta`` as replicas; the tests poll
``ta``'s API until it shows (never a fixed sleep).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from litestar import Litestar

from core.db import Database
from core.sync.tables import Replica, SyncInbox
from tests.conftest import acting_as
from tests.inspection.helpers import Client, ok
from tests.plugins.linkage.county_steps import (
    CITY,
    COUNTY,
    Reported,
    inspection_of,
    report_from_county,
    settled,
)
from tests.sync.helpers import eventually

CHINESE = re.compile(r"[\u4e00-\u9fff]")
COUNTIES = f"/t/{CITY}/api/counties"


@pytest.fixture(scope="module")
async def reported(app: Litestar, client: Client, database: Database,
                   tenant_ids: dict[str, int]) -> Reported:
    return await report_from_county(app, client, database, tenant_ids)


async def test_the_city_sees_what_the_county_did(client: Client, reported: Reported) -> None:
    detail = await settled(client, reported)
    mine = inspection_of(detail, reported.inspection_id)
    assert mine is not None
    assert (mine["title"], mine["stage_label"], mine["kind_label"]) == (
        reported.title, "反馈意见", "常规巡察")
    assert sorted(t["name"] for t in mine["targets"]) == ["东风镇", "甲一县财政局"]
    assert {c["code"]: (c["label"], c["count"]) for c in mine["findings_by_category"]} == {
        "political": ("政治建设", 2), "work_style": ("作风建设（四风）", 1)}
    rect = mine["rectification"]
    assert (rect["total"], rect["closed"], rect["overdue"]) == (3, 1, 1)
    assert rect["completion_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert [(e["code"], e["label"], e["count"]) for e in rect["by_escalation"]] == [
        ("supervision_notice", "督办通知", 1)]
    assert mine["clues"] == {"recorded": 2, "referred": 1, "concluded": 0,
                             "overdue_replies": 0}
    shared = {f["finding_id"]: f for f in detail["shared_findings"]}
    assert reported.shared_finding in shared and reported.unshared_finding not in shared
    assert shared[reported.shared_finding]["category_label"] == "政治建设"
    assert shared[reported.shared_finding]["org_name"] == "甲一县财政局"
    # The list adds up the county's inspections (other tests' work in ta.one included).
    listed = next(c for c in ok(await client.get(COUNTIES)) if c["code"] == COUNTY)
    inspections = [i for i in detail["inspections"] if i["stage"]]
    assert listed["name"] == "甲一县委巡察办" and listed["reported"]
    assert listed["inspections"] == len(inspections)
    assert listed["findings"] == sum(i["findings"] for i in detail["inspections"])
    assert listed["rectification"]["overdue"] == sum(
        i["rectification"]["overdue"] for i in detail["inspections"])
    assert listed["rectification"]["total"] >= 3 and listed["findings"] >= 3
    assert sum(s["count"] for s in listed["stages"]) == listed["inspections"]
    assert any(s["code"] == "feedback" and s["label"] == "反馈意见" for s in listed["stages"])


async def test_persons_reach_the_city_only_for_city_managed_cadres(
        app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int],
        reported: Reported) -> None:
    await settled(client, reported)

    async def city_clue() -> dict[str, Any] | None:
        page = ok(await client.get(f"/t/{CITY}/api/city-clues", params={"county": COUNTY}))
        return next((c for c in page["items"] if c["clue_id"] == reported.city_clue), None)

    clue = await eventually(city_clue, what="the city-managed clue")
    assert [p["name"] for p in clue["persons"]] == [reported.city_person]
    assert (clue["status_label"], clue["receiving_body_label"], clue["county_name"]) == (
        "已移交", "纪委监委", "甲一县委巡察办")
    city = database.tenant(tenant_ids[CITY])
    replicas = json.dumps([r["data"] for r in await city.list(Replica, limit=None)],
                          ensure_ascii=False)
    inbox = " ".join(r["body"] for r in await city.list(SyncInbox, limit=None))
    assert reported.city_person in replicas
    for secret in (reported.county_person, reported.county_clue_title):
        assert secret not in replicas and secret not in inbox
    assert f"{reported.marker}撤回共享问题" not in replicas  # un-shared: emptied
    # Reading persons is the confidential action (office staff may not) and is audited.
    staff, _ = await acting_as(app, client, database, "office_staff", CITY)
    assert (await staff.get(f"/t/{CITY}/api/city-clues")).status_code == 403
    assert (await staff.get(COUNTIES)).status_code == 200
    audited = await database.fetch(
        'SELECT COUNT(*) AS n FROM "audit_entry" WHERE "tenant_id" = '
        f'{database.dialect.mark(1)} AND "action" = {database.dialect.mark(2)}',
        [tenant_ids[CITY], "city_clue.persons.read"])
    assert audited[0]["n"] >= 1


async def test_another_city_sees_nothing_of_the_county(
        client: Client, database: Database, tenant_ids: dict[str, int],
        reported: Reported) -> None:
    await settled(client, reported)
    assert ok(await client.get("/t/tb/api/counties")) == []
    other = database.tenant(tenant_ids["tb"])
    assert await other.count(Replica, {"origin": COUNTY}) == 0
    assert await other.count(SyncInbox, {"origin": COUNTY}) == 0
    response = await client.get(f"/t/tb/api/counties/{COUNTY}")
    assert response.status_code == 404 and CHINESE.search(response.json()["message"])
    assert ok(await client.get("/t/tb/api/city-clues"))["total"] == 0


async def test_bad_requests_are_refused_in_chinese(client: Client) -> None:
    unknown = await client.get(f"{COUNTIES}/ta.nowhere")
    assert unknown.status_code == 404
    assert unknown.json()["message"] == "下级巡察机构 ta.nowhere 不存在或尚未报送数据"
    for method, path in (("GET", f"/t/{CITY}/api/counties/tb"),
                         ("POST", f"/t/{CITY}/api/counties/tb/audit-check"),
                         ("POST", f"/t/{CITY}/api/counties/ta.nowhere/audit-check"),
                         ("GET", f"/t/{CITY}/api/city-clues?county=tb")):
        response = await client.request(method, path)
        assert response.status_code == 404, (method, path, response.text)
        assert CHINESE.search(response.json()["message"])
    # A county has no counties: the city's routes refuse it (403), like a disabled plugin.
    for method, path in (("GET", f"/t/{COUNTY}/api/counties"),
                         ("GET", f"/t/{COUNTY}/api/counties/{COUNTY}"),
                         ("POST", f"/t/{COUNTY}/api/counties/{COUNTY}/audit-check"),
                         ("GET", f"/t/{COUNTY}/api/city-clues")):
        response = await client.request(method, path)
        assert response.status_code == 403, (method, path, response.text)
        assert "下级巡察机构" in response.json()["message"]
    too_long = await client.get(f"{COUNTIES}/{'x' * 65}")
    assert too_long.status_code == 400 and CHINESE.search(too_long.json()["message"])
    bad_page = await client.get(f"/t/{CITY}/api/city-clues", params={"limit": 0})
    assert bad_page.status_code == 400
