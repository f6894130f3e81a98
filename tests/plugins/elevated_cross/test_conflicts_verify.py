"""One deployment hosting the city and two counties, over a real nats-server: a county's own
inspection of an org the city inspects by elevation is refused with reasons until the city
allows it (the allowance travels down), the city verifies the county's rectification
(reports up, the verdict down), and the city's rule of which side fills which team post
binds both the assignment and the host's acceptance."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from core.api import Invalid, create_inspection, list_rounds
from core.errors import Conflict, NotFound
from core.inspection.inspections import InspectionPatch, update_inspection
from core.inspection.model import Stage, TeamRole
from core.inspection.rectification import ReportIn, submit_report
from core.inspection.stages import advance
from core.inspection.tables import Inspection, TeamMember
from core.messaging.embedded import EmbeddedNats
from core.plugins import Plugins
from plugins.elevated_cross import cross, elevated
from plugins.elevated_cross.directory import county_orgs
from plugins.elevated_cross.handover import received_elevated
from tests.conftest import RunDatabase, make_settings
from tests.plugins.elevated_cross.helpers import CITY, COUNTY_A, COUNTY_B, TREE, add_round
from tests.sync.helpers import deployment_database, eventually, running, work_in

COUNTIES = {COUNTY_A: "提级甲县委巡察办", COUNTY_B: "提级乙县委巡察办"}
# The city's rule: the leader from the sending county, deputies from the host.
RULED = [msgspec.structs.replace(TREE[0], settings={"cross_deputy_side": "host"}), *TREE[1:]]


@pytest.fixture(scope="module")
def run_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunDatabase]:
    with deployment_database(tmp_path_factory.mktemp("elevated_cv"), "elevated_cv",
                             RULED) as db:
        yield db


@pytest.fixture
async def runtime(tmp_path: Path, run_db: RunDatabase, server: EmbeddedNats
                  ) -> AsyncIterator[Any]:
    settings = make_settings(tmp_path, run_db, XUNCHA_NATS_URL=server.url)
    async with running(settings, Plugins(settings)) as started:
        yield started


async def _orgs(runtime: Any, county: str) -> dict[str, int]:
    await runtime.sync.tick()
    city = await work_in(runtime, CITY)

    async def held() -> Any:
        try:
            return await county_orgs(city, county)
        except NotFound:
            return None

    directory = await eventually(held, what=f"{county}'s directory in the city")
    return {o.code: o.org_id for o in directory.orgs}


async def _round(work: Any) -> int:
    rounds = await list_rounds(work.session)
    if not rounds:
        return int((await add_round(work, work.clock.today().year))["round_id"])
    return int(rounds[-1]["id"])


async def _told(county: Any, elevated_id: int, check: Any) -> Any:
    async def seen() -> Any:
        found = [e for e in await received_elevated(county) if e.id == elevated_id]
        return found[0] if found and check(found[0]) else None

    return await eventually(seen, what=f"elevated {elevated_id} as the county holds it")


async def test_a_county_cannot_inspect_an_elevated_org_until_the_city_allows_it(
        runtime: Any) -> None:
    a = await _orgs(runtime, COUNTY_A)
    city = await work_in(runtime, CITY, "city.staff")
    county = await work_in(runtime, COUNTY_A, "county.staff")
    planned = await elevated.plan_elevated(city, elevated.ElevatedIn(
        county=COUNTY_A, title="提级巡察东镇", org_ids=[a["T01"]],
        round_label="本年第一轮"), COUNTIES)
    assert planned.allow_county is False
    await _told(county, planned.id, lambda e: True)
    round_id = await _round(county)
    with pytest.raises(Conflict) as refused:
        await create_inspection(county, round_id=round_id, kind="regular",
                                org_ids=[a["T01"], a["D001"]])
    reasons = [(e.field, e.message) for e in refused.value.errors]
    assert reasons == [("org_ids", "甲县东镇已列入市委" + str(planned.planned_on.year)
                        + "年提级巡察“提级巡察东镇”，同一轮次不能再由本县安排巡察"
                        "（如确需安排，须市委巡察办允许）")]
    assert await county.session.count(Inspection, {"kind": "regular"}) == 0
    # Another org is fine; moving the elevated org into it is refused the same way.
    own = await create_inspection(county, round_id=round_id, kind="regular",
                                  org_ids=[a["D001"]])
    with pytest.raises(Conflict):
        await update_inspection(county, own, InspectionPatch(org_ids=[a["D001"], a["T01"]]))
    # A cross inspection of the same org in the same round is refused at the city too.
    with pytest.raises(Conflict):
        await cross.assign_cross(city, cross.CrossIn(
            team_county=COUNTY_B, host_county=COUNTY_A, title="交叉东镇",
            org_ids=[a["T01"]], round_label="本年第一轮"), COUNTIES)
    # The city allows it: the allowance travels down and the county may plan it.
    allowed = await elevated.set_allow_county(city, planned.id, elevated.AllowIn(allow=True))
    assert allowed.allow_county is True
    await _told(county, planned.id, lambda e: e.allow_county)
    await update_inspection(county, own, InspectionPatch(org_ids=[a["D001"], a["T01"]]))
    made = await cross.assign_cross(city, cross.CrossIn(
        team_county=COUNTY_B, host_county=COUNTY_A, title="交叉东镇", org_ids=[a["T01"]],
        round_label="本年第一轮"), COUNTIES)
    assert made.status == "proposed"
    # Taken back: refused again.
    await elevated.set_allow_county(city, planned.id, elevated.AllowIn(allow=False))
    await _told(county, planned.id, lambda e: not e.allow_county)
    with pytest.raises(Conflict):
        await create_inspection(county, round_id=round_id, kind="regular", org_ids=[a["T01"]])


async def test_the_city_verifies_the_countys_rectification(runtime: Any) -> None:
    a = await _orgs(runtime, COUNTY_A)
    city = await work_in(runtime, CITY, "city.staff")
    county = await work_in(runtime, COUNTY_A, "county.staff")
    await _round(county)
    planned = await elevated.plan_elevated(city, elevated.ElevatedIn(
        county=COUNTY_A, title="提级巡察张庄村", org_ids=[a["T01V001"]],
        round_label="核查轮"), COUNTIES)
    await elevated.add_finding(city, planned.id, elevated.FindingIn(
        org_id=a["T01V001"], problem="村务公开不及时",
        deadline=city.clock.today() + timedelta(days=60)))
    with pytest.raises(Conflict) as early:  # nothing taken yet
        await elevated.verify_rectification(city, planned.id, elevated.VerifyIn(accept=True))
    assert "尚未承接" in early.value.errors[0].message
    await elevated.hand_over(city, planned.id)
    taken = await _told(county, planned.id, lambda e: e.inspection_id is not None)

    async def received() -> Any:
        out = await elevated.elevated_detail(city, planned.id)
        return out if out.elevated.status == "received" else None

    await eventually(received, what="receipt in the city")
    with pytest.raises(Invalid) as no_reason:
        await elevated.verify_rectification(city, planned.id, elevated.VerifyIn(accept=False))
    assert no_reason.value.errors[0].field == "reason"
    with pytest.raises(Conflict) as no_report:
        await elevated.verify_rectification(city, planned.id, elevated.VerifyIn(accept=True))
    assert "甲县张庄村" in no_report.value.errors[0].message
    returned = await elevated.verify_rectification(city, planned.id, elevated.VerifyIn(
        accept=False, reason="整改措施不具体"))
    assert returned.verification == "returned"
    told = await _told(county, planned.id, lambda e: e.verification == "returned")
    assert told.verification_reason == "整改措施不具体" and "退回" in told.verification_label
    # The county rectifies and reports; the report reaches the city.
    await advance(county, taken.inspection_id, Stage.referral)
    await advance(county, taken.inspection_id, Stage.rectifying)
    await submit_report(county, taken.inspection_id, ReportIn(
        org_id=a["T01V001"], summary="已逐项公开村务并建立台账"))

    async def reported() -> Any:
        out = await elevated.elevated_detail(city, planned.id)
        reports = out.progress.reports if out.progress else []
        return reports if reports and reports[0].submitted_on else None

    reports = await eventually(reported, what="report in the city")
    assert (reports[0].org_name, reports[0].summary) == ("甲县张庄村", "已逐项公开村务并建立台账")
    page = (await elevated.elevated_detail(city, planned.id)).progress
    assert page is not None and page.stage_label == "督促整改"
    accepted = await elevated.verify_rectification(city, planned.id,
                                                   elevated.VerifyIn(accept=True))
    assert accepted.verification == "accepted" and accepted.verification_reason == ""
    told = await _told(county, planned.id, lambda e: e.verification == "accepted")
    assert told.verified_on == city.clock.today()
    with pytest.raises(Conflict):
        await elevated.verify_rectification(city, planned.id, elevated.VerifyIn(
            accept=False, reason="再议"))


async def test_posts_come_from_the_side_the_city_rules(runtime: Any) -> None:
    b = await _orgs(runtime, COUNTY_B)
    city = await work_in(runtime, CITY, "city.staff")
    host = await work_in(runtime, COUNTY_B, "host.staff")
    with pytest.raises(Invalid) as wrong_side:
        await cross.assign_cross(city, cross.CrossIn(
            team_county=COUNTY_A, host_county=COUNTY_B, title="甲县交叉乙县", org_ids=[b["D001"]],
            members=[cross.MemberSpec(person="a.deputy", name="甲县副组长",
                                      role=TeamRole.deputy)]), COUNTIES)
    assert [(e.field, e.message) for e in wrong_side.value.errors] == [
        ("members", "甲县副组长不能担任副组长：按市委规定，副组长由被巡察县选派")]
    made = await cross.assign_cross(city, cross.CrossIn(
        team_county=COUNTY_A, host_county=COUNTY_B, title="甲县交叉乙县", org_ids=[b["D001"]],
        members=[cross.MemberSpec(person="a.lead", name="甲县组长", role=TeamRole.leader)]),
        COUNTIES)
    assert made.posts == {"leader": "team", "deputy": "host", "member": "either"}

    async def told() -> Any:
        found = [c for c in await cross.received_cross(host) if c.id == made.id]
        return found[0] if found else None

    assert (await eventually(told, what="assignment in the host")).posts == made.posts
    await _round(host)
    with pytest.raises(Invalid) as host_leader:
        await cross.decide_cross(host, made.id, cross.DecisionIn(accept=True, members=[
            cross.MemberSpec(person="b.lead", name="乙县组长", role=TeamRole.leader)]), runtime)
    assert host_leader.value.errors[0].message == (
        "乙县组长不能担任组长：按市委规定，组长由派出巡察组的县选派")
    assert await host.session.count(Inspection, {"kind": "cross"}) == 0
    decided = await cross.decide_cross(host, made.id, cross.DecisionIn(accept=True, members=[
        cross.MemberSpec(person="b.deputy", name="乙县副组长", role=TeamRole.deputy)]), runtime)
    rows = await host.session.list(TeamMember, {"inspection_id": decided.inspection_id})
    assert sorted((m["person"], m["home_tenant"], m["role"]) for m in rows) == [
        ("a.lead", COUNTY_A, "leader"), ("b.deputy", COUNTY_B, "deputy")]
