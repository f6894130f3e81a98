"""The desk's to-dos (core/inspection/desk.py): each for the right person, no other tenant's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from litestar import Litestar

from core.contributions import DeskItem, DeskViewer
from core.db import Database
from core.inspection.desk import core_desk_items, level_of
from core.inspection.ledger_query import OVERDUE_STATUSES
from core.inspection.tables import Clue, Inspection, RectificationItem
from core.work import Work
from tests.inspection.desk_seed import retire_desk, seed_desk

T, OTHER = "ta.one", "tb"



@pytest.fixture(autouse=True)
def every_entry_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The desk lists the first few entries of an item; the shared test database holds what
    earlier tests left due or overdue, which may rank before this test's own entries."""
    monkeypatch.setattr("core.inspection.desk.ENTRIES_SHOWN", 100_000)


def test_an_item_lists_its_most_pressing_entries_and_counts_all() -> None:
    from core.contributions import DeskEntry
    from core.inspection.desk import ENTRIES_SHOWN, _item

    today = date(2026, 12, 1)
    entries = [DeskEntry(title=f"事项{i}", path="ledger", due=today - timedelta(days=i),
                         level="overdue") for i in range(ENTRIES_SHOWN + 3)]
    item = _item("overdue_items", "超期", entries, order=1)
    assert item is not None and item.count == ENTRIES_SHOWN + 3
    assert [e.title for e in item.entries] == [f"事项{i}" for i in
                                               range(ENTRIES_SHOWN + 2, 2, -1)]


OFFICE = frozenset({"inspection:write", "rectification:read", "clue:refer", "paper:read"})


def test_levels_follow_the_10_and_20_day_bands() -> None:
    today = date(2026, 5, 1)
    assert level_of(today - timedelta(days=1), today) == "overdue"
    assert level_of(today, today) == "red"
    assert level_of(today + timedelta(days=10), today) == "red"
    assert level_of(today + timedelta(days=11), today) == "yellow"
    assert level_of(today + timedelta(days=20), today) == "yellow"
    assert level_of(today + timedelta(days=21), today) is None
    assert level_of(None, today) is None


async def _work(app: Litestar, database: Database, tenant_ids: dict[str, int],
                code: str) -> Work:
    runtime = app.state.runtime
    tenant = await runtime.tenants.get(code)
    assert tenant is not None
    return Work(session=database.tenant(tenant_ids[code]), tenant=tenant, actor="desk",
                clock=runtime.clock, plugins=runtime.plugins)


def _titles(items: list[DeskItem], code: str, marker: str) -> list[str]:
    """The entry titles of kind ``code`` that belong to ``marker``'s inspection."""
    return [e.title for item in items if item.code == code for e in item.entries
            if marker in e.title]


def _viewer(username: str, home: str = T, **extra: Any) -> DeskViewer:
    return DeskViewer(username=username, home_tenant=home, **extra)


@pytest.fixture()
async def seeded(client: object, app: Litestar, database: Database,
                 tenant_ids: dict[str, int]) -> AsyncIterator[dict[str, Any]]:
    made = await seed_desk(app, database, tenant_ids, T)
    yield made
    await retire_desk(database, tenant_ids, T, made)


async def test_papers_go_to_the_deputy_for_review_and_the_leader_for_signature(
        seeded: dict[str, Any], app: Litestar, database: Database,
        tenant_ids: dict[str, int]) -> None:
    work = await _work(app, database, tenant_ids, T)
    marker, people = seeded["marker"], seeded["people"]
    deputy = await core_desk_items(work, _viewer(people["deputy"]))
    assert _titles(deputy, "papers_to_review", marker) == [f"{marker}-001 {marker}成员起草"]
    assert _titles(deputy, "papers_to_sign", marker) == []  # the deputy's own draft is not his
    leader = await core_desk_items(work, _viewer(people["leader"]))
    assert _titles(leader, "papers_to_sign", marker) == [f"{marker}-3 {marker}已审核"]
    assert _titles(leader, "papers_to_review", marker) == []
    for who in ("member", "gone"):  # a member, and a deputy released from the team
        items = await core_desk_items(work, _viewer(people[who]))
        assert not _titles(items, "papers_to_review", marker)
        assert not _titles(items, "papers_to_sign", marker)
    # The office sees no paper to review or sign: it is not on the team.
    office = await core_desk_items(work, _viewer("desk.office", actions=OFFICE))
    assert not _titles(office, "papers_to_review", marker)
    # The same account name from another tenant holds no place on this team.
    stranger = await core_desk_items(work, _viewer(people["deputy"], home=OTHER))
    assert not _titles(stranger, "papers_to_review", marker)


