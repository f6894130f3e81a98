"""Tests of the rural_revitalization plugin against the real app.

The fixtures come from xuncha's pytest plugin.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
from core.clock import Clock
from core.plugins import Plugins
from core.testing.clients import ActingClient, Client, Team
from core.testing.database import schema_drift
from core.testing.events import EventRecorder

from xuncha_rural_revitalization.events import RecordAdded

PLUGIN = "rural_revitalization"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON of a response that must have ``status``."""
    assert response.status_code == status, response.text
    return response.json()


def refused(response: httpx.Response, status: int) -> str:
    """The Chinese message of a refusal with ``status``."""
    assert response.status_code == status, response.text
    message = str(response.json()["message"])
    assert CHINESE.search(message), message
    return message


def records(tenant: str, inspection_id: int | None = None) -> str:
    if inspection_id is None:
        return f"/t/{tenant}/{PLUGIN}/records"
    return f"/t/{tenant}/{PLUGIN}/inspections/{inspection_id}/records"


def test_the_plugin_is_loaded_from_its_entry_point(xuncha_plugins: Plugins) -> None:
    info = next(i for i in xuncha_plugins.info() if i.name == PLUGIN)
    assert info.source.startswith("入口点")
    assert {"xuncha_routes", "xuncha_inspection_kinds", "xuncha_piccolo_apps",
            "xuncha_event_types", "xuncha_default_policies"} <= set(info.hooks)


async def test_the_migration_matches_the_tables() -> None:
    from xuncha_rural_revitalization.piccolo_app import APP_CONFIG

    assert await schema_drift(APP_CONFIG) == []


async def test_the_inspection_kind_needs_a_topic(xuncha_client: Client,
                                                 xuncha_team: Team) -> None:
    api = f"/t/{xuncha_team.tenant}/api"
    body = {"round_id": xuncha_team.inspection["round_id"], "kind": PLUGIN,
            "team_name": "专项巡察组", "org_ids": xuncha_team.org_ids}
    assert "专项主题" in refused(await xuncha_client.post(f"{api}/inspections", json=body), 400)
    made = ok(await xuncha_client.post(f"{api}/inspections",
                                       json={**body, "topic": "专项检查"}), 201)
    assert made["kind"] == PLUGIN


async def test_office_staff_records_a_check_and_the_page_shows_it(
        xuncha_office_staff: ActingClient, xuncha_team: Team, xuncha_events: EventRecorder,
        xuncha_county: str) -> None:
    added = ok(await xuncha_office_staff.post(
        records(xuncha_county, xuncha_team.inspection_id),
        json={"title": "资金拨付台账核查", "org_id": xuncha_team.org_ids[0]}), 201)
    assert added["recorded_by"] == xuncha_office_staff.username
    (event,) = xuncha_events.committed(f"{PLUGIN}_record.added", xuncha_county)
    assert isinstance(event.payload, RecordAdded) and event.payload.record_id == added["id"]
    page = await xuncha_office_staff.get(f"/t/{xuncha_county}/{PLUGIN}")
    assert page.status_code == 200 and "资金拨付台账核查" in page.text
    assert "检查记录" in page.text
    listed = ok(await xuncha_office_staff.get(records(xuncha_county)))
    assert listed["items"][0]["id"] == added["id"]


async def test_the_team_records_for_its_own_inspection_until_the_grant_ends(
        xuncha_team: Team, xuncha_clock: Clock, xuncha_county: str) -> None:
    added = ok(await xuncha_team.member.post(
        records(xuncha_county, xuncha_team.inspection_id), json={"title": "组员核查记录"}), 201)
    mine = f"{records(xuncha_county)}/{added['id']}"
    assert ok(await xuncha_team.leader.get(mine))["title"] == "组员核查记录"
    # A team place opens one inspection, not the tenant's list.
    refused(await xuncha_team.member.get(records(xuncha_county)), 403)
    # The grant ends after the planned withdrawal day (一次一授权).
    xuncha_clock.travel_to(xuncha_team.onsite_end + timedelta(days=2))
    refused(await xuncha_team.member.get(mine), 403)


async def test_a_unit_liaison_reads_the_records_about_its_org(
        xuncha_client: Client, xuncha_unit_liaison: ActingClient, xuncha_team: Team,
        xuncha_county: str) -> None:
    about = ok(await xuncha_client.post(records(xuncha_county, xuncha_team.inspection_id),
                                        json={"title": "关于本单位", "org_id":
                                              xuncha_team.org_ids[0]}), 201)
    other = ok(await xuncha_client.post(records(xuncha_county, xuncha_team.inspection_id),
                                        json={"title": "不关于本单位"}), 201)
    seen = await xuncha_unit_liaison.get(f"{records(xuncha_county)}/{about['id']}")
    assert ok(seen)["title"] == "关于本单位"
    refused(await xuncha_unit_liaison.get(f"{records(xuncha_county)}/{other['id']}"), 403)
    refused(await xuncha_unit_liaison.post(records(xuncha_county, xuncha_team.inspection_id),
                                           json={"title": "联络员不能登记"}), 403)


async def test_records_stay_in_their_tenant(xuncha_client: Client, xuncha_team: Team,
                                            xuncha_county: str, xuncha_city: str) -> None:
    added = ok(await xuncha_client.post(records(xuncha_county, xuncha_team.inspection_id),
                                        json={"title": "县级记录"}), 201)
    refused(await xuncha_client.get(f"{records(xuncha_city)}/{added['id']}"), 404)
    city = ok(await xuncha_client.get(records(xuncha_city)))
    assert added["id"] not in [r["id"] for r in city["items"]]
    refused(await xuncha_client.post(records(xuncha_city, xuncha_team.inspection_id),
                                     json={"title": "跨机构"}), 404)


async def test_a_tenant_without_the_plugin_gets_none_of_it(xuncha_client: Client) -> None:
    message = refused(await xuncha_client.get(records("tb")), 403)
    assert f"本机构未启用插件 {PLUGIN}" in message
    home = await xuncha_client.get("/t/tb/")
    assert home.status_code == 200 and f'href="/t/tb/{PLUGIN}"' not in home.text


async def test_bad_input_is_refused_in_chinese_and_changes_nothing(
        xuncha_client: Client, xuncha_team: Team, xuncha_county: str) -> None:
    before = ok(await xuncha_client.get(records(xuncha_county)))["total"]
    url = records(xuncha_county, xuncha_team.inspection_id)
    for body in ({"title": ""}, {"title": "x", "org_id": 999999}, {"title": "x", "extra": 1},
                 {"title": "x" * 201}, {"title": "   "}):
        refused(await xuncha_client.post(url, json=body), 400)
    refused(await xuncha_client.post(records(xuncha_county, 999999), json={"title": "x"}), 404)
    assert ok(await xuncha_client.get(records(xuncha_county)))["total"] == before


async def test_the_record_date_follows_the_moved_clock(
        xuncha_client: Client, xuncha_team: Team, xuncha_clock: Clock,
        xuncha_county: str) -> None:
    xuncha_clock.advance(timedelta(days=3))
    added = ok(await xuncha_client.post(records(xuncha_county, xuncha_team.inspection_id),
                                        json={"title": "三天后的记录"}), 201)
    assert added["recorded_on"] == xuncha_clock.today().isoformat()
