"""Shared findings reach sibling counties through the city (兄弟县（市、区）共享问题).

On the shared app (city ``ta``, one county ``ta.one``): the city lists its
county's shared finding and forwards it; the county does not list its own
finding forwarded back. A deployment of its own with a city and two
counties (``sc``, ``sc.a``, ``sc.b``) shows the sibling receiving it, and a
directive addressed to one county staying away from the other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.db import Database
from core.messaging.embedded import EmbeddedNats
from core.plugins import Plugins
from core.settings import Settings
from core.sync.tables import Replica
from plugins.linkage.directives import DirectiveIn, create_directive, known_counties
from plugins.linkage.events import SharedFinding
from plugins.linkage.shared import list_shared_findings
from tests.conftest import RunDatabase, make_settings
from tests.inspection.helpers import Client, api, ok
from tests.inspection.seed import seed_inspection
from tests.plugins.linkage.helpers import CITY, COUNTY, eventually
from tests.sync.helpers import TREE, deployment_database, emit, running, work_in


def _finding(finding_id: int, title: str, withdrawn: bool = False) -> SharedFinding:
    return SharedFinding(finding_id=finding_id, inspection_id=1, org_name="东风镇",
                         org_kind="township", category="work_style", severity="serious",
                         title=title, description="公款吃喝问题突出", withdrawn=withdrawn)


async def _titles(client: Client, tenant: str) -> dict[str, dict[str, Any]]:
    page = ok(await client.get(api(tenant, "shared-findings"), params={"limit": 500}))
    return {f["title"]: f for f in page["items"]}


async def test_the_city_forwards_and_the_source_does_not_list_its_own(
        client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    seed = await seed_inspection(database, tenant_ids[COUNTY], "共享超标准接待",
                                 stage="rectifying", year=2295)
    finding_id, title = seed["finding_id"], "共享超标准接待问题"
    url = api(COUNTY, f"findings/{finding_id}")
    ok(await client.patch(url, json={"shared": True, "category": "work_style",
                                     "severity": "serious"}))

    async def in_city() -> dict[str, Any] | None:
        return (await _titles(client, CITY)).get(title)

    shared = await eventually(in_city, what="shared finding in ta")
    assert (shared["source"], shared["source_name"]) == (COUNTY, "甲一县委巡察办")
    assert (shared["category_label"], shared["severity_label"]) == ("作风建设（四风）", "较重")
    assert shared["org_name"] == "甲一县财政局" and shared["finding_id"] == finding_id
    key = f"{COUNTY}:{finding_id}"

    async def forwarded() -> list[dict[str, Any]]:
        return await database.tenant(tenant_ids[COUNTY]).list(
            Replica, {"kind": "shared_finding", "origin": CITY, "key": key}, limit=None)

    (copy,) = await eventually(forwarded, what="forwarded copy back in ta.one")
    assert copy["data"]["source_name"] == "甲一县委巡察办"
    assert title not in await _titles(client, COUNTY)
    assert title not in (await client.get(f"/t/{COUNTY}/shared-findings")).text
    assert title in (await client.get(f"/t/{CITY}/shared-findings")).text
    ok(await client.patch(url, json={"shared": False}))

    async def gone() -> bool:
        return title not in await _titles(client, CITY)

    await eventually(gone, what="un-shared finding gone from ta")


# ------------------------------------------------- a city with two counties


@pytest.fixture(scope="module")
def run_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunDatabase]:
    with deployment_database(tmp_path_factory.mktemp("siblings"), "siblings", TREE) as db:
        yield db


@pytest.fixture
def sibling_settings(tmp_path: Path, run_db: RunDatabase, server: EmbeddedNats) -> Settings:
    return make_settings(tmp_path, run_db, XUNCHA_NATS_URL=server.url)


@pytest.fixture
async def runtime(sibling_settings: Settings) -> AsyncIterator[Any]:
    async with running(sibling_settings, Plugins(sibling_settings)) as started:
        yield started


async def _shared(runtime: Any, code: str) -> dict[str, Any]:
    page = await list_shared_findings(await work_in(runtime, code), source=None, limit=500,
                                      offset=0)
    return {f.title: f for f in page.items}


async def test_a_sibling_county_lists_the_shared_finding(runtime: Any) -> None:
    title = "共享：村务公开不及时"
    await emit(runtime, "sc.a", _finding(11, title))

    async def in_b() -> Any:
        return (await _shared(runtime, "sc.b")).get(title)

    got = await eventually(in_b, what="shared finding in sibling sc.b")
    assert (got.source, got.source_name, got.finding_id) == ("sc.a", "同步甲县委巡察办", 11)
    assert (await _shared(runtime, "sc")).get(title) is not None
    session = runtime.db.tenant((await runtime.tenants.get("sc.a")).id)

    async def back_in_a() -> int:
        return await session.count(Replica, {"kind": "shared_finding", "key": "sc.a:11"})

    await eventually(back_in_a, what="copy forwarded back to sc.a")
    assert title not in await _shared(runtime, "sc.a")
    await emit(runtime, "sc.a", _finding(11, title, withdrawn=True))

    async def gone_from_b() -> bool:
        return title not in await _shared(runtime, "sc.b")

    await eventually(gone_from_b, what="withdrawn finding gone from sc.b")


async def _directive_keys(runtime: Any, code: str) -> set[str]:
    session = runtime.db.tenant((await runtime.tenants.get(code)).id)
    return {r["key"] for r in await session.list(Replica, {"kind": "directive"}, limit=None)}


async def test_a_directive_for_one_county_stays_away_from_its_sibling(runtime: Any) -> None:
    work = await work_in(runtime, "sc")
    counties = await known_counties(work, runtime.tenants)
    assert counties == {"sc.a": "同步甲县委巡察办", "sc.b": "同步乙县委巡察办"}
    only_a = await create_directive(work, DirectiveIn(kind="cross_assignment",
                                                      title="交叉巡察：甲县巡乙县",
                                                      targets=["sc.a"]), counties)
    everyone = await create_directive(await work_in(runtime, "sc"), DirectiveIn(
        kind="deployment", title="全市专项部署"), counties)

    async def broadcast_in_b() -> bool:
        return str(everyone.id) in await _directive_keys(runtime, "sc.b")

    await eventually(broadcast_in_b, what="broadcast in sc.b")

    async def both_in_a() -> bool:
        return {str(only_a.id), str(everyone.id)} <= await _directive_keys(runtime, "sc.a")

    await eventually(both_in_a, what="both directives in sc.a")
    # One down stream, delivered in order: what came before the broadcast has come.
    assert str(only_a.id) not in await _directive_keys(runtime, "sc.b")
