"""Resubmitting a declined cross assignment, cancelling one (the host releases the team and
closes its guest accounts), guest accounts for a sending county this deployment does not
serve, and cancelling an elevated inspection before its feedback; one deployment over a
real nats-server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.api import Clue, Conflict, Forbidden, Invalid, NotFound, list_rounds
from core.audit.tables import AuditEntry
from core.identity.accounts import get_account
from core.inspection.clues import ClueCreate, ClueReferral, Person, record_clue, refer_clue
from core.inspection.model import ClueGrade, ReceivingBody, TeamRole
from core.inspection.tables import Inspection, TeamMember
from core.messaging.embedded import EmbeddedNats
from core.plugins import Plugins
from plugins.elevated_cross import cross, elevated, elevated_clues, guests
from plugins.elevated_cross.handover import received_elevated
from plugins.elevated_cross.tables import CrossDecision, CrossGuest, ElevatedHandover
from plugins.linkage.city_view import city_clue_rows
from tests.conftest import RunDatabase, make_settings
from tests.plugins.elevated_cross.helpers import CITY, COUNTY_A, COUNTY_B, TREE, add_round
from tests.sync.helpers import deployment_database, eventually, running, work_in

FAR = "ec.far"
"""A county of the city this deployment does not serve (its own deployment elsewhere)."""

COUNTIES = {COUNTY_A: "提级甲县委巡察办", COUNTY_B: "提级乙县委巡察办", FAR: "提级远县委巡察办"}


@pytest.fixture(scope="module")
def run_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunDatabase]:
    with deployment_database(tmp_path_factory.mktemp("cross_cancel"), "cross_cancel",
                             TREE) as db:
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
    from plugins.elevated_cross.directory import county_orgs

    async def held() -> Any:
        try:
            return await county_orgs(city, county)
        except Exception:
            return None

    directory = await eventually(held, what=f"{county}'s directory in the city")
    return {o.code: o.org_id for o in directory.orgs}


async def _accept(host: Any, cross_id: int, runtime: Any) -> cross.CrossOut:
    """The host accepts, with a round of its own to file the inspection under."""
    if not await list_rounds(host.session):
        await add_round(host, host.clock.today().year)
    return await cross.decide_cross(host, cross_id, cross.DecisionIn(accept=True), runtime)


async def _seen(work: Any, cross_id: int, status: str, attempt: int = 1) -> Any:
    async def probe() -> Any:
        found = [c for c in await cross.received_cross(work) if c.id == cross_id]
        return found[0] if found and found[0].status == status and (
            found[0].attempt == attempt) else None

    return await eventually(probe, what=f"assignment {cross_id} {status} #{attempt}")


async def test_a_declined_assignment_is_submitted_again_and_accepted(runtime: Any) -> None:
    b = await _orgs(runtime, COUNTY_B)
    city = await work_in(runtime, CITY, "city.staff")
    host = await work_in(runtime, COUNTY_B)
    made = await cross.assign_cross(city, cross.CrossIn(
        team_county=COUNTY_A, host_county=COUNTY_B, title="重新提交测试",
        org_ids=[b["D001"]], round_label="重提轮次",
        members=[cross.MemberSpec(person="a.first", name="甲县原组员")]), COUNTIES)
    with pytest.raises(Conflict):  # only a declined assignment goes again
        await cross.resubmit_cross(city, made.id, cross.ResubmitIn(), COUNTIES)
    await _seen(host, made.id, "proposed")
    await cross.decide_cross(host, made.id, cross.DecisionIn(
        accept=False, reason="人员需调整"), runtime)

    async def declined() -> Any:
        rows = [c for c in await cross.cross_board(city, COUNTIES) if c.id == made.id]
        return rows[0] if rows[0].status == "declined" else None

    await eventually(declined, what="the decline in the city")
    again = await cross.resubmit_cross(city, made.id, cross.ResubmitIn(
        members=[cross.MemberSpec(person="a.second", name="甲县新组员")],
        note="已按意见调整人员"), COUNTIES)
    assert (again.status, again.attempt, again.reason) == ("proposed", 2, "")
    seen = await _seen(host, made.id, "proposed", attempt=2)
    assert [m.name for m in seen.members] == ["甲县新组员"]
    team = await work_in(runtime, COUNTY_A)
    await _seen(team, made.id, "proposed", attempt=2)
    # The host decides the new submission; its first answer stays in the audit chain.
    decided = await _accept(host, made.id, runtime)
    assert decided.status == "accepted" and decided.attempt == 2
    rows = await host.session.list(CrossDecision, {"cross_id": made.id})
    assert [(r["attempt"], r["accepted"]) for r in rows] == [(2, True)]
    answers = await host.session.list(AuditEntry, {"action": "cross.decide",
                                                   "object_id": str(made.id)}, order_by=("seq",))
    assert [(a["detail"]["attempt"], a["detail"]["accepted"]) for a in answers] == [
        (1, False), (2, True)]
    members = await host.session.list(TeamMember, {"inspection_id": decided.inspection_id})
    assert [(m["person"], m["home_tenant"]) for m in members] == [("a.second", COUNTY_A)]
    # One deployment serving both counties needs no guest account.
    assert await host.session.count(CrossGuest) == 0

    async def accepted() -> Any:
        rows = [c for c in await cross.cross_board(city, COUNTIES) if c.id == made.id]
        return rows[0] if rows[0].status == "accepted" else None

    assert (await eventually(accepted, what="acceptance in the city")).attempt == 2


async def test_a_cancelled_assignment_ends_the_teams_access_guests_included(
        runtime: Any) -> None:
    b = await _orgs(runtime, COUNTY_B)
    city = await work_in(runtime, CITY, "city.staff")
    host = await work_in(runtime, COUNTY_B, "b.office")
    made = await cross.assign_cross(city, cross.CrossIn(
        team_county=FAR, host_county=COUNTY_B, title="远县交叉巡察乙县",
        org_ids=[b["T01"]], round_label="取消轮次",
        members=[cross.MemberSpec(person="far.lead", name="远县组长", role=TeamRole.leader),
                 cross.MemberSpec(person="far.one", name="远县组员")]), COUNTIES)
    await _seen(host, made.id, "proposed")
    decided = await _accept(host, made.id, runtime)
    # The far county's people get guest accounts of the host, on this one team only.
    made_guests = await guests.guests_of(host.session, made.id)
    assert [(g.name, g.role, g.team_county) for g in made_guests] == [
        ("远县组长", "leader", FAR), ("远县组员", "member", FAR)]
    assert decided.note == "" and [g.username for g in decided.guests] == [
        g.username for g in made_guests]
    account = await get_account(runtime.db, made_guests[0].username)
    assert account is not None and account.home_tenant == COUNTY_B and account.active
    places = await host.session.list(TeamMember, {"inspection_id": decided.inspection_id})
    assert sorted(p["person"] for p in places) == sorted(g.username for g in made_guests)
    # A one-time password: issued, shown once, replaced by the next.
    issued = await guests.issue_password(host, runtime, made.id, made_guests[0].id)
    assert len(issued.password) >= 10 and issued.username == made_guests[0].username
    with pytest.raises(Exception, match="临时账号"):
        await guests.issue_password(host, runtime, made.id + 1000, made_guests[0].id)
    # Let the team be authorised (the stage machine does it; tested in the core).
    now = host.clock.now()
    await host.session.update(TeamMember, {"inspection_id": decided.inspection_id},
                              {"authorized_at": now - timedelta(hours=1)})
    # The city cancels; a reason is required, and the host releases the team at once.
    with pytest.raises(Invalid):
        await cross.cancel_cross(city, made.id, cross.CancelIn(reason=" "), COUNTIES)
    cancelled = await cross.cancel_cross(city, made.id, cross.CancelIn(
        reason="市委调整本轮工作安排"), COUNTIES)
    assert cancelled.status == "cancelled" and cancelled.cancelled_on == city.clock.today()
    with pytest.raises(Conflict):
        await cross.cancel_cross(city, made.id, cross.CancelIn(reason="再次取消"), COUNTIES)
    seen = await _seen(host, made.id, "cancelled")
    assert seen.reason == "市委调整本轮工作安排" and seen.inspection_id == decided.inspection_id

    async def released() -> Any:
        rows = await host.session.list(TeamMember, {"inspection_id": decided.inspection_id})
        return rows if all(r["released_at"] is not None for r in rows) else None

    await eventually(released, what="the team released in the host")
    await runtime.sync.tick()  # the tick closes the guest accounts
    closed = await guests.guests_of(host.session, made.id)
    assert all(g.closed_at is not None and g.closed_reason == guests.CANCELLED
               for g in closed)
    account = await get_account(runtime.db, made_guests[0].username)
    assert account is not None and not account.active
    with pytest.raises(Conflict):  # no password for a closed guest
        await guests.issue_password(host, runtime, made.id, made_guests[0].id)
    with pytest.raises(Conflict):  # nor a decision on a cancelled assignment
        await cross.decide_cross(host, made.id, cross.DecisionIn(accept=True), runtime)


async def test_a_guest_account_closes_when_the_team_withdraws(runtime: Any) -> None:
    b = await _orgs(runtime, COUNTY_B)
    city = await work_in(runtime, CITY, "city.staff")
    host = await work_in(runtime, COUNTY_B, "b.office")
    made = await cross.assign_cross(city, cross.CrossIn(
        team_county=FAR, host_county=COUNTY_B, title="远县撤离测试", org_ids=[b["T01V001"]],
        round_label="撤离轮次", members=[cross.MemberSpec(person="far.w", name="远县撤离组员")]),
        COUNTIES)
    await _seen(host, made.id, "proposed")
    decided = await _accept(host, made.id, runtime)
    (guest,) = await guests.guests_of(host.session, made.id)
    tenant = await runtime.tenants.get(COUNTY_B)
    assert await guests.close_ended_guests(tenant, runtime) == 0  # still running
    await host.session.update(Inspection, {"id": decided.inspection_id},
                              {"stage": "withdrawn"})
    assert await guests.close_ended_guests(tenant, runtime) == 1
    (after,) = await guests.guests_of(host.session, made.id)
    assert after.closed_reason == guests.WITHDRAWN
    account = await get_account(runtime.db, guest.username)
    assert account is not None and not account.active


async def test_the_city_cancels_an_elevated_inspection_before_its_feedback(
        runtime: Any) -> None:
    a = await _orgs(runtime, COUNTY_A)
    city = await work_in(runtime, CITY, "city.staff")
    county = await work_in(runtime, COUNTY_A)
    planned = await elevated.plan_elevated(city, elevated.ElevatedIn(
        county=COUNTY_A, title="待撤销的提级巡察", org_ids=[a["T01V002"]],
        round_label="撤销轮次"), COUNTIES)
    with pytest.raises(Invalid):
        await elevated.cancel_elevated(city, planned.id, elevated.CancelIn(reason=""))
    out = await elevated.cancel_elevated(city, planned.id, elevated.CancelIn(
        reason="并入市委常规巡察"))
    assert (out.status, out.cancel_reason) == ("withdrawn", "并入市委常规巡察")
    with pytest.raises(Conflict):
        await elevated.cancel_elevated(city, planned.id, elevated.CancelIn(reason="再撤"))
    with pytest.raises(Conflict):  # nothing more is recorded on it
        await elevated.add_finding(city, planned.id, elevated.FindingIn(
            org_id=a["T01V002"], problem="x", deadline=city.clock.today()))

    async def told() -> Any:
        rows = [e for e in await received_elevated(county) if e.id == planned.id]
        return rows[0] if rows and rows[0].status == "withdrawn" else None

    seen = await eventually(told, what="the cancellation in the county")
    assert seen.cancel_reason == "并入市委常规巡察" and seen.status_label == "已撤销"
    # The org is free again for an elevated inspection of the same round.
    again = await elevated.plan_elevated(city, elevated.ElevatedIn(
        county=COUNTY_A, title="重新安排", org_ids=[a["T01V002"]], round_label="撤销轮次"),
        COUNTIES)
    await elevated.add_finding(city, again.id, elevated.FindingIn(
        org_id=a["T01V002"], problem="三资管理不规范",
        deadline=city.clock.today() + timedelta(days=30)))
    await elevated.hand_over(city, again.id)
    with pytest.raises(Conflict) as late:  # handed over: the county holds the problems
        await elevated.cancel_elevated(city, again.id, elevated.CancelIn(reason="晚了"))
    assert "反馈移交" in late.value.errors[0].message


async def test_a_clue_about_a_city_managed_cadre_in_a_cross_inspection_goes_up_to_the_city(
        runtime: Any) -> None:
    """The host owns the cross inspection and its clues; one about a city-managed cadre
    may only go to the discipline body and reaches the city (the linkage plugin reports
    it up), persons included, while the sending county sees none of it."""
    b = await _orgs(runtime, COUNTY_B)
    city = await work_in(runtime, CITY, "city.staff")
    host = await work_in(runtime, COUNTY_B, "b.office")
    made = await cross.assign_cross(city, cross.CrossIn(
        team_county=COUNTY_A, host_county=COUNTY_B, title="线索上报测试",
        org_ids=[b["T01V002"]], round_label="线索轮次"), COUNTIES)
    await _seen(host, made.id, "proposed")
    decided = await _accept(host, made.id, runtime)
    assert decided.inspection_id is not None
    await host.session.update(Inspection, {"id": decided.inspection_id}, {"stage": "onsite"})
    clue = await record_clue(host, decided.inspection_id, ClueCreate(
        title="交叉巡察发现市管干部问题线索", grade=ClueGrade.examine, org_id=b["T01V002"],
        persons=[Person(name="市管某某", position="镇党委书记")], city_managed=True))
    await host.session.update(Inspection, {"id": decided.inspection_id}, {"stage": "feedback"})
    with pytest.raises(Conflict) as wrong_body:
        await refer_clue(host, clue["id"], ClueReferral(receiving_body=ReceivingBody.organisation))
    assert "市管干部" in wrong_body.value.errors[0].message
    await refer_clue(host, clue["id"], ClueReferral(receiving_body=ReceivingBody.discipline))
    await runtime.sync.tick()

    async def in_the_city() -> Any:
        rows = await city_clue_rows(city.session, COUNTY_B)
        return [r for r in rows if r["data"].get("clue_id") == clue["id"]]

    (held,) = await eventually(in_the_city, what="the city-managed clue in the city")
    assert held["data"]["title"] == "交叉巡察发现市管干部问题线索"
    assert "市管某某" in str(held["data"])
    team = await work_in(runtime, COUNTY_A)
    assert not [r for r in await city_clue_rows(team.session) if r["origin"] == COUNTY_B]


async def test_the_clues_of_an_elevated_inspection_stay_with_the_city(runtime: Any) -> None:
    """The city owns an elevated inspection's clues: referred to the city's discipline body
    only, never handed down with the problems."""
    a = await _orgs(runtime, COUNTY_A)
    city = await work_in(runtime, CITY, "city.staff")
    county = await work_in(runtime, COUNTY_A)
    planned = await elevated.plan_elevated(city, elevated.ElevatedIn(
        county=COUNTY_A, title="线索归属测试", org_ids=[a["D001"]], round_label="线索归属"),
        COUNTIES)
    with pytest.raises(Invalid) as outside:
        await elevated_clues.record_clue(city, planned.id, elevated_clues.ClueIn(
            org_id=a["T01"], title="非巡察对象"))
    assert outside.value.errors[0].field == "org_id"
    with pytest.raises(Forbidden):  # a county records none
        await elevated_clues.record_clue(county, planned.id, elevated_clues.ClueIn(
            org_id=a["D001"], title="县级登记"))
    clue = await elevated_clues.record_clue(city, planned.id, elevated_clues.ClueIn(
        org_id=a["D001"], title="局长违规插手工程", summary="涉及市管干部"))
    assert (clue.status, clue.org_name) == ("recorded", "甲县财政局")
    referred = await elevated_clues.refer_clue(city, planned.id, clue.id)
    assert (referred.status, referred.receiving_body_name) == ("referred", "市纪委监委")
    assert referred.referred_on == city.clock.today()
    with pytest.raises(Conflict):
        await elevated_clues.refer_clue(city, planned.id, clue.id)
    with pytest.raises(NotFound):
        await elevated_clues.refer_clue(city, planned.id + 1, clue.id)
    await elevated.add_finding(city, planned.id, elevated.FindingIn(
        org_id=a["D001"], problem="政府采购不规范",
        deadline=city.clock.today() + timedelta(days=60)))
    await elevated.hand_over(city, planned.id)
    detail = await elevated.elevated_detail(city, planned.id)
    assert [c.title for c in detail.clues] == ["局长违规插手工程"]

    async def handed() -> Any:
        rows = await county.session.list(ElevatedHandover, {"elevated_id": planned.id})
        return rows

    (row,) = await eventually(handed, what="the handover in the county")
    assert "局长违规插手工程" not in str(row["payload"]) and "clue" not in str(row["payload"])
    if row["inspection_id"] is not None:
        assert await county.session.count(Clue, {"inspection_id": row["inspection_id"]}) == 0
