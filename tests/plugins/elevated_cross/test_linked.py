"""Linked topology: a city hub and two county leaves, three deployments each with its own
database and ``xuncha sync run`` process. The counties' directories reach the city; an
elevated inspection is handed over while the county's link is down and taken into its
ledger exactly once when the link returns; a cross assignment is decided by its host and
shows the same on all three sides."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from core.clock import Clock
from core.identity.passwords import verify_password
from core.work import Work
from plugins.elevated_cross import cross, elevated, guests
from plugins.elevated_cross.directory import county_orgs
from plugins.elevated_cross.handover import received_elevated
from tests.plugins.elevated_cross.helpers import add_round
from tests.sync.cluster import Cluster, Deployment, cluster
from tests.sync.helpers import CITY, COUNTY_A, COUNTY_B

A, B, C = COUNTY_A.code, COUNTY_B.code, CITY.code
NAMES = {A: COUNTY_A.name, B: COUNTY_B.name}


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with cluster(tmp_path_factory.mktemp("elevated_linked")) as started:
        yield started


def _run(net: Cluster, deployment: Deployment, code: str, body: Any) -> Any:
    """Run ``await body(work)`` as an office of tenant ``code`` in ``deployment``."""
    async def go() -> Any:
        db, tenants, plugins = await net.offices._parts(deployment)
        tenant = await tenants.get(code)
        assert tenant is not None
        work = Work(session=db.tenant(tenant.id), tenant=tenant, actor=f"office:{code}",
                    clock=Clock(), plugins=plugins)
        return await body(work)

    return net.offices.run(go())


async def _decide(net: Cluster, deployment: Deployment, work: Work, cross_id: int,
                  data: cross.DecisionIn) -> cross.CrossOut:
    """``decide_cross`` with what it needs of the runtime: the deployment's db and tenants."""
    db, tenants, _ = await net.offices._parts(deployment)
    return await cross.decide_cross(work, cross_id, data,
                                    SimpleNamespace(db=db, tenants=tenants))


def _count(net: Cluster, deployment: Deployment, sql: str, *args: Any) -> int:
    return net.offices.count(deployment, sql, *args)


def _directory(net: Cluster, county: str) -> dict[str, int]:
    try:
        net.wait(f"{county}'s directory in the city", lambda: _count(
            net, net.city, 'SELECT COUNT(*) AS n FROM "replica" WHERE "kind" = '
            '\'org_directory\' AND "origin" = {}', county) == 1)
    except AssertionError as exc:
        inbox = net.offices.rows(net.city, 'SELECT "origin", "type", "status" FROM "sync_inbox" '
                                 'WHERE "type" = \'org_directory.published\'')
        inbox += net.offices.rows(net.city, 'SELECT "origin", "kind", "key", "version" '
                                  'FROM "replica" WHERE "kind" = \'org_directory\'')
        there = net.counties[county]
        outbox = net.offices.rows(there, 'SELECT "subject" FROM "sync_outbox"')
        memos = net.offices.rows(there, 'SELECT "key" FROM "sync_state"')
        raise AssertionError(f"{exc}\ncity inbox: {inbox}\n{county} outbox: {outbox}\n"
                             f"{county} memos: {memos}") from None
    directory = _run(net, net.city, C, lambda work: county_orgs(work, county))
    return {o.code: o.org_id for o in directory.orgs}


def test_an_elevated_inspection_handed_over_while_the_county_is_offline(net: Cluster) -> None:
    net.ensure_running()
    orgs = _directory(net, A)
    county = net.counties[A]
    _run(net, county, A, lambda work: add_round(work, Clock().today().year))
    planned = _run(net, net.city, C, lambda work: elevated.plan_elevated(
        work, elevated.ElevatedIn(county=A, title="跨部署提级巡察", org_ids=[orgs["D001"]]),
        NAMES))
    net.wait("the assignment in county a", lambda: bool(_run(
        net, county, A, received_elevated)))
    # The county's link goes down; the city records a problem and hands it over meanwhile.
    net.leaves[A].stop()
    deadline = Clock().today() + timedelta(days=60)
    _run(net, net.city, C, lambda work: elevated.add_finding(work, planned.id, elevated.FindingIn(
        org_id=orgs["D001"], problem="专项资金拨付滞后", deadline=deadline)))
    _run(net, net.city, C, lambda work: elevated.hand_over(work, planned.id))
    assert _count(net, county, 'SELECT COUNT(*) AS n FROM "elevated_handover"') == 0
    net.leaves[A].start()
    net.wait("the handover taken in county a", lambda: _count(
        net, county, 'SELECT COUNT(*) AS n FROM "elevated_handover" '
        'WHERE "inspection_id" IS NOT NULL') == 1, timeout=120)
    items = 'SELECT COUNT(*) AS n FROM "rectification_item" WHERE "problem" = {}'
    assert _count(net, county, items, "专项资金拨付滞后") == 1
    net.wait("the receipt in the city", lambda: _count(
        net, net.city, 'SELECT COUNT(*) AS n FROM "elevated_inspection" WHERE "status" = '
        '\'received\' AND "county_items" = 1') == 1, timeout=120)
    # A restart of the county's process redelivers nothing into the ledger twice.
    county.stop()
    county.start()
    net.wait("county a's process back", county.running)
    assert _count(net, county, items, "专项资金拨付滞后") == 1
    assert _count(net, county, 'SELECT COUNT(*) AS n FROM "sync_inbox" WHERE "type" = '
                  '\'elevated.handed_over\'') == 1
    # The city holds none of the county's rows: its ledger lives in the county's database.
    assert _count(net, net.city, items, "专项资金拨付滞后") == 0


