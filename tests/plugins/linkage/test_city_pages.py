"""The city's pages over its counties: the table "下级巡察机构", a county, the check button."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from litestar import Litestar

from core.db import Database
from core.sync.tables import Replica
from tests.conftest import acting_as
from tests.inspection.helpers import Client
from tests.plugins.linkage.county_steps import (
    CITY,
    COUNTY,
    Reported,
    held_head,
    report_from_county,
    settled,
)

HTML = {"Accept": "text/html"}
HTMX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
async def reported(app: Litestar, client: Client, database: Database,
                   tenant_ids: dict[str, int]) -> Reported:
    done = await report_from_county(app, client, database, tenant_ids)
    await settled(client, done)
    return done


async def test_the_counties_table_in_chinese(app: Litestar, client: Client,
                                             reported: Reported) -> None:
    seq = await held_head(app, client)
    page = await client.get(f"/t/{CITY}/counties", headers=HTML)
    assert page.status_code == 200, page.text
    html = page.text
    for text in ("<h1>下级巡察机构</h1>", "甲一县委巡察办", "整改完成率", "超期整改事项",
                 "政治建设", "作风建设（四风）", "反馈意见", f"链头第 {seq} 条，",
                 "请求核验", f'hx-post="/t/{CITY}/counties/{COUNTY}/audit-check"',
                 'href="/t/ta/counties/ta.one"'):
        assert text in html, text
    assert "%" in html and "督办通知" in html
    for secret in (reported.county_person, reported.city_person, reported.county_clue_title):
        assert secret not in html
    # Only a city has the menu entry.
    assert 'href="/t/ta/counties"' in (await client.get(f"/t/{CITY}/", headers=HTML)).text
    county_home = await client.get(f"/t/{COUNTY}/", headers=HTML)
    assert county_home.status_code == 200 and "/counties" not in county_home.text


async def test_one_county_page(client: Client, reported: Reported) -> None:
    page = await client.get(f"/t/{CITY}/counties/{COUNTY}", headers=HTML)
    assert page.status_code == 200, page.text
    html = page.text
    for text in ("<h1>甲一县委巡察办</h1>", reported.title, f"{reported.marker}共享问题",
                 "共享问题", "东风镇", "较重", "审计链"):
        assert text in html, text
    assert f"{reported.marker}撤回共享问题" not in html
    assert reported.county_person not in html and reported.city_person not in html


async def test_the_check_button(app: Litestar, client: Client, reported: Reported) -> None:
    seq = await held_head(app, client)
    url = f"/t/{CITY}/counties/{COUNTY}/audit-check"
    fragment = await client.post(url, headers=HTMX)
    assert fragment.status_code == 200, fragment.text
    assert 'id="audit-ta-one"' in fragment.text and "<html" not in fragment.text
    assert f"已请求甲一县委巡察办按链头第 {seq} 条核验审计链" in fragment.text
    plain = await client.post(url, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == f"/t/{CITY}/counties"


async def test_refusals_are_pages_in_chinese(client: Client) -> None:
    county = await client.get(f"/t/{COUNTY}/counties", headers=HTML)
    assert county.status_code == 403 and "没有下级巡察机构的汇总视图" in county.text
    unknown = await client.get(f"/t/{CITY}/counties/ta.nowhere", headers=HTML)
    assert unknown.status_code == 404 and "下级巡察机构 ta.nowhere 不存在" in unknown.text
    nothing = await client.get("/t/tb/counties", headers=HTML)
    assert nothing.status_code == 200 and "暂无下级巡察机构" in nothing.text


async def test_city_pages_poll_and_answer_304_while_nothing_arrived(
        client: Client, database: Database, tenant_ids: dict[str, int],
        reported: Reported) -> None:
    for path, live in ((f"/t/{CITY}/counties", 'id="counties-live"'),
                       (f"/t/{CITY}/counties/{COUNTY}", 'id="county-live"'),
                       (f"/t/{CITY}/shared-findings", 'id="shared-live"')):
        page = await client.get(path, headers=HTML)
        assert page.status_code == 200 and live in page.text
        assert (f'hx-get="{path}" hx-trigger="every 10s, page-visible from:document" '
                'data-live') in page.text
        for _ in range(5):  # the app's own sync may change the city's data between two polls
            fragment = await client.get(path, headers={**HTML, **HTMX})
            assert fragment.status_code == 200, fragment.text
            assert "<html" not in fragment.text
            assert fragment.text.startswith(f"<div {live[:-1]}")
            etag = fragment.headers["etag"]
            assert etag.startswith('W/"') and etag != page.headers["etag"]  # a part
            assert fragment.headers["cache-control"] == "private, no-cache"
            assert "HX-Request" in fragment.headers["vary"]
            again = await client.get(path, headers={**HTML, **HTMX, "If-None-Match": etag})
            if again.status_code == 304:
                break
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        # A newer report of the county arrives: the next poll gets the new content. (Newer
        # than any replica the shared database holds: other tests move their clocks ahead.)
        city = database.tenant(tenant_ids[CITY])
        held = [r["received_at"] for r in await city.list(Replica, limit=None)]
        await city.update(Replica, {"kind": "county", "origin": COUNTY},
                          {"received_at": max([datetime.now(UTC), *held]) + timedelta(seconds=1)})
        changed = await client.get(path, headers={**HTML, **HTMX, "If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag
        assert "甲一县委巡察办" in changed.text


async def test_an_etag_is_the_viewers_own(app: Litestar, client: Client, database: Database,
                                          reported: Reported) -> None:
    mine = await client.get(f"/t/{CITY}/counties", headers={**HTML, **HTMX})
    other, _ = await acting_as(app, client, database, "city_supervisor", CITY)
    theirs = await other.get(f"/t/{CITY}/counties", headers={**HTML, **HTMX,
                                                             "If-None-Match": mine.headers["etag"]})
    assert theirs.status_code == 200 and theirs.headers["etag"] != mine.headers["etag"]