async def test_deadlines_go_to_the_office_and_the_team_leaders(
        seeded: dict[str, Any], app: Litestar, database: Database,
        tenant_ids: dict[str, int]) -> None:
    work = await _work(app, database, tenant_ids, T)
    marker, people = seeded["marker"], seeded["people"]
    title = f"{marker}巡察任务：形成巡察报告"
    office = await core_desk_items(work, _viewer("desk.office", actions=OFFICE))
    (entry,) = [e for i in office if i.code == "inspection_deadlines" for e in i.entries
                if e.title == title]
    assert entry.level == "red" and entry.note == "剩 5 天"
    assert entry.path == f"inspections/{seeded['inspection_id']}"
    for who in ("leader", "deputy"):
        assert _titles(await core_desk_items(work, _viewer(people[who])),
                       "inspection_deadlines", marker) == [title]
    for viewer in (_viewer(people["member"]), _viewer("desk.reader",
                                                      actions=frozenset({"page:view"}))):
        assert not _titles(await core_desk_items(work, viewer), "inspection_deadlines", marker)
    # Beyond 20 days it leaves the desk; past due it is overdue.
    s = work.session
    today = work.clock.today()
    await s.update(Inspection, {"id": seeded["inspection_id"]},
                   {"report_due": today + timedelta(days=21)})
    assert not _titles(await core_desk_items(work, _viewer(people["leader"])),
                       "inspection_deadlines", marker)
    await s.update(Inspection, {"id": seeded["inspection_id"]},
                   {"report_due": today - timedelta(days=2), "stage": "onsite",
                    "onsite_end": today - timedelta(days=9)})
    items = await core_desk_items(work, _viewer(people["leader"]))
    (late,) = [e for i in items if i.code == "inspection_deadlines" for e in i.entries
               if marker in e.title]
    # On site past its planned end: the stay is what is late, not the report.
    assert late.title == f"{marker}巡察任务：计划撤离（进驻结束）"
    assert late.level == "overdue" and late.note == "已逾期 9 天"


