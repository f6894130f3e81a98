"""A county's desk lists the coverage directives it received and has not applied yet."""

from __future__ import annotations

import itertools
import re
from datetime import date

from core.db import Database
from plugins.village_coverage.tables import CoverageDirective
from tests.plugins.village_coverage.helpers import Client, tenant_id

COUNTY, NEIGHBOUR, CITY = "vc.w", "vc.p", "vc"
_serial = itertools.count(1)


def _to_apply(html: str) -> str:
    """The desk section of coverage directives to apply ("" when absent)."""
    found = re.search(r'<section class="desk-item[^"]*" id="desk-coverage_directives_to_apply"'
                      r".*?</section>", html, re.DOTALL)
    return found.group(0) if found else ""


async def _directive(database: Database, tenant: str, direction: str) -> tuple[int, str]:
    title = f"工作台全覆盖指示{next(_serial)}"
    (row_id,) = await database.tenant(await tenant_id(database, tenant)).insert(
        CoverageDirective, [{"direction": direction, "county": CITY, "source_id": 1,
                             "kind": "priority", "title": title,
                             "village_codes": ["T01V001", "T01V002"],
                             "issued_on": date(2027, 2, 1)}])
    return row_id, title


async def test_a_received_directive_waits_until_applied(cov: Client,
                                                        coverage_database: Database) -> None:
    row_id, title = await _directive(coverage_database, COUNTY, "received")
    _, sent = await _directive(coverage_database, CITY, "sent")
    desk = _to_apply((await cov.get(f"/t/{COUNTY}/")).text)
    assert f"{title}（2 个村（社区））" in desk and "优先安排巡察 · 2027-02-01 下发" in desk
    assert f'href="/t/{COUNTY}/coverage"' in desk and sent not in desk
    assert title not in (await cov.get(f"/t/{NEIGHBOUR}/")).text  # another county's
    assert sent not in (await cov.get(f"/t/{CITY}/")).text  # what a city sent is no to-do
    await coverage_database.tenant(await tenant_id(coverage_database, COUNTY)).update(
        CoverageDirective, {"id": row_id}, {"applied_on": date(2027, 2, 3)})
    assert title not in (await cov.get(f"/t/{COUNTY}/")).text
