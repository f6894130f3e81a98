"""Grades go up to the city across deployments: a city hub and two county leaf
nats-servers, three deployments each with a database of its own and a real
``xuncha sync run`` process (the reliability tests' cluster). Each county signs an
evaluation off through the plugin's service; the city's comparison shows both."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from core.clock import Clock
from core.inspection.tables import RectificationReport
from core.tenancy.registry import TenantRegistry
from core.work import Work
from plugins.evaluation import service
from plugins.evaluation.charts import average_chart
from plugins.evaluation.rollup import compare_counties
from plugins.evaluation.scoring import Deduction
from tests.inspection.seed import seed_inspection
from tests.sync.cluster import Cluster, Deployment, cluster

RESULTS = 'SELECT COUNT(*) AS n FROM "evaluation_county_result" WHERE "county" = {}'


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with cluster(tmp_path_factory.mktemp("evaluation-sync")) as started:
        yield started


@dataclass
class _Runtime:
    """What the comparison needs of a runtime: the tenant registry."""

    tenants: Any


async def _registry(net: Cluster, deployment: Deployment) -> TenantRegistry:
    """The deployment's tenants with the declared settings' defaults (as its runtime has)."""
    db, _, plugins = await net.offices._parts(deployment)
    return TenantRegistry(db, {s.key: s.default
                               for s in plugins.gather_now("xuncha_tenant_settings")})


async def _work(net: Cluster, deployment: Deployment, code: str, actor: str) -> Work:
    db, _, plugins = await net.offices._parts(deployment)
    tenant = await (await _registry(net, deployment)).get(code)
    assert tenant is not None
    return Work(session=db.tenant(tenant.id), tenant=tenant, actor=actor, clock=Clock(),
                plugins=plugins)


async def _evaluate(net: Cluster, code: str, taken: list[Deduction]) -> dict[str, Any]:
    """Seed an inspection in the county, score it as one person, sign it as another."""
    deployment = net.counties[code]
    db, _, _ = await net.offices._parts(deployment)
    scorer = await _work(net, deployment, code, "scorer")
    ids = await seed_inspection(db, scorer.tenant.id, f"{code}同步评估", stage="sustained")
    await scorer.session.update(RectificationReport, {"id": ids["report_id"]}, {
        "due_date": Clock().today() - timedelta(days=5), "submitted_on": Clock().today()})
    made = await service.create(scorer, ids["inspection_id"], ids["org_id"], "评估组")
    await service.save(scorer, made["id"], service.Draft(deductions=taken,
                                                         group_members="张三、李四"))
    await service.submit(scorer, made["id"])
    signer = await _work(net, deployment, code, "signer")
    return await service.sign(signer, made["id"])


def test_each_county_signs_off_and_the_city_compares_them(net: Cluster) -> None:
    offices = net.offices
    a = offices.run(_evaluate(net, "sc.a", [
        Deduction(item="tasks_perfunctory", points=15, evidence="虚假整改"),
        Deduction(item="tasks_systems", points=10, evidence="未建章立制")]))
    b = offices.run(_evaluate(net, "sc.b", [
        Deduction(item="satisfaction_survey", points=3, evidence="满意度偏低")]))
    assert (float(a["total"]), a["grade"]) == (75.0, "average")  # the group's deductions only
    assert (float(b["total"]), b["grade"]) == (97.0, "good")
    for code in ("sc.a", "sc.b"):
        net.wait(f"{code}'s result at the city",
                 lambda code=code: offices.count(net.city, RESULTS, code) == 1)

    async def compare() -> list[Any]:
        city = await _work(net, net.city, "sc", "viewer")
        return await compare_counties(city, _Runtime(await _registry(net, net.city)))

    counties = {c.code: c for c in offices.run(compare())}
    assert set(counties) == {"sc.a", "sc.b"}  # served by other deployments: named by results
    assert (counties["sc.a"].average, counties["sc.a"].by_grade()["一般"]) == (75.0, 1)
    assert (counties["sc.b"].average, counties["sc.b"].by_grade()["好"]) == (97.0, 1)
    assert counties["sc.a"].name == "同步甲县委巡察办"
    chart = str(average_chart(list(counties.values())))
    assert "同步甲县委巡察办" in chart and "75 分（1 个单位）" in chart and "<svg" in chart
    parts = offices.rows(net.city, 'SELECT "parts", "org_name" FROM "evaluation_county_result" '
                         'WHERE "county" = {}', "sc.a")
    assert "rectification_tasks" in str(parts[0]["parts"]) and parts[0]["org_name"]
