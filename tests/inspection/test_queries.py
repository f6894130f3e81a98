"""The typed reads plugins use: orgs, terms, rounds, inspections with their targets."""

from __future__ import annotations

from datetime import date

from core.db import Database
from core.inspection.queries import (
    inspections_with_targets,
    list_orgs,
    list_rounds,
    list_terms,
)
from core.inspection.tables import Inspection
from tests.inspection.seed import seed_inspection


async def test_reads_follow_the_tenant_and_the_filters(
        database: Database, tenant_ids: dict[str, int]) -> None:
    session = database.tenant(tenant_ids["ta.one"])
    ids = await seed_inspection(database, tenant_ids["ta.one"], "读取", stage="feedback")
    villages = await list_orgs(session, kinds=("village",))
    assert villages and {o["kind"] for o in villages} == {"village"}
    assert {o["code"] for o in await list_orgs(session)} >= {"D001", "T01", "T01V001"}
    terms = await list_terms(session)
    assert ids["term_id"] in [t["id"] for t in terms]
    starts = [t["start_date"] for t in terms]
    assert starts == sorted(starts)
    assert [t["start_date"] for t in await list_terms(session, newest_first=True)] == sorted(
        starts, reverse=True)
    rounds = await list_rounds(session, term_id=ids["term_id"])
    assert [r["id"] for r in rounds] == [ids["round_id"]]
    found = await inspections_with_targets(session, round_ids=[ids["round_id"]])
    assert [(i["id"], i["org_ids"]) for i in found] == [(ids["inspection_id"], [ids["org_id"]])]
    # Another tenant's session reads none of it.
    other = database.tenant(tenant_ids["tb"])
    assert ids["term_id"] not in [t["id"] for t in await list_terms(other)]
    assert await inspections_with_targets(other, round_ids=[ids["round_id"]]) == []


async def test_inspections_by_feedback_day(database: Database,
                                           tenant_ids: dict[str, int]) -> None:
    session = database.tenant(tenant_ids["ta.one"])
    ids = await seed_inspection(database, tenant_ids["ta.one"], "反馈日", stage="feedback")
    await session.update(Inspection, {"id": ids["inspection_id"]},
                         {"feedback_on": date(2041, 5, 6)})
    within = await inspections_with_targets(
        session, feedback_between=(date(2041, 5, 1), date(2041, 5, 31)))
    assert [i["id"] for i in within] == [ids["inspection_id"]]
    assert await inspections_with_targets(
        session, feedback_between=(date(2041, 6, 1), date(2041, 6, 30))) == []
