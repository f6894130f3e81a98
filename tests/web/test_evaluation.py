"""``GET /t/{tenant}/api/evaluation/indicators``: the core's indicators, office roles only."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from tests.conftest import ActingClient, acting_as

Client = AsyncTestClient[Litestar]
URL = "/t/{}/api/evaluation/indicators"


async def test_the_core_gives_the_unit_indicators_summing_to_100(client: Client) -> None:
    response = await client.get(URL.format("ta"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["message"] is None
    unit = body["subjects"][0]  # then the evaluation plugin's office indicators
    assert all(g["scope"] == "office" for g in body["subjects"][1:])
    assert unit["subject"] == "unit" and unit["scope"] == "unit"
    assert unit["label"] == "被巡察单位整改成效"
    assert unit["total"] == 100.0 and unit["balanced"] and unit["message"] is None
    assert [(i["label"], i["weight"], i["plugin"]) for i in unit["indicators"]] == [
        ("整改组织领导", 15.0, "core"), ("整改责任落实", 15.0, "core"),
        ("整改任务完成", 60.0, "core"), ("群众满意度", 10.0, "core")]


async def test_office_roles_may_read_and_an_account_without_a_role_may_not(
        app: Litestar, client: Client, database: Database, staff_client: ActingClient) -> None:
    staff = await staff_client.get(URL.format("ta.one"))
    assert staff.status_code == 200, staff.text
    group, _ = await acting_as(app, client, database, "leading_group", "ta.one")
    assert (await group.get(URL.format("ta.one"))).status_code == 200
    nobody, _ = await acting_as(app, client, database, None, "ta.one")
    refused = await nobody.get(URL.format("ta.one"))
    assert refused.status_code == 403 and refused.json()["message"] == "无权执行此操作"


async def test_the_cross_tenant_walker_covers_the_route(app: Litestar) -> None:
    paths = {route.path for route in app.routes}
    assert "/t/{tenant:str}/api/evaluation/indicators" in paths  # walked by test_cross_tenant
