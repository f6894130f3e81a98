"""The home page is the signed-in person's desk; the org directory has its own page."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from tests.conftest import ActingClient, acting_as
from tests.inspection.desk_seed import retire_desk, seed_desk

Client = AsyncTestClient[Litestar]
T, OTHER = "ta.one", "tb"


def _section(html: str, code: str) -> str:
    """The desk section of one kind of to-do ("" when absent)."""
    found = re.search(rf'<section class="desk-item[^"]*" id="desk-{code}".*?</section>', html,
                      re.DOTALL)
    return found.group(0) if found else ""


@pytest.fixture(autouse=True)
def every_entry_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The desk lists the first few entries of an item; the shared test database holds what
    earlier tests left due or overdue, which may rank before this test's own entries."""
    monkeypatch.setattr("core.inspection.desk.ENTRIES_SHOWN", 100_000)


async def test_each_role_sees_its_own_to_dos(app: Litestar, client: Client, database: Database,
                                             tenant_ids: dict[str, int]) -> None:
    staff, _ = await acting_as(app, client, database, "office_staff", T)
    deputy, deputy_name = await acting_as(app, client, database, "leading_group", T)
    leader, leader_name = await acting_as(app, client, database, "leading_group", T)
    seeded = await seed_desk(app, database, tenant_ids, T,
                             {"deputy": deputy_name, "leader": leader_name})
    marker = seeded["marker"]

    html = (await staff.get(f"/t/{T}/")).text
    assert "我的工作台" in html and "我的待办" in html
    assert f"{marker}巡察任务：形成巡察报告" in _section(html, "inspection_deadlines")
    assert f"{marker}整改问题" in _section(html, "overdue_items")
    assert f"{marker}线索：待签收" in _section(html, "clue_replies")
    assert marker not in _section(html, "papers_to_review")
    assert 'href="/t/ta.one/ledger?overdue=true"' in html
    # The counts come first, each linking to its kind.
    assert re.search(r'<a href="#desk-overdue_items">超期未完成的整改事项</a></dt><dd>\d+</dd>',
                     html)

    html = (await deputy.get(f"/t/{T}/")).text
    review = _section(html, "papers_to_review")
    assert f"{marker}成员起草" in review and f"{marker}副组长起草" not in review
    assert f'href="/t/{T}/papers/{seeded["paper_id"]}"' in review
    assert marker not in _section(html, "papers_to_sign")
    assert marker not in _section(html, "clue_replies")  # the leading group refers no clue

    html = (await leader.get(f"/t/{T}/")).text
    assert f"{marker}已审核" in _section(html, "papers_to_sign")
    assert marker not in _section(html, "papers_to_review")


async def test_no_other_tenants_to_dos_on_the_desk(app: Litestar, client: Client,
                                                   database: Database,
                                                   tenant_ids: dict[str, int]) -> None:
    ours = await seed_desk(app, database, tenant_ids, T)
    theirs = await seed_desk(app, database, tenant_ids, OTHER)
    staff, _ = await acting_as(app, client, database, "office_staff", T)
    html = (await staff.get(f"/t/{T}/")).text
    assert ours["marker"] in html and theirs["marker"] not in html
    other_staff, _ = await acting_as(app, client, database, "office_staff", OTHER)
    html = (await other_staff.get(f"/t/{OTHER}/")).text
    assert theirs["marker"] in html and ours["marker"] not in html
    # A person of one tenant cannot open another tenant's desk.
    assert (await staff.get(f"/t/{OTHER}/")).status_code == 403


async def test_an_empty_desk_says_so(app: Litestar, client: Client, database: Database) -> None:
    supervisor, _ = await acting_as(app, client, database, "city_supervisor", OTHER)
    html = (await supervisor.get(f"/t/{OTHER}/")).text
    assert "暂无待办事项。" in html and "desk-item" not in html


def _menu(html: str) -> list[tuple[str, str]]:
    """The header menu's links as (label, href)."""
    nav = re.search(r'<nav class="menu"[^>]*>(.*?)</nav>', html, re.DOTALL)
    assert nav is not None, html[:500]
    return [(label.strip(), href) for href, label in
            re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav.group(1))]


def _switcher(html: str) -> list[str]:
    found = re.search(r'<select id="tenant-switcher".*?</select>', html, re.DOTALL)
    assert found is not None
    return re.findall(r'<option value="([^"]+)"', found.group(0))


async def _every_link_opens(who: ActingClient, links: list[tuple[str, str]]) -> None:
    refused = [(label, href, status) for label, href in links
               if (status := (await who.get(href)).status_code) != 200]
    assert not refused, refused


