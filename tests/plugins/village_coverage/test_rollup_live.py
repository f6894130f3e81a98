"""The city's roll-up stays current (htmx polls, 304 while no report arrived) and names
counties by name, also those served by another deployment."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Litestar
from uuid6 import uuid7

from core.db import Database
from core.work import Work
from plugins.village_coverage.events import CoverageReported, PopulationTotals
from plugins.village_coverage.report import store_report
from plugins.village_coverage.tables import CoverageDirective
from tests.plugins.village_coverage.helpers import Client, tenant_id

CITY, FARAWAY, W = "vc", "zz.faraway", "vc.w"
HTMX = {"HX-Request": "true"}


async def _report_from_afar(app: Litestar, database: Database) -> None:
    """A report of a county this deployment does not serve (zero totals: rates unchanged)."""
    runtime = app.state.runtime
    tenant = await runtime.tenants.get(CITY)
    work = Work(session=database.tenant(await tenant_id(database, CITY)), tenant=tenant,
                actor="test", clock=runtime.clock, plugins=runtime.plugins)
    report = CoverageReported(
        term_id=1, term_name="第一届", term_start=date(2026, 1, 1), term_end=date(2030, 12, 31),
        as_of=date(2027, 3, 1), rounds_left=6, capacity_left=60, county_name="远方县委巡察办",
        populations=[PopulationTotals(code=code, label=label, total=0, covered=0,
                                      in_progress=0, planned=0, at_risk=0)
                     for code, label in (("departments", "县直单位"), ("villages", "村（社区）"))])
    version = str(uuid7())  # an event id made now: newer than any report already held
    assert await store_report(work, FARAWAY, version, report)


async def test_a_county_of_another_deployment_is_shown_by_its_name(
        coverage_app: Litestar, cov: Client, coverage_database: Database) -> None:
    await _report_from_afar(coverage_app, coverage_database)
    await coverage_database.tenant(await tenant_id(coverage_database, CITY)).insert(
        CoverageDirective, [{"direction": "sent", "county": W, "kind": "priority",
                             "title": "名称显示测试指示", "village_codes": ["T01V001"],
                             "issued_on": date(2027, 3, 1)}])
    html = (await cov.get(f"/t/{CITY}/coverage/counties")).text
    assert f'href="/t/{CITY}/coverage/counties/{FARAWAY}">远方县委巡察办</a>' in html
    assert ">远方县委巡察办</text>" in html  # the chart's label
    assert f">{FARAWAY}<" not in html
    assert "<td>名称显示测试指示</td><td>覆盖丙县委巡察办</td>" in html
    assert f"<td>{W}</td>" not in html


async def test_the_rollup_polls_and_answers_304_until_a_report_arrives(
        coverage_app: Litestar, cov: Client, coverage_database: Database) -> None:
    path = f"/t/{CITY}/coverage/counties"
    page = await cov.get(path)
    assert 'id="rollup-live"' in page.text
    assert 'hx-trigger="every 10s, page-visible from:document" data-live' in page.text
    fragment = await cov.get(path, headers=HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.text.startswith('<div class="coverage live" id="rollup-live"')
    etag = fragment.headers["etag"]
    assert etag != page.headers["etag"]
    again = await cov.get(path, headers={**HTMX, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    await _report_from_afar(coverage_app, coverage_database)  # a newer report arrives
    changed: Any = await cov.get(path, headers={**HTMX, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "远方县委巡察办" in changed.text
