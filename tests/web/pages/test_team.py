"""The team page: members added, edited and taken off, recusal conflicts shown before
submit and refusing the person, and the team's authorisation (一次一授权)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.inspection.tables import Inspection, TeamMember
from tests.conftest import ActingClient, acting_as
from tests.inspection.helpers import api, new_inspection
from tests.inspection.paper_steps import plugged_in
from tests.inspection.test_recusal import JUSTIFICATION, ConflictFinder
from tests.web.pages.test_planning import beside

Client = AsyncTestClient[Litestar]
T = "ta.one"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def finder(app: Litestar) -> Iterator[ConflictFinder]:
    with plugged_in(app, ConflictFinder()) as plugin:
        yield plugin


async def _people(database: Database, tenant_ids: dict[str, int], iid: int) -> list[str]:
    rows = await database.tenant(tenant_ids[T]).list(TeamMember, {"inspection_id": iid},
                                                     limit=None)
    return sorted(r["person"] for r in rows)


async def test_the_team_is_formed_and_authorised_in_the_browser(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    session = database.tenant(tenant_ids[T])
    insp = await new_inspection(client, codes=("D001",))
    iid = insp["id"]
    url = f"/t/{T}/inspections/{iid}/team"
    page = await client.get(url)
    assert page.status_code == 200 and "<h1>巡察组" in page.text
    assert "尚未组建巡察组" in page.text and "巡察组须有且仅有一名组长" in page.text
    assert "尚未确定进驻日期" in page.text and 'name="recusal_override"' in page.text
    # add the leader (htmx) and a member (plain)
    added = await client.post(url, data={"person": "wang.wu", "name": "王五", "role": "leader",
                                         "home_unit": "县纪委监委", "recusal_declared": "on"},
                              headers=HTMX)
    assert added.status_code == 200 and added.headers["HX-Redirect"] == url
    plain = await client.post(url, data={"person": "zhao.liu", "name": "赵六",
                                         "role": "member"}, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == url
    assert await _people(database, tenant_ids, iid) == ["wang.wu", "zhao.liu"]
    # refusals: a second leader, a person twice, a malformed key; nothing changes
    second = await client.post(url, data={"person": "li.si", "name": "李四", "role": "leader"},
                               headers=HTMX)
    assert second.status_code == 409 and "<html" not in second.text
    assert beside(second.text, "role", "巡察组已有组长：王五")
    assert 'value="李四"' in second.text
    twice = await client.post(url, data={"person": "zhao.liu", "name": "赵六",
                                         "role": "member"})
    assert twice.status_code == 409 and "<html" in twice.text
    assert beside(twice.text, "person", "此人已在巡察组中")
    bad = await client.post(url, data={"person": "赵 六", "name": "赵六", "role": "member"},
                            headers=HTMX)
    assert bad.status_code == 400 and 'id="e-person"' in bad.text
    assert "Expected" not in bad.text
    assert await _people(database, tenant_ids, iid) == ["wang.wu", "zhao.liu"]
    # the member declares recusal through the row form; a second leader is refused there
    (member,) = await session.list(TeamMember, {"inspection_id": iid, "person": "zhao.liu"})
    promote = await client.post(f"{url}/{member['id']}", data={"role": "leader"},
                                headers=HTMX)
    assert promote.status_code == 409 and "巡察组已有组长：王五" in promote.text
    declared = await client.post(f"{url}/{member['id']}", data={
        "role": "member", "home_unit": "县委组织部", "recusal_declared": "on"}, headers=HTMX)
    assert declared.status_code == 200
    row = await session.get(TeamMember, member["id"])
    assert row is not None and row["recusal_declared"] and row["role"] == "member"
    # an extra person taken off again before authorisation is forgotten
    await client.post(url, data={"person": "qian.qi", "name": "钱七", "role": "deputy"})
    (extra,) = await session.list(TeamMember, {"inspection_id": iid, "person": "qian.qi"})
    removed = await client.post(f"{url}/{extra['id']}/remove", headers=HTMX)
    assert removed.status_code == 200 and removed.headers["HX-Redirect"] == url
    assert await _people(database, tenant_ids, iid) == ["wang.wu", "zhao.liu"]
    # only the arrival date is missing; set it, and the team can be authorised
    still = (await client.get(url)).text
    assert "尚未确定进驻日期" in still and "巡察组须有且仅有一名组长" not in still
    await client.post(f"/t/{T}/inspections/{iid}/edit", data={
        "title": insp["title"], "onsite_start": "2031-03-01", "onsite_end": "2031-04-15",
        "org_ids": [str(t["org_id"]) for t in insp["targets"]]})
    ready = (await client.get(url)).text
    assert "尚不能授权巡察组" not in ready and "授权巡察组，转入“组建授权”" in ready
    moved = await client.post(f"/t/{T}/inspections/{iid}/stage",
                              data={"to": "authorized", "remark": "经领导小组同意"},
                              follow_redirects=False)
    assert moved.status_code == 303
    assert (await session.get(Inspection, iid) or {})["stage"] == "authorized"
    granted = (await client.get(url)).text
    assert "未授权（" not in granted and granted.count("至 2031-04-16 00:00 止") == 3
    shown = (await client.get(f"/t/{T}/inspections/{iid}")).text
    assert "，至 2031-04-16 00:00 止）" in shown and "授权已于" not in shown
    # after authorisation the rule still holds for people authorised until a later time
    again = await client.post(url, data={"person": "sun.ba", "name": "孙八", "role": "leader"},
                              headers=HTMX)
    assert again.status_code == 409 and "巡察组已有组长：王五" in again.text


async def test_recusal_conflicts_are_shown_before_submit_and_refuse_the_person(
    client: Client, database: Database, tenant_ids: dict[str, int], finder: ConflictFinder
) -> None:
    iid = (await new_inspection(client, codes=("D001",)))["id"]
    url = f"/t/{T}/inspections/{iid}/team"
    person = {"person": "conflict-zhou", "name": "周九", "role": "member"}
    check = await client.post(f"{url}/check", data=person, headers=HTMX)
    assert check.status_code == 200 and "周九存在以下回避情形" in check.text
    assert "近三年内曾在甲一县财政局工作" in check.text
    assert "配偶在被巡察单位担任领导职务" in check.text
    assert 'value="conflict-zhou"' in check.text  # the form keeps what was typed
    box = {**HTMX, "HX-Target": "recusal-check"}
    alone = await client.post(f"{url}/check", data=person, headers=box)
    assert alone.status_code == 200
    assert alone.text.count('id="recusal-check"') == 1 and 'id="team"' not in alone.text
    assert "近三年内曾在甲一县财政局工作" in alone.text
    typing = await client.post(f"{url}/check", data={"person": "conflict-zhou"}, headers=box)
    assert typing.status_code == 200 and "回避情形" not in typing.text
    assert 'id="recusal-check"' in typing.text
    clean = await client.post(f"{url}/check", data={**person, "person": "wu.shi"})
    assert clean.status_code == 200 and "<html" in clean.text
    assert "未发现周九的回避情形" in clean.text
    assert await _people(database, tenant_ids, iid) == []
    refused = await client.post(url, data=person, headers=HTMX)
    assert refused.status_code == 409
    assert beside(refused.text, "person", "存在回避情形：近三年内曾在甲一县财政局工作")
    assert 'id="e-recusal_override"' in refused.text
    short = await client.post(url, data={**person, "recusal_override": "确需参加"},
                              headers=HTMX)
    assert short.status_code == 400 and 'id="e-recusal_override"' in short.text
    assert await _people(database, tenant_ids, iid) == []
    admitted = await client.post(url, data={**person, "recusal_override": JUSTIFICATION},
                                 headers=HTMX)
    assert admitted.status_code == 200
    (row,) = await database.tenant(tenant_ids[T]).list(TeamMember, {"inspection_id": iid})
    assert row["recusal_override"] == JUSTIFICATION
    assert "回避例外：" in (await client.get(url)).text


async def test_office_staff_see_no_override_field_and_cannot_approve(
    client: Client, staff_client: ActingClient, database: Database,
    tenant_ids: dict[str, int], finder: ConflictFinder
) -> None:
    iid = (await new_inspection(client, codes=("D001",)))["id"]
    url = f"/t/{T}/inspections/{iid}/team"
    page = await staff_client.get(url)
    assert page.status_code == 200 and 'name="recusal_override"' not in page.text
    check = await staff_client.post(f"{url}/check", data={
        "person": "conflict-zheng", "name": "郑十", "role": "member"}, headers=HTMX)
    assert "须由巡察办主任批准回避例外" in check.text
    refused = await staff_client.post(url, data={
        "person": "conflict-zheng", "name": "郑十", "role": "member",
        "recusal_override": JUSTIFICATION})
    assert refused.status_code == 403 and "只有巡察办主任可以批准回避例外" in refused.text
    assert await _people(database, tenant_ids, iid) == []


async def test_a_member_taken_off_cannot_be_changed_through_the_api(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    session = database.tenant(tenant_ids[T])
    iid = (await new_inspection(client, codes=("D001",)))["id"]
    team = api(T, f"inspections/{iid}/team")
    made = await client.post(team, json={"person": "feng.yi", "name": "冯一",
                                         "role": "leader", "recusal_declared": True})
    assert made.status_code == 201
    # authorised until the planned withdrawal, as entering 组建授权 leaves it
    await session.update(Inspection, {"id": iid}, {"stage": "authorized"})
    member_id = made.json()["id"]
    now = datetime.now(UTC)
    await session.update(TeamMember, {"id": member_id}, {
        "authorized_at": now - timedelta(days=2), "released_at": now + timedelta(days=30)})
    second = await client.post(team, json={"person": "chen.er", "name": "陈二",
                                           "role": "leader"})
    assert second.status_code == 409 and "巡察组已有组长：冯一" in second.text
    gone = await client.delete(f"{team}/{member_id}")
    assert gone.status_code == 200
    again = await client.patch(f"{team}/{member_id}", json={"home_unit": "改"})
    assert again.status_code == 409 and "冯一已调离巡察组" in again.text
    twice = await client.delete(f"{team}/{member_id}")
    assert twice.status_code == 409


async def test_real_forms_naming_another_tenants_ids_are_not_found(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    """Posted as forms in tenant ``ta`` with ids of ``ta.one``: 404, nothing changes."""
    session = database.tenant(tenant_ids[T])
    insp = await new_inspection(client, codes=("D001",))
    iid, round_id = insp["id"], insp["round_id"]
    made = await client.post(api(T, f"inspections/{iid}/team"), json={
        "person": "he.san", "name": "何三", "role": "leader"})
    member_id = made.json()["id"]
    other = "ta"
    gets = [f"/t/{other}/inspections/{iid}/team", f"/t/{other}/inspections/{iid}/edit",
            f"/t/{other}/rounds/{round_id}/edit",
            f"/t/{other}/rounds/{round_id}/inspections/new"]
    for url in gets:
        response = await client.get(url)
        assert response.status_code == 404, url
        assert "何三" not in response.text and insp["title"] not in response.text
    posts = {
        f"/t/{other}/inspections/{iid}/team": {"person": "x.y", "name": "越权", "role": "member"},
        f"/t/{other}/inspections/{iid}/team/check": {"person": "x.y", "name": "越权",
                                                     "role": "member"},
        f"/t/{other}/inspections/{iid}/team/{member_id}": {"role": "member",
                                                           "recusal_declared": "on"},
        f"/t/{other}/inspections/{iid}/team/{member_id}/remove": {},
        f"/t/{other}/inspections/{iid}/edit": {"title": "越权修改"},
        f"/t/{other}/inspections/{iid}/notice": {},
        f"/t/{other}/rounds/{round_id}": {"name": "越权修改"},
        f"/t/{other}/rounds/{round_id}/inspections": {"kind": "regular"},
    }
    for url, form in posts.items():
        response = await client.post(url, data=form, headers=HTMX)
        assert response.status_code == 404, (url, response.status_code)
    (row,) = await session.list(TeamMember, {"inspection_id": iid})
    assert row["person"] == "he.san" and not row["recusal_declared"]
    assert (await session.get(Inspection, iid) or {})["title"] == insp["title"]


async def test_the_leading_group_reads_the_team_without_its_forms(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    iid = (await new_inspection(client, codes=("D001",)))["id"]
    await client.post(api(T, f"inspections/{iid}/team"), json={
        "person": "lu.qi", "name": "陆七", "role": "leader", "recusal_declared": True})
    leading, _ = await acting_as(app, client, database, "leading_group", T)
    page = await leading.get(f"/t/{T}/inspections/{iid}/team")
    assert page.status_code == 200 and "陆七" in page.text
    assert "<form" not in page.text.split('id="team"')[1]
    assert "加入巡察组" not in page.text and "已进驻" not in page.text
    inspection = (await leading.get(f"/t/{T}/inspections/{iid}")).text
    assert f"/inspections/{iid}/edit" not in inspection and "巡察组与授权" in inspection
    refused = await leading.post(f"/t/{T}/inspections/{iid}/team", data={
        "person": "x.y", "name": "某某", "role": "member"})
    assert refused.status_code == 403
    assert await _people(database, tenant_ids, iid) == ["lu.qi"]
