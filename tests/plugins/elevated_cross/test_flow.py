"""Elevated and cross inspections in one deployment hosting the city and two counties,
over a real nats-server: directories up, an elevated inspection planned, handed over and
taken into the county's ledger exactly once (with the village covered), a cross
assignment decided by its host."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from core.api import Invalid, list_terms
from core.audit.tables import AuditEntry
from core.errors import Conflict, NotFound
from core.inspection.ledger import WRITE_MOVES, change_status
from core.inspection.model import ItemStatus, TeamRole
from core.inspection.tables import Inspection, RectificationItem, TeamMember
from core.messaging.embedded import EmbeddedNats
from core.plugins import Plugins
from core.sync.tables import Replica, SyncInbox
from plugins.elevated_cross import cross, elevated
from plugins.elevated_cross.directory import county_orgs, publish_directory
from plugins.elevated_cross.events import ElevatedHandedOver
from plugins.elevated_cross.handover import apply_handover, received_elevated
from plugins.elevated_cross.tables import ElevatedHandover
from plugins.village_coverage.status import load_coverage
from tests.conftest import RunDatabase, make_settings
from tests.plugins.elevated_cross.helpers import CITY, COUNTY_A, COUNTY_B, TREE, add_round
from tests.sync.helpers import deployment_database, eventually, running, work_in


@pytest.fixture(scope="module")
def run_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunDatabase]:
    with deployment_database(tmp_path_factory.mktemp("elevated"), "elevated", TREE) as db:
        yield db


@pytest.fixture
async def runtime(tmp_path: Path, run_db: RunDatabase, server: EmbeddedNats
                  ) -> AsyncIterator[Any]:
    settings = make_settings(tmp_path, run_db, XUNCHA_NATS_URL=server.url)
    async with running(settings, Plugins(settings)) as started:
        yield started


async def _ticked(runtime: Any) -> None:
    """Run the sync service's tick now (one tick at a time: never beside its own)."""
    await runtime.sync.tick()


async def _counties(city: Any) -> dict[str, str]:
    return {COUNTY_A: "提级甲县委巡察办", COUNTY_B: "提级乙县委巡察办"}


async def _orgs(runtime: Any, county: str) -> dict[str, int]:
    city = await work_in(runtime, CITY)

    async def held() -> Any:
        try:
            return await county_orgs(city, county)
        except NotFound:
            return None

    directory = await eventually(held, what=f"{county}'s directory in the city")
    return {o.code: o.org_id for o in directory.orgs}


async def test_the_city_sees_each_countys_directory_and_writes_none_of_it(
        runtime: Any) -> None:
    await _ticked(runtime)
    a = await _orgs(runtime, COUNTY_A)
    await _orgs(runtime, COUNTY_B)
    assert set(a) == {"D001", "T01", "T01V001", "T01V002"}
    city = await work_in(runtime, CITY)
    directory = await county_orgs(city, COUNTY_A)
    village = next(o for o in directory.orgs if o.code == "T01V001")
    assert (village.name, village.kind_label, village.parent_code) == ("甲县张庄村", "村", "T01")
    # What the city holds is a replica of the county's, in the city's tenant only.
    county = await work_in(runtime, COUNTY_A)
    assert await county.session.count(Replica, {"kind": "org_directory"}) == 0
    assert await city.session.count(Replica, {"kind": "org_directory"}) == 2
    # An unchanged directory is not published again.
    tenant = await runtime.tenants.get(COUNTY_A)
    assert await publish_directory(tenant, runtime) is False


