"""Recusal (回避) when a person joins a team: refusal, override, recording.

A small test plugin (``ConflictFinder``) implementing ``xuncha_recusal_conflicts``
is plugged into the running app for each test. Approving an exception needs the
action ``team:override_recusal`` (office admin), checked by the authorization
layer's ``core.web.guard.require_action``:

- the tests marked ``needs_guard`` run it for real; until the lead adds that
  guard (and the non-admin client fixture) they are expected to fail, strictly,
  and turn into ordinary tests by themselves once it exists;
- the other override tests stand in for the guard with a spy (``guard``) so
  that the refusal, the recording and the audit entry are tested today.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.exceptions import PermissionDeniedException

from core.contributions import RecusalConflict, TeamCandidate
from core.db import Database
from core.hookspecs import hookimpl
from core.inspection.tables import Inspection, TeamMember
from core.web.api import team as team_api
from tests.conftest import ActingClient
from tests.inspection.helpers import Client, api, new_inspection, ok
from tests.inspection.paper_steps import audit_entries, plugged_in

JUSTIFICATION = "该同志系借调骨干，熟悉财政业务，已调离原单位满两年，经办务会研究同意参加。"


class ConflictFinder:
    """A test plugin: people whose key starts with ``conflict-`` worked in every target."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    @hookimpl
    def xuncha_recusal_conflicts(self, person: TeamCandidate, inspection: dict[str, Any],
                                 orgs: list[dict[str, Any]], tenant: Any) -> Any:
        self.calls.append({"person": person, "inspection": inspection, "orgs": orgs,
                           "tenant": tenant})
        if not person.person.startswith("conflict-"):
            return []
        conflicts = [RecusalConflict(reason=f"近三年内曾在{o['name']}工作", org_id=o["id"],
                                     rule="worked_there_within_3_years") for o in orgs]
        return [*conflicts, RecusalConflict(reason="配偶在被巡察单位担任领导职务",
                                            rule="relative")]


class BrokenFinder:
    """A test plugin returning plain text instead of ``RecusalConflict``."""

    @hookimpl
    async def xuncha_recusal_conflicts(self) -> list[str]:
        return ["有回避情形"]


@pytest.fixture
def finder(app: Litestar) -> Iterator[ConflictFinder]:
    with plugged_in(app, ConflictFinder()) as plugin:
        yield plugin


