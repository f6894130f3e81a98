"""Secondment across linked deployments: the city ``sc`` and the county ``sc.a`` each with
a database and a ``xuncha sync run`` of their own, linked by a hub and leaf nats-servers
(the reliability tests' cluster). The test process plays both offices through the
plugin's services; the request goes down, the nominee up, the decision down."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from core.api import Replica, Work
from core.app import piccolo_apps
from core.clock import Clock
from core.db import Database
from core.db.migrate import app_tables, bind_tables
from core.plugins import Plugins
from core.tenancy.registry import TenantRegistry
from plugins.talent_pool import secondment
from plugins.talent_pool.secondment import DecisionIn, NeedIn, NominationIn, RequestIn
from plugins.talent_pool.tables import TalentPerson, TalentSecondment, TalentSecondmentNominee
from tests.sync.cluster import Cluster, Deployment, cluster

CITY, COUNTY = "sc", "sc.a"


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with cluster(tmp_path_factory.mktemp("talent-linked")) as running:
        yield running


class Office:
    """One office of one deployment: a database connection and units of work in it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, deployment: Deployment,
                 code: str) -> None:
        self.loop, self.code = loop, code
        settings = deployment.settings()
        self.db = Database(settings.database_url, 2)
        self.plugins = Plugins(settings)
        self.run(self.db.start())
        bind_tables(self.db, app_tables(piccolo_apps(self.plugins)))
        self.tenants = TenantRegistry(self.db)

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    async def awork(self) -> Work:
        """A unit of work in the office's tenant (inside a coroutine)."""
        tenant = await self.tenants.get(self.code)
        assert tenant is not None
        return Work(session=self.db.tenant(tenant.id), tenant=tenant, actor="test.office",
                    clock=Clock(), plugins=self.plugins)

    def work(self) -> Work:
        result: Work = self.run(self.awork())
        return result

    def rows(self, table: Any, where: dict[str, Any]) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.run(self.work().session.list(table, where,
                                                                        limit=None))
        return result


def test_a_request_down_a_nominee_up_a_decision_down(linked: Cluster) -> None:
    loop = asyncio.new_event_loop()
    city = Office(loop, linked.city, CITY)
    county = Office(loop, linked.counties[COUNTY], COUNTY)
    try:
        _round_trip(linked, city, county)
    finally:
        loop.run_until_complete(city.db.stop())
        loop.run_until_complete(county.db.stop())
        loop.close()


def _round_trip(linked: Cluster, city: Office, county: Office) -> None:
    from core.api import Round, Term

    work = city.work()

    async def a_round() -> int:
        async with work.transaction():
            (term_id,) = await work.session.insert(Term, [{
                "name": "第九届", "start_date": date(2029, 1, 1), "end_date": date(2033, 12, 31)}])
            (round_id,) = await work.session.insert(Round, [{
                "term_id": term_id, "year": 2030, "number": 1, "name": "2030年第一轮"}])
        return int(round_id)

    round_id = city.run(a_round())
    made = city.run(secondment.create_request(city.work(), RequestIn(
        round_id=round_id, title="跨部署上挂", start_date=date(2030, 3, 1),
        end_date=date(2030, 4, 30), needs=[NeedIn(specialty="finance", count=1)],
        targets=[COUNTY]), {COUNTY: "同步甲县委巡察办"}))
    linked.wait("the request in the county", lambda: county.rows(
        Replica, {"kind": "secondment_request", "origin": CITY}))

    async def a_person() -> int:
        session = (await county.awork()).session
        (person_id,) = await session.insert(TalentPerson, [{
            "person_key": "linked.cadre", "name": "跨部署干部", "home_unit": "甲县财政局",
            "post": "科长", "rank": "一级主任科员", "specialties": ["finance"],
            "pools": ["general"], "status": "active", "phone": "13700009999"}])
        return int(person_id)

    person_id = county.run(a_person())
    county.run(secondment.nominate(county.work(), made["id"],
                                   NominationIn(person_id=person_id, note="骨干")))
    linked.wait("the nominee in the city", lambda: city.rows(
        TalentSecondmentNominee, {"request_id": made["id"]}))
    (nominee,) = city.rows(TalentSecondmentNominee, {"request_id": made["id"]})
    assert (nominee["county"], nominee["name"], nominee["post"], nominee["rank"]) == (
        COUNTY, "跨部署干部", "科长", "一级主任科员")
    assert "13700009999" not in str(city.rows(Replica, {"origin": COUNTY}))
    city.run(secondment.decide_nominee(city.work(), made["id"], nominee["id"],
                                       DecisionIn(accept=True, note="同意上挂")))

    def decided() -> bool:
        rows = county.rows(TalentSecondment, {"person_id": person_id})
        return bool(rows) and rows[0]["status"] == "accepted"

    linked.wait("the decision in the county", decided)
    (line,) = county.rows(TalentSecondment, {"person_id": person_id})
    assert line["start_date"] == date(2030, 3, 1) and line["end_date"] == date(2030, 4, 30)
    assert line["decision_note"] == "同意上挂" and line["origin"] == CITY
    seconded = city.run(secondment.seconded_people(city.work()))
    assert [(s["name"], s["county"]) for s in seconded] == [("跨部署干部", COUNTY)]
    # The other county of the cluster was not asked and saw nothing.
    other = Office(city.loop, linked.counties["sc.b"], "sc.b")
    try:
        assert other.rows(Replica, {"kind": "secondment_request"}) == []
    finally:
        city.run(other.db.stop())

