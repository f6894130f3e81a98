"""系统管理 · 同步链路: a tenant's link with the same figures as ``xuncha sync status``; shown
to the office and the city's supervisors, not to a unit liaison or another tenant."""

from __future__ import annotations

import re

from litestar import Litestar

from core.db import Database
from core.sync.status import link_status
from tests.conftest import acting_as
from tests.inspection.helpers import Client

COUNTY, CITY = "ta.one", "ta"


async def test_a_county_sees_its_link_to_the_city_with_the_status_figures(
        app: Litestar, client: Client) -> None:
    runtime = app.state.runtime
    tenant = await runtime.tenants.get(COUNTY)
    [status] = await link_status(runtime.db, [tenant], runtime.messaging.sync_js)
    page = await client.get(f"/t/{COUNTY}/admin/sync")
    assert page.status_code == 200, page.text
    assert "<h2>同步链路</h2>" in page.text and 'aria-current="page">同步链路</a>' in page.text
    assert "县（市、区）→ 市级" in page.text
    assert f'<td><span class="code">{CITY}</span></td>' in page.text
    # The relay may send what waits between the two readings: the count, not its value.
    assert re.search(r"待发送事件</th><td>\d+ 条", page.text)
    assert status.consumer
    assert f'消费者 <span class="code">{status.consumer}</span>' in page.text
    assert "链路状态</th><td>" in page.text


async def test_the_city_sees_the_counties_it_hears_from(app: Litestar, client: Client) -> None:
    page = await client.get(f"/t/{CITY}/admin/sync")
    assert page.status_code == 200, page.text
    assert "市级 ← 各县（市、区）" in page.text and "各县（市、区）巡察机构之间" in page.text


async def test_a_unit_liaison_and_another_tenant_are_refused(
        app: Litestar, client: Client, database: Database) -> None:
    liaison, _ = await acting_as(app, client, database, "unit_liaison", COUNTY,
                                 scope="org:1")
    assert (await liaison.get(f"/t/{COUNTY}/admin/sync")).status_code == 403
    staff, _ = await acting_as(app, client, database, "office_staff", "tb")
    refused = await staff.get(f"/t/{COUNTY}/admin/sync")
    assert refused.status_code in (403, 404) and "同步链路</h2>" not in refused.text
    mine = await staff.get("/t/tb/admin/sync")
    assert mine.status_code == 200 and "<h2>同步链路</h2>" in mine.text