class GuardSpy:
    """Stands in for ``team_api._may_override``: records each question, then allows
    (or raises ``refusal`` when set)."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.refusal: Exception | None = None

    async def __call__(self, request: Any) -> None:
        self.asked.append(request.url.path)
        if self.refusal is not None:
            raise self.refusal


@pytest.fixture
def guard(monkeypatch: pytest.MonkeyPatch) -> GuardSpy:
    spy = GuardSpy()
    monkeypatch.setattr(team_api, "_may_override", spy)
    return spy


def member(person: str, **extra: Any) -> dict[str, Any]:
    return {"person": person, "name": "李某某", "role": "member", **extra}


async def state_of(database: Database, tenant_ids: dict[str, int],
                   inspection_id: int) -> tuple[list[str], int, int]:
    """Team people, inspection version and ``team.*`` audit entries of an inspection."""
    session = database.tenant(tenant_ids["ta.one"])
    team = await session.list(TeamMember, {"inspection_id": inspection_id}, limit=None)
    (insp,) = await session.list(Inspection, {"id": inspection_id})
    entries = [e for action in ("team.add", "team.recusal_override")
               for e in await audit_entries(database, tenant_ids, action, inspection_id)]
    return sorted(m["person"] for m in team), int(insp["version"]), len(entries)


async def test_conflicted_person_is_refused_with_every_reason(
    client: Client, database: Database, tenant_ids: dict[str, int], finder: ConflictFinder
) -> None:
    insp = await new_inspection(client, codes=("D001", "T01"))
    team = api("ta.one", f"inspections/{insp['id']}/team")
    before = await state_of(database, tenant_ids, insp["id"])
    refused = await client.post(team, json=member("conflict-li", home_tenant="ta",
                                                   home_unit="甲市财政局"))
    assert refused.status_code == 409, refused.text
    body = refused.json()
    reasons = [e["message"] for e in body["errors"] if e["field"] == "person"]
    assert reasons == ["存在回避情形：近三年内曾在甲一县财政局工作",
                       "存在回避情形：近三年内曾在东风镇工作",
                       "存在回避情形：配偶在被巡察单位担任领导职务"]
    hint = [e for e in body["errors"] if e["field"] == "recusal_override.justification"]
    assert len(hint) == 1 and "办主任" in hint[0]["message"]
    assert "存在回避情形" in body["message"]
    assert await state_of(database, tenant_ids, insp["id"]) == before  # nothing changed
    assert ok(await client.get(team)) == []
    # The plugin saw the person (with home tenant), the inspection and its targets.
    call = finder.calls[-1]
    assert call["person"] == TeamCandidate(person="conflict-li", name="李某某", home_tenant="ta",
                                           home_unit="甲市财政局", role="member")
    assert call["inspection"]["id"] == insp["id"]
    assert sorted(o["name"] for o in call["orgs"]) == ["东风镇", "甲一县财政局"]
    assert call["tenant"].code == "ta.one"


async def test_no_conflict_joins_as_before(
    client: Client, database: Database, tenant_ids: dict[str, int], finder: ConflictFinder,
    guard: GuardSpy,
) -> None:
    insp = await new_inspection(client)
    team = api("ta.one", f"inspections/{insp['id']}/team")
    added = ok(await client.post(team, json=member("wang", role="leader")), 201)
    assert added["person"] == "wang" and added["recusal_override"] == ""
    assert [c["person"].person for c in finder.calls] == ["wang"]
    # An override without a conflict is not needed: not checked, not recorded.
    also = ok(await client.post(team, json=member("zhao", recusal_override={
        "justification": JUSTIFICATION})), 201)
    assert also["recusal_override"] == "" and guard.asked == []
    assert not await audit_entries(database, tenant_ids, "team.recusal_override", insp["id"])
    adds = await audit_entries(database, tenant_ids, "team.add", insp["id"])
    assert [(e["detail"]["person"], e["detail"]["recusal_override"]) for e in adds] == [
        ("wang", False), ("zhao", False)]


async def test_override_with_justification_is_recorded(
    client: Client, database: Database, tenant_ids: dict[str, int], finder: ConflictFinder,
    guard: GuardSpy,
) -> None:
    insp = await new_inspection(client)
    team = api("ta.one", f"inspections/{insp['id']}/team")
    added = ok(await client.post(team, json=member("conflict-zhou", recusal_override={
        "justification": f"  {JUSTIFICATION}  "})), 201)
    assert guard.asked == [f"/t/ta.one/api/inspections/{insp['id']}/team"]  # guard was asked
    assert added["person"] == "conflict-zhou" and added["recusal_override"] == JUSTIFICATION
    row = await database.tenant(tenant_ids["ta.one"]).get(TeamMember, added["id"])
    assert row is not None and row["recusal_override"] == JUSTIFICATION
    (entry,) = await audit_entries(database, tenant_ids, "team.recusal_override", insp["id"])
    detail = entry["detail"]
    assert detail["person"] == "conflict-zhou" and detail["member_id"] == added["id"]
    assert detail["justification"] == JUSTIFICATION and detail["home"] == "ta.one"
    (d001,) = [o["id"] for o in finder.calls[-1]["orgs"]]
    assert detail["conflicts"] == [
        {"reason": "近三年内曾在甲一县财政局工作", "org_id": d001,
         "rule": "worked_there_within_3_years"},
        {"reason": "配偶在被巡察单位担任领导职务", "org_id": None, "rule": "relative"},
    ]
    (add,) = await audit_entries(database, tenant_ids, "team.add", insp["id"])
    assert add["detail"]["recusal_override"] is True
    listed = ok(await client.get(team))
    assert [(m["person"], m["recusal_override"]) for m in listed] == [
        ("conflict-zhou", JUSTIFICATION)]


async def test_override_refused_by_the_guard_changes_nothing(
    client: Client, database: Database, tenant_ids: dict[str, int], finder: ConflictFinder,
    guard: GuardSpy,
) -> None:
    insp = await new_inspection(client)
    team = api("ta.one", f"inspections/{insp['id']}/team")
    guard.refusal = PermissionDeniedException("无权批准回避例外")
    before = await state_of(database, tenant_ids, insp["id"])
    refused = await client.post(team, json=member("conflict-qian", recusal_override={
        "justification": JUSTIFICATION}))
    assert refused.status_code == 403, refused.text
    assert refused.json()["message"] == "无权批准回避例外"
    assert await state_of(database, tenant_ids, insp["id"]) == before


@pytest.mark.parametrize(("justification", "message"), [
    ("理由太短", "长度不能少于 10 个字符"),
    ("   理由仍然太短     ", "书面理由不能少于 10 个字符（不计首尾空白）"),
    ("长" * 1001, "长度不能超过 1000 个字符"),
])
async def test_bad_justification_is_a_field_error(
    client: Client, database: Database, tenant_ids: dict[str, int], finder: ConflictFinder,
    guard: GuardSpy, justification: str, message: str,
) -> None:
    insp = await new_inspection(client)
    team = api("ta.one", f"inspections/{insp['id']}/team")
    before = await state_of(database, tenant_ids, insp["id"])
    refused = await client.post(team, json=member("conflict-sun", recusal_override={
        "justification": justification}))
    assert refused.status_code == 400, refused.text
    assert refused.json()["errors"] == [{"field": "recusal_override.justification",
                                         "source": "body", "message": message}]
    assert await state_of(database, tenant_ids, insp["id"]) == before
    assert guard.asked == [] and finder.calls == []  # refused before anything was looked up


async def test_a_broken_plugin_fails_closed(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int],
) -> None:
    insp = await new_inspection(client)
    team = api("ta.one", f"inspections/{insp['id']}/team")
    before = await state_of(database, tenant_ids, insp["id"])
    with plugged_in(app, BrokenFinder()):
        failed = await client.post(team, json=member("wu"))
    assert failed.status_code == 500  # a plugin bug: logged, and nobody joins unchecked
    assert await state_of(database, tenant_ids, insp["id"]) == before


async def test_override_fails_closed_without_the_guard(
    monkeypatch: pytest.MonkeyPatch, client: Client, database: Database,
    tenant_ids: dict[str, int], finder: ConflictFinder,
) -> None:
    """If the guard cannot be imported, no exception is approved (403, not 500)."""
    monkeypatch.setitem(sys.modules, "core.web.guard", None)  # import now raises
    insp = await new_inspection(client)
    team = api("ta.one", f"inspections/{insp['id']}/team")
    before = await state_of(database, tenant_ids, insp["id"])
    refused = await client.post(team, json=member("conflict-he", recusal_override={
        "justification": JUSTIFICATION}))
    assert refused.status_code == 403, refused.text
    assert "回避例外" in refused.json()["message"]
    assert await state_of(database, tenant_ids, insp["id"]) == before


async def test_office_admin_override_end_to_end(
    client: Client, database: Database, tenant_ids: dict[str, int], finder: ConflictFinder,
) -> None:
    """The shared ``client`` is an office admin (the lead's fixture): the real guard allows."""
    insp = await new_inspection(client)
    team = api("ta.one", f"inspections/{insp['id']}/team")
    added = ok(await client.post(team, json=member("conflict-zheng", recusal_override={
        "justification": JUSTIFICATION})), 201)
    assert added["recusal_override"] == JUSTIFICATION
    assert await audit_entries(database, tenant_ids, "team.recusal_override", insp["id"])


async def test_non_admin_override_is_refused_end_to_end(
    staff_client: ActingClient, client: Client, database: Database,
    tenant_ids: dict[str, int], finder: ConflictFinder,
) -> None:
    """Office staff may form teams (``team:write``) but not approve a recusal exception."""
    staff = staff_client
    insp = await new_inspection(client)
    team = api("ta.one", f"inspections/{insp['id']}/team")
    ok(await staff.post(team, json=member("feng")), 201)  # staff may add people
    before = await state_of(database, tenant_ids, insp["id"])
    refused = await staff.post(team, json=member("conflict-chen", recusal_override={
        "justification": JUSTIFICATION}))
    assert refused.status_code == 403, refused.text
    assert await state_of(database, tenant_ids, insp["id"]) == before
