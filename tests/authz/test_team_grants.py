"""Per-inspection grants (一次一授权): a team place opens one inspection, for a while.

The people here are accounts of tenant ``ta`` with no role at all in
``ta.one``: all they can do there comes from their place on the team of one
inspection of ``ta.one`` (a cross inspection), from its authorisation until
the end of the planned withdrawal day or the move to ``withdrawn``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from litestar import Litestar

from core.db import Database
from core.inspection.tables import Finding, WorkingPaper
from tests.authz.conftest import Actor, Client, MakeActor, with_token_for
from tests.inspection.helpers import api, new_inspection, ok, org_ids
from tests.inspection.seed import seed_inspection

T = "ta.one"


@dataclass(frozen=True)
class Scene:
    """An inspection of ta.one with a leader and a member from ta, a reviewed paper and
    a finding; ``other`` are the ids of another inspection of ta.one."""

    inspection_id: int
    onsite_end: date
    paper_id: int
    finding_id: int
    leader: Actor
    member: Actor
    other: dict[str, Any]

    def url(self, path: str) -> str:
        return api(T, path.format(id=self.inspection_id, paper=self.paper_id,
                                  finding=self.finding_id, **self.other))


@pytest.fixture(scope="module")
async def other(database: Database, tenant_ids: dict[str, int]) -> dict[str, Any]:
    """Another inspection of ta.one (on site) that nobody here is on."""
    ids = await seed_inspection(database, tenant_ids[T], "他组", stage="onsite")
    return {f"other_{k}": v for k, v in ids.items() if k != "texts"}


async def _scene(client: Client, app: Litestar, database: Database,
                 tenant_ids: dict[str, int], make_actor: MakeActor,
                 other: dict[str, Any]) -> Scene:
    today = app.state.runtime.clock.today()
    start, end = today + timedelta(days=15), today + timedelta(days=30)
    insp = await new_inspection(client, T, onsite_start=start.isoformat(),
                                onsite_end=end.isoformat())
    leader, member = await make_actor(T, home="ta"), await make_actor(T, home="ta")
    team = api(T, f"inspections/{insp['id']}/team")
    for who, role in ((leader, "leader"), (member, "member")):
        ok(await client.post(team, json={"person": who.username, "name": f"交叉{role}",
                                         "role": role, "home_tenant": "ta",
                                         "recusal_declared": True}), 201)
    s = database.tenant(tenant_ids[T])
    (org_id,) = await org_ids(client, T, "D001")  # new_inspection's target
    (paper_id,) = await s.insert(WorkingPaper, [{
        "inspection_id": insp["id"], "org_id": org_id, "number": "交叉-001",
        "title": "交叉巡察底稿", "paper_date": today, "source": "interview",
        "summary": "交叉巡察底稿摘要", "author": member.username, "status": "reviewed"}])
    (finding_id,) = await s.insert(Finding, [{
        "inspection_id": insp["id"], "org_id": org_id, "paper_id": paper_id,
        "category": "political", "title": "交叉巡察问题", "description": "交叉巡察问题描述",
        "source": "interview", "recorded_by": "seed"}])
    return Scene(insp["id"], end, paper_id, finding_id, leader, member, other)


@pytest.fixture
async def scene(client: Client, app: Litestar, database: Database,
                tenant_ids: dict[str, int], make_actor: MakeActor,
                other: dict[str, Any]) -> Scene:
    """A planned inspection with its team (not yet authorised)."""
    return await _scene(client, app, database, tenant_ids, make_actor, other)


async def _move(client: Client, scene: Scene, *stages: str) -> None:
    for stage in stages:
        if stage == "onsite":  # the notice must have gone out 10 days before arriving
            today = client.app.state.runtime.clock.today()
            ok(await client.post(scene.url("inspections/{id}/notice"),
                                 json={"sent_on": (today - timedelta(days=10)).isoformat()}))
        ok(await client.post(scene.url("inspections/{id}/stage"), json={"to": stage}))


def _chinese_403(response: Any) -> bool:
    return response.status_code == 403 and re.search(
        r"[\u4e00-\u9fff]", response.json()["message"]) is not None


async def _reads_paper(actor: Actor, scene: Scene) -> int:
    return (await actor.get(scene.url("papers/{paper}"))).status_code


async def test_nothing_before_authorisation(client: Client, scene: Scene) -> None:
    for actor in (scene.leader, scene.member):
        for path in ("inspections/{id}/papers", "papers/{paper}", "findings/{finding}",
                     "inspections/{id}"):
            response = await actor.get(scene.url(path))
            assert _chinese_403(response), (path, response.text)
    await _move(client, scene, "authorized")
    assert await _reads_paper(scene.member, scene) == 200
    assert await _reads_paper(scene.leader, scene) == 200


async def test_a_foreign_member_reads_its_inspection_and_nothing_else(
        client: Client, scene: Scene, database: Database,
        tenant_ids: dict[str, int]) -> None:
    await _move(client, scene, "authorized")
    member = scene.member
    papers = ok(await member.get(scene.url("inspections/{id}/papers")))
    assert [p["id"] for p in papers["items"]] == [scene.paper_id]
    assert ok(await member.get(scene.url("papers/{paper}")))["title"] == "交叉巡察底稿"
    assert ok(await member.get(scene.url("findings/{finding}")))["title"] == "交叉巡察问题"
    assert ok(await member.get(scene.url("inspections/{id}")))["id"] == scene.inspection_id
    findings = ok(await member.get(scene.url("findings?inspection_id={id}")))["items"]
    assert {f["inspection_id"] for f in findings} == {scene.inspection_id}
    refused = [
        "papers/{other_paper_id}", "findings/{other_finding_id}", "clues/{other_clue_id}",
        "inspections/{other_inspection_id}", "inspections/{other_inspection_id}/papers",
        "findings?inspection_id={other_inspection_id}", "orgs", "findings", "clues",
        "inspections", "rectification/items", "role-grants",
        # a list whose handler ignores ?inspection_id= is not opened by naming it
        "inspections?inspection_id={id}",
        # nor by naming the inspection twice, once as one's own
        "findings?inspection_id={id}&inspection_id={other_inspection_id}",
    ]
    for path in refused:
        response = await member.get(scene.url(path))
        assert _chinese_403(response), (path, response.text)
        assert "他组" not in response.text
    assert (await member.get(f"/t/{T}/rounds?inspection_id={scene.inspection_id}")
            ).status_code == 403
    # Its desk in the tenant of its place opens, with its own inspection only.
    desk = await member.get(f"/t/{T}/?inspection_id={scene.inspection_id}")
    assert desk.status_code == 200 and "他组" not in desk.text
    assert f"inspections/{scene.inspection_id}" in desk.text
    write = await member.post(scene.url("inspections/{other_inspection_id}/papers"),
                              json={"__probe__": 1})
    assert _chinese_403(write)
    # Nothing in tb, nor in its own home tenant ta (no role anywhere).
    for tenant in ("tb", "ta"):
        elsewhere = await with_token_for(member, database, tenant_ids, tenant)
        for path in (f"/t/{tenant}/api/orgs", f"/t/{tenant}/api/findings",
                     f"/t/{tenant}/api/inspections/{scene.inspection_id}/papers"):
            response = await elsewhere.get(path)
            assert _chinese_403(response), (path, response.text)
    # The ta.one token does not carry into tb.
    assert (await member.get(f"/t/tb/api/inspections/{scene.inspection_id}/papers")
            ).status_code == 403


async def test_the_team_role_matters(client: Client, scene: Scene) -> None:
    await _move(client, scene, "authorized", "briefing", "onsite")
    sign = scene.url("papers/{paper}/sign")
    refused = await scene.member.post(sign, json={"remark": "组员签字"})
    assert _chinese_403(refused)
    assert ok(await scene.member.get(scene.url("papers/{paper}")))["status"] == "reviewed"
    signed = ok(await scene.leader.post(sign, json={"remark": "组长签字"}), 201)
    assert signed["status"] == "signed" and signed["signed_by"] == scene.leader.username
    # The leader of this inspection signs nothing of another one.
    other = await scene.leader.post(scene.url("papers/{other_paper_id}/sign"), json={})
    assert _chinese_403(other)


async def test_the_grant_ends_after_the_planned_withdrawal_day(
        client: Client, app: Litestar, scene: Scene) -> None:
    await _move(client, scene, "authorized")
    clock = app.state.runtime.clock
    days_left = (scene.onsite_end - clock.today()).days
    try:
        clock.advance(timedelta(days=days_left))  # the planned withdrawal day itself
        assert clock.today() == scene.onsite_end
        assert await _reads_paper(scene.member, scene) == 200
        clock.advance(timedelta(days=1))  # the day after: over by itself
        for actor in (scene.member, scene.leader):
            response = await actor.get(scene.url("papers/{paper}"))
            assert _chinese_403(response), response.text
            assert _chinese_403(await actor.get(scene.url("inspections/{id}/papers")))
    finally:
        clock.reset()
    assert await _reads_paper(scene.member, scene) == 200


async def test_the_grant_ends_when_the_team_withdraws(client: Client, scene: Scene) -> None:
    await _move(client, scene, "authorized", "briefing", "onsite")
    assert await _reads_paper(scene.member, scene) == 200
    await _move(client, scene, "withdrawn")
    for actor in (scene.member, scene.leader):
        response = await actor.get(scene.url("papers/{paper}"))
        assert _chinese_403(response), response.text
    team = ok(await client.get(scene.url("inspections/{id}/team")))
    assert all(m["released_at"] is not None for m in team)