async def test_an_elevated_inspection_reaches_the_countys_ledger_once(runtime: Any) -> None:
    await _ticked(runtime)
    a = await _orgs(runtime, COUNTY_A)
    city = await work_in(runtime, CITY, "city.staff")
    county = await work_in(runtime, COUNTY_A)
    counties = await _counties(city)
    planned = await elevated.plan_elevated(city, elevated.ElevatedIn(
        county=COUNTY_A, title="提级巡察张庄村", org_ids=[a["T01V001"]],
        round_label="2026年第一轮"), counties)
    assert planned.status == "planned" and planned.targets[0].name == "甲县张庄村"
    # The city's request wrote nothing in the county: it learns by sync.
    assert await county.session.count(ElevatedHandover) == 0

    async def told() -> Any:
        return [e for e in await received_elevated(county) if e.id == planned.id]

    got = (await eventually(told, what="elevated in the county"))[0]
    assert got.title == "提级巡察张庄村" and got.status == "planned"
    with pytest.raises(Conflict):  # the same village twice in one round
        await elevated.plan_elevated(city, elevated.ElevatedIn(
            county=COUNTY_A, title="重复", org_ids=[a["T01V001"]],
            round_label="2026年第一轮"), counties)
    with pytest.raises(Invalid) as bad:
        await elevated.plan_elevated(city, elevated.ElevatedIn(
            county=COUNTY_A, title="未知对象", org_ids=[999999]), counties)
    assert "机构名录" in bad.value.errors[0].message
    with pytest.raises(Conflict):  # nothing to hand over yet
        await elevated.hand_over(city, planned.id)
    today = city.clock.today()
    later = today + timedelta(days=90)
    await elevated.add_finding(city, planned.id, elevated.FindingIn(
        org_id=a["T01V001"], problem="村集体资金管理不规范", deadline=later))
    await elevated.add_finding(city, planned.id, elevated.FindingIn(
        org_id=a["T01V001"], problem="三务公开不及时", deadline=later))
    # The county has no round yet: the handover waits, and is taken once one exists.
    handed = await elevated.hand_over(city, planned.id)
    assert handed.status == "handed_over"

    async def held() -> Any:
        rows = await county.session.list(ElevatedHandover, {"elevated_id": planned.id})
        return rows

    rows = await eventually(held, what="handover in the county")
    assert rows[0]["inspection_id"] is None and "轮次" in rows[0]["pending"]
    await add_round(county, today.year)
    await _ticked(runtime)
    rows = await county.session.list(ElevatedHandover, {"elevated_id": planned.id})
    inspection_id = rows[0]["inspection_id"]
    assert inspection_id is not None and rows[0]["items"] == 2
    inspection = await county.session.get(Inspection, inspection_id)
    assert inspection is not None and inspection["stage"] == "feedback"
    assert inspection["kind"] == "elevated" and "市委提级巡察" in inspection["title"]
    items = await county.session.list(RectificationItem, {"inspection_id": inspection_id})
    assert sorted(i["problem"] for i in items) == ["三务公开不及时", "村集体资金管理不规范"]
    # The city hears the county took it.

    async def receipt() -> Any:
        out = await elevated.elevated_detail(city, planned.id)
        return out if out.elevated.county_inspection_id == inspection_id else None

    detail = await eventually(receipt, what="receipt in the city")
    assert detail.elevated.status == "received" and detail.elevated.county_items == 2
    # The county's progress on its items reaches the city.
    await change_status(county, items[0]["id"], ItemStatus.in_progress, "已启动整改",
                        WRITE_MOVES)

    async def progress() -> Any:
        out = await elevated.elevated_detail(city, planned.id)
        moved = out.progress and out.progress.by_status.get("in_progress") == 1
        return out.progress if moved else None

    reported = await eventually(progress, what="progress in the city")
    assert (reported.items, reported.closed, reported.stage_label) == (2, 0, "反馈意见")
    # The village counts as covered in the county's term (the coverage plugin counts it).
    term = (await list_terms(county.session))[-1]
    coverage = await load_coverage(county, term)
    line = next(x for x in coverage.lines if x.org_id == a["T01V001"])
    assert line.state.value == "covered" and line.inspection_id == inspection_id
    # Redelivery applies nothing twice: the inbox refuses it, and so does the handover row.
    inbox = await county.session.list(SyncInbox, {"type": "elevated.handed_over"})
    assert len([r for r in inbox if f'"elevated_id":{planned.id}' in r["body"]]) == 1

    payload = msgspec.convert(rows[0]["payload"], ElevatedHandedOver, strict=False)
    async with county.transaction():
        await apply_handover(county, CITY, payload)
    assert await county.session.count(RectificationItem, {"inspection_id": inspection_id}) == 2
    assert await county.session.count(Inspection, {"kind": "elevated"}) == 1
    # Everything the county holds of it was written by its own sync transactions.
    entries = await county.session.list(AuditEntry, {"action": ["elevated.receive",
                                                                "rectification_item.create"]})
    assert entries and all(e["actor"].startswith("sync:") for e in entries)
    with pytest.raises(Conflict):
        await elevated.hand_over(city, planned.id)