def test_a_cross_assignment_across_three_deployments(net: Cluster) -> None:
    net.ensure_running()
    _directory(net, A)
    host_orgs = _directory(net, B)
    made = _run(net, net.city, C, lambda work: cross.assign_cross(work, cross.CrossIn(
        team_county=A, host_county=B, title="甲县交叉巡察乙县", org_ids=[host_orgs["D001"]]),
        NAMES))

    def status(deployment: Deployment, code: str) -> str:
        found = [c for c in _run(net, deployment, code, cross.received_cross)
                 if c.id == made.id]
        return found[0].status if found else ""

    net.wait("the host told", lambda: status(net.counties[B], B) == "proposed")
    net.wait("the team's county told", lambda: status(net.counties[A], A) == "proposed")
    _run(net, net.counties[B], B, lambda work: _decide(
        net, net.counties[B], work, made.id,
        cross.DecisionIn(accept=False, reason="本轮已安排县委常规巡察")))
    net.wait("the decision in the city", lambda: _count(
        net, net.city, 'SELECT COUNT(*) AS n FROM "cross_assignment" WHERE "status" = '
        '\'declined\'') == 1, timeout=120)
    net.wait("the team's county told of it", lambda: status(net.counties[A], A) == "declined",
             timeout=120)
    seen = [c for c in _run(net, net.counties[A], A, cross.received_cross) if c.id == made.id]
    assert seen[0].reason == "本轮已安排县委常规巡察" and seen[0].role == "team"


@pytest.mark.once_on("postgres")
def test_a_cross_team_gets_guest_accounts_in_the_hosts_deployment_until_cancelled(
        net: Cluster) -> None:
    """The host owns the inspection; county a's people have no accounts in county b's
    deployment, so acceptance makes guest accounts there from the assignment's people
    (time-bound: their team place only). The guest signs in with a one-time password the
    host issues; the city's cancellation travels down and ends it."""
    net.ensure_running()
    host_orgs = _directory(net, B)
    made = _run(net, net.city, C, lambda work: cross.assign_cross(work, cross.CrossIn(
        team_county=A, host_county=B, title="甲县再次交叉巡察乙县", org_ids=[host_orgs["D001"]],
        round_label="第二轮", members=[cross.MemberSpec(person="a.lead", name="甲县组长")]),
        NAMES))
    host = net.counties[B]
    net.wait("the host told", lambda: any(
        c.id == made.id for c in _run(net, host, B, cross.received_cross)))
    _run(net, host, B, lambda work: add_round(work, Clock().today().year))
    decided = _run(net, host, B, lambda work: _decide(net, host, work, made.id,
                                                      cross.DecisionIn(accept=True)))
    assert decided.status == "accepted" and decided.inspection_id is not None
    assert decided.note == "" and [g.name for g in decided.guests] == ["甲县组长"]
    username = decided.guests[0].username
    assert _count(net, host, 'SELECT COUNT(*) AS n FROM "inspection" WHERE "kind" = '
                  '\'cross\'') == 1
    account = 'SELECT COUNT(*) AS n FROM "account" WHERE "username" = {} AND "active" = {}'
    assert _count(net, host, account, username, True) == 1
    # No such account anywhere else: county a's own people stay county a's.
    assert _count(net, net.counties[A], account, username, True) == 0
    assert _count(net, host, 'SELECT COUNT(*) AS n FROM "team_member" WHERE "person" = {} '
                  'AND "inspection_id" = {}', username, decided.inspection_id) == 1

    async def issue(work: Work) -> Any:
        db, tenants, plugins = await net.offices._parts(host)
        return await guests.issue_password(work, SimpleNamespace(
            db=db, tenants=tenants, plugins=plugins, clock=Clock()), made.id,
            decided.guests[0].id)

    issued = _run(net, host, B, issue)
    (stored,) = net.offices.rows(host, 'SELECT "password_hash" FROM "account" '
                                 'WHERE "username" = {}', username)
    assert verify_password(stored["password_hash"], issued.password)
    net.wait("the acceptance in the city", lambda: _count(
        net, net.city, 'SELECT COUNT(*) AS n FROM "cross_assignment" WHERE "id" = {} AND '
        '"status" = \'accepted\'', made.id) == 1, timeout=120)
    # The city cancels: the host's sync releases the team and closes the guest account.
    _run(net, net.city, C, lambda work: cross.cancel_cross(
        work, made.id, cross.CancelIn(reason="市委调整安排"), NAMES))
    net.wait("the guest account closed in the host", lambda: _count(
        net, host, account, username, False) == 1, timeout=120)
    (guest,) = _run(net, host, B, lambda work: guests.guests_of(work.session, made.id))
    assert guest.closed_reason == guests.CANCELLED