async def test_overdue_items_go_to_ledger_readers_and_the_unit_liaison_only(
        seeded: dict[str, Any], app: Litestar, database: Database,
        tenant_ids: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    work = await _work(app, database, tenant_ids, T)
    marker, org_id = seeded["marker"], seeded["org_id"]
    problem = f"{marker}整改问题"
    office = await core_desk_items(work, _viewer("desk.office", actions=OFFICE))
    assert _titles(office, "overdue_items", marker) == [problem]
    (item,) = [i for i in office if i.code == "overdue_items"]
    assert item.level == "overdue" and item.path == "ledger?overdue=true"
    # It counts every overdue item of the tenant and lists the most overdue few.
    today = work.clock.today()
    overdue = sorted(r["deadline"] for r in await work.session.list(
        RectificationItem, {"status": list(OVERDUE_STATUSES)}, limit=None)
        if r["deadline"] < today)
    assert item.count == len(overdue)
    monkeypatch.setattr("core.inspection.desk.ENTRIES_SHOWN", 1)
    (few,) = [i for i in await core_desk_items(work, _viewer("desk.office", actions=OFFICE))
              if i.code == "overdue_items"]
    assert few.count == len(overdue) and [e.due for e in few.entries] == overdue[:1]
    monkeypatch.setattr("core.inspection.desk.ENTRIES_SHOWN", 100_000)
    # The unit liaison has its own orgs' unfinished items, the overdue first, each opening
    # the item; "all" is its org's ledger. The office's tenant-wide list is not its own.
    liaison = await core_desk_items(work, _viewer("desk.unit", orgs=frozenset({org_id})))
    assert _titles(liaison, "unit_items", marker) == [problem]
    assert not _titles(liaison, "overdue_items", marker)
    (unit,) = [i for i in liaison if i.code == "unit_items"]
    assert unit.path == f"ledger?org_id={org_id}" and unit.level == "overdue"
    assert [e.path for e in unit.entries if marker in e.title] == [
        f"rectification/items/{seeded['item_id']}"]
    other = await core_desk_items(work, _viewer("desk.unit2", orgs=frozenset({org_id + 10**6})))
    assert not _titles(other, "unit_items", marker)
    assert not _titles(office, "unit_items", marker)
    leader = await core_desk_items(work, _viewer(seeded["people"]["leader"]))
    assert not _titles(leader, "overdue_items", marker)
    # Submitted for verification, it is no longer the unit's to do.
    await work.session.update(RectificationItem, {"id": seeded["item_id"]},
                              {"status": "submitted"})
    assert not _titles(await core_desk_items(work, _viewer("desk.office", actions=OFFICE)),
                       "overdue_items", marker)


async def test_clue_replies_go_to_who_refers_and_the_receiving_body(
        seeded: dict[str, Any], app: Litestar, database: Database,
        tenant_ids: dict[str, int]) -> None:
    work = await _work(app, database, tenant_ids, T)
    marker = seeded["marker"]
    office = await core_desk_items(work, _viewer("desk.office", actions=OFFICE))
    (entry,) = [e for i in office if i.code == "clue_replies" for e in i.entries
                if marker in e.title]
    assert entry.title == f"{marker}线索：待签收" and entry.level == "yellow"
    assert entry.note == "县纪委监委 · 剩 15 天"
    body = await core_desk_items(work, _viewer("desk.body", bodies=frozenset({"discipline"})))
    assert _titles(body, "clue_replies", marker) == [f"{marker}线索：待签收"]
    (held,) = [e for i in body if i.code == "clue_replies" for e in i.entries
               if marker in e.title]
    assert held.path == f"clues/{seeded['clue_id']}"  # the clue's page, which it may open
    # Beyond 20 days the office stops watching; the receiving body still has it to do.
    await work.session.update(Clue, {"id": seeded["clue_id"]},
                              {"reply_due": work.clock.today() + timedelta(days=60)})
    assert not _titles(await core_desk_items(work, _viewer("desk.office", actions=OFFICE)),
                       "clue_replies", marker)
    body = await core_desk_items(work, _viewer("desk.body", bodies=frozenset({"discipline"})))
    assert [e.level for i in body if i.code == "clue_replies" for e in i.entries
            if marker in e.title] == ["todo"]
    org_body = await core_desk_items(work, _viewer("desk.org",
                                                   bodies=frozenset({"organisation"})))
    assert not _titles(org_body, "clue_replies", marker)
    staff_without_refer = _viewer("desk.lg", actions=frozenset({"clue:read"}))
    assert not _titles(await core_desk_items(work, staff_without_refer), "clue_replies", marker)
    await work.session.update(Clue, {"id": seeded["clue_id"]}, {"status": "concluded"})
    assert not _titles(await core_desk_items(work, _viewer("desk.office", actions=OFFICE)),
                       "clue_replies", marker)


async def test_team_places_show_their_inspections_and_own_drafts(
        seeded: dict[str, Any], app: Litestar, database: Database,
        tenant_ids: dict[str, int]) -> None:
    """Each person on the team sees the inspection with its place; a member its own drafts
    (not the deputy's, not a reviewed one); the released deputy and the office neither."""
    work = await _work(app, database, tenant_ids, T)
    marker, people = seeded["marker"], seeded["people"]
    for who, place in (("leader", "组长"), ("deputy", "副组长"), ("member", "组员")):
        items = await core_desk_items(work, _viewer(people[who]))
        (entry,) = [e for i in items if i.code == "my_inspections" for e in i.entries
                    if marker in e.title]
        assert entry.path == f"inspections/{seeded['inspection_id']}"
        assert entry.note == f"{place} · 形成报告", entry.note
    member = await core_desk_items(work, _viewer(people["member"]))
    assert _titles(member, "my_draft_papers", marker) == [f"{marker}-001 {marker}成员起草"]
    deputy = await core_desk_items(work, _viewer(people["deputy"]))
    assert _titles(deputy, "my_draft_papers", marker) == [f"{marker}-2 {marker}副组长起草"]
    for viewer in (_viewer(people["gone"]), _viewer("desk.office", actions=OFFICE),
                   _viewer(people["member"], home=OTHER)):
        items = await core_desk_items(work, viewer)
        assert not _titles(items, "my_inspections", marker)
        assert not _titles(items, "my_draft_papers", marker)


async def test_no_other_tenants_to_dos(seeded: dict[str, Any], app: Litestar,
                                       database: Database, tenant_ids: dict[str, int]) -> None:
    theirs = await seed_desk(app, database, tenant_ids, OTHER)
    work = await _work(app, database, tenant_ids, T)
    office = await core_desk_items(work, _viewer("desk.office", actions=OFFICE))
    texts = [e.title + e.note for i in office for e in i.entries]
    assert any(seeded["marker"] in t for t in texts)
    assert not any(theirs["marker"] in t for t in texts)
    # Their team's deputy, looking at this tenant, has nothing of theirs to review.
    deputy = await core_desk_items(work, _viewer(theirs["people"]["deputy"], home=OTHER))
    assert not any(theirs["marker"] in e.title for i in deputy for e in i.entries)
    # An empty desk has no empty kinds.
    nobody = await core_desk_items(await _work(app, database, tenant_ids, OTHER),
                                   _viewer("desk.nobody", home=OTHER))
    assert nobody == []