async def test_a_cross_assignment_is_decided_by_its_host(runtime: Any) -> None:
    await _ticked(runtime)
    b = await _orgs(runtime, COUNTY_B)
    city = await work_in(runtime, CITY)
    counties = await _counties(city)
    with pytest.raises(Invalid) as itself:
        await cross.assign_cross(city, cross.CrossIn(
            team_county=COUNTY_B, host_county=COUNTY_B, title="自查", org_ids=[b["D001"]]),
            counties)
    assert "本县" in itself.value.errors[0].message
    made = await cross.assign_cross(city, cross.CrossIn(
        team_county=COUNTY_A, host_county=COUNTY_B, title="甲县交叉巡察乙县财政局",
        org_ids=[b["D001"]], round_label="2026年第二轮",
        members=[cross.MemberSpec(person="a.leader", name="甲县组长", role=TeamRole.leader),
                 cross.MemberSpec(person="a.member", name="甲县组员")]), counties)
    assert made.status == "proposed"
    host, team = await work_in(runtime, COUNTY_B), await work_in(runtime, COUNTY_A)

    async def seen(work: Any, status: str) -> Any:
        found = [c for c in await cross.received_cross(work) if c.id == made.id]
        return found if found and found[0].status == status else None

    assert (await eventually(lambda: seen(team, "proposed"), what="team side"))[0].role == "team"
    assert (await eventually(lambda: seen(host, "proposed"), what="host side"))[0].role == "host"
    with pytest.raises(NotFound):  # the sending county does not decide
        await cross.decide_cross(team, made.id, cross.DecisionIn(accept=True), runtime)
    with pytest.raises(Invalid):
        await cross.decide_cross(host, made.id, cross.DecisionIn(accept=False), runtime)
    with pytest.raises(Conflict) as no_round:  # the host files it under a round of its own
        await cross.decide_cross(host, made.id, cross.DecisionIn(accept=True), runtime)
    assert "轮次" in no_round.value.errors[0].message
    await add_round(host, host.clock.today().year)
    decided = await cross.decide_cross(host, made.id, cross.DecisionIn(accept=True), runtime)
    assert decided.status == "accepted" and decided.note == ""
    # The host owns the inspection; the sending county's people are on its team.
    owned = await host.session.get(Inspection, decided.inspection_id)
    assert owned is not None and owned["kind"] == "cross" and owned["stage"] == "planned"
    team_rows = await host.session.list(TeamMember, {"inspection_id": decided.inspection_id})
    assert sorted((m["person"], m["home_tenant"], m["role"]) for m in team_rows) == [
        ("a.leader", COUNTY_A, "leader"), ("a.member", COUNTY_A, "member")]
    with pytest.raises(Conflict):
        await cross.decide_cross(host, made.id, cross.DecisionIn(accept=False, reason="改主意"),
                                 runtime)

    async def board() -> Any:
        rows = [c for c in await cross.cross_board(city, counties) if c.id == made.id]
        return rows if rows[0].status == "accepted" else None

    await eventually(board, what="decision in the city")
    assert (await eventually(lambda: seen(team, "accepted"), what="team told"))[0]
