"""A county's desk lists the city's common problems it has not answered (linkage/desk.py)."""

from __future__ import annotations

import re

from litestar import Litestar

from core.db import Database
from tests.conftest import acting_as
from tests.inspection.helpers import Client, api, ok
from tests.inspection.seed import seed_inspection
from tests.plugins.linkage.helpers import CITY, COUNTY, OTHER, eventually, issue, marker, received


def _to_answer(html: str) -> str:
    """The desk section of directives to answer ("" when absent)."""
    found = re.search(r'<section class="desk-item[^"]*" id="desk-directives_to_answer".*?'
                      r"</section>", html, re.DOTALL)
    return found.group(0) if found else ""


async def test_a_common_problem_waits_on_the_county_desk_until_answered(
        app: Litestar, client: Client, database: Database,
        tenant_ids: dict[str, int]) -> None:
    problem = await issue(client, kind="common_problem", title=marker("待落实共性问题"),
                          targets=[COUNTY], due_date="2099-12-31")
    other_kind = await issue(client, kind="directive", title=marker("工作指示"),
                             targets=[COUNTY])
    for made in (problem, other_kind):
        await eventually(lambda made=made: received(client, made["id"]), what="directive")

    desk = _to_answer((await client.get(f"/t/{COUNTY}/")).text)
    assert problem["title"] in desk and other_kind["title"] not in desk
    assert f'href="/t/{COUNTY}/directives/{problem["id"]}"' in desk
    # Who may not answer, the city, and a tenant it was not sent to see nothing of it.
    reader, _ = await acting_as(app, client, database, "leading_group", COUNTY)
    assert problem["title"] not in (await reader.get(f"/t/{COUNTY}/")).text
    assert problem["title"] not in (await client.get(f"/t/{CITY}/")).text
    assert problem["title"] not in (await client.get(f"/t/{OTHER}/")).text

    seed = await seed_inspection(database, tenant_ids[COUNTY], marker("落实"),
                                 stage="rectifying", year=2292)
    ok(await client.post(api(COUNTY, f"directives/{problem['id']}/items"), json={
        "inspection_id": seed["inspection_id"], "org_id": seed["org_id"],
        "deadline": "2099-06-30"}), 201)
    assert problem["title"] not in (await client.get(f"/t/{COUNTY}/")).text


async def test_a_withdrawn_common_problem_leaves_the_desk(client: Client) -> None:
    problem = await issue(client, kind="common_problem", title=marker("撤回共性问题"),
                          targets=[COUNTY])
    await eventually(lambda: received(client, problem["id"]), what="common problem")
    assert problem["title"] in _to_answer((await client.get(f"/t/{COUNTY}/")).text)
    ok(await client.post(api(CITY, f"directives/{problem['id']}/withdraw"), json={}))

    async def gone() -> bool | None:
        found = await received(client, problem["id"])
        return True if found and found["withdrawn"] else None

    await eventually(gone, what="withdrawal in ta.one")
    assert problem["title"] not in (await client.get(f"/t/{COUNTY}/")).text