async def test_team_places_and_liaisons_have_a_desk_of_their_own(
        app: Litestar, client: Client, database: Database,
        tenant_ids: dict[str, int]) -> None:
    """No tenant-wide role, yet a desk: a team member's inspections and own drafts, a unit
    liaison's unfinished items, a receiving body's clues; a menu of what they may open."""
    member, member_name = await acting_as(app, client, database, None, T)
    seeded = await seed_desk(app, database, tenant_ids, T, {"member": member_name})
    marker = seeded["marker"]
    unit, _ = await acting_as(app, client, database, "unit_liaison", T,
                              scope=f"org:{seeded['org_id']}")
    body, _ = await acting_as(app, client, database, "receiving_liaison", T,
                              scope="body:discipline")

    start = await member.get("/", follow_redirects=False)
    assert start.status_code in (302, 303) and start.headers["location"] == f"/t/{T}/"
    html = (await member.get(f"/t/{T}/")).text
    assert f'href="/t/{T}/inspections/{seeded["inspection_id"]}"' in _section(
        html, "my_inspections")
    assert f"{marker}成员起草" in _section(html, "my_draft_papers")
    assert marker not in _section(html, "papers_to_review") + _section(html, "overdue_items")
    assert _switcher(html) == [T]

    html = (await unit.get(f"/t/{T}/")).text
    items = _section(html, "unit_items")
    # (other tests add items of the same org: this one may be past the 8 listed)
    assert f'href="/t/{T}/rectification/items/' in items
    assert f'href="/t/{T}/ledger?org_id={seeded["org_id"]}"' in items
    assert f"{marker}线索" not in html and f"{marker}成员起草" not in html

    html = (await body.get(f"/t/{T}/")).text
    clues = _section(html, "clue_replies")
    assert f"{marker}线索：待签收" in clues
    assert f'href="/t/{T}/clues/{seeded["clue_id"]}"' in clues
    assert f"{marker}整改问题" not in html

    for who in (member, unit, body):
        desk = (await who.get(f"/t/{T}/")).text
        # The heading links neither the parent office nor the org directory they may not open.
        assert 'href="/t/ta/"' not in desk and f'href="/t/{T}/orgs"' not in desk
        links = _menu(desk)
        assert ("首页", f"/t/{T}/") in links
        assert not any(href.endswith(("/rounds", "/ledger", "/orgs")) for _, href in links)
        await _every_link_opens(who, links)
    # An entry of the desk opens too (the liaison's own org's ledger).
    assert (await unit.get(f"/t/{T}/ledger?org_id={seeded['org_id']}")).status_code == 200
    await retire_desk(database, tenant_ids, T, seeded)


async def test_the_menu_offers_only_what_opens(app: Litestar, client: Client,
                                               database: Database) -> None:
    """The core's and the plugins' entries, each kept only where its route lets the
    person through: the office has the registry, a city supervisor does not."""
    staff, _ = await acting_as(app, client, database, "office_staff", T)
    supervisor, _ = await acting_as(app, client, database, "city_supervisor", T)
    admin, _ = await acting_as(app, client, database, "office_admin", T)
    staff_links = _menu((await staff.get(f"/t/{T}/")).text)
    hrefs = {href for _, href in staff_links}
    assert {f"/t/{T}/rounds", f"/t/{T}/ledger", f"/t/{T}/directives"} <= hrefs
    assert f"/t/{T}/admin/accounts" not in hrefs  # the office head's only
    assert f"/t/{T}/admin/accounts" in {href for _, href in _menu(
        (await admin.get(f"/t/{T}/")).text)}
    supervisor_links = _menu((await supervisor.get(f"/t/{T}/")).text)
    assert {f"/t/{T}/", f"/t/{T}/orgs"} <= {href for _, href in supervisor_links}
    assert not {f"/t/{T}/rounds", f"/t/{T}/ledger", f"/t/{T}/directives"} & {
        href for _, href in supervisor_links}
    for who, links in ((staff, staff_links), (supervisor, supervisor_links)):
        await _every_link_opens(who, links)


async def test_the_switcher_lists_only_tenants_with_a_role(
        app: Litestar, client: Client, database: Database) -> None:
    staff, name = await acting_as(app, client, database, "office_staff", T)
    assert _switcher((await staff.get(f"/t/{T}/")).text) == [T]
    await app.state.runtime.authz.grant(name, "city_supervisor", "ta")
    assert _switcher((await staff.get(f"/t/{T}/")).text) == ["ta", T]


async def test_nobody_on_no_team_is_told_there_is_nothing_to_open(
        app: Litestar, client: Client, database: Database) -> None:
    nobody, _ = await acting_as(app, client, database, None, T)
    page = await nobody.get("/", follow_redirects=False)
    assert page.status_code == 200 and "尚无可进入的巡察机构" in page.text
    assert (await nobody.get(f"/t/{T}/")).status_code == 403
