"""Rectification reports, disclosure records and the counts the stage machine asks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar

from core.clock import add_months
from core.db import Database
from core.inspection.rectification import (
    carry_over_items,
    disclosure_count,
    open_item_count,
    orgs_missing_report,
)
from core.inspection.tables import Inspection, RectificationAction, RectificationItem
from core.work import Work
from tests.inspection.helpers import Client, api, ok
from tests.inspection.ledger_seed import fed_back, recorded_events

T = "ta.one"


def _url(tenant: str, inspection_id: int, tail: str) -> str:
    return api(tenant, f"inspections/{inspection_id}/{tail}")


async def _stage(database: Database, tenant_id: int, inspection_id: int, stage: str) -> None:
    await database.tenant(tenant_id).update(Inspection, {"id": inspection_id}, {"stage": stage})


async def test_report_due_three_months_in_ta_one(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seed = await fed_back(database, tenant_ids[T], app, "报告甲")
    reports = _url(T, seed["inspection_id"], "rectification/reports")
    body = {"org_id": seed["org_id"], "summary": "已完成整改 12 项"}
    early = await client.post(reports, json=body)
    assert early.status_code == 409 and "反馈意见" in early.json()["message"]
    await _stage(database, tenant_ids[T], seed["inspection_id"], "rectifying")
    due = add_months(seed["today"], 3).isoformat()  # ta.one sets 3 months
    listed = ok(await client.get(reports))
    assert listed["total"] == 2
    assert {r["org_id"]: (r["due_date"], r["submitted_on"]) for r in listed["items"]} == {
        seed["org_id"]: (due, None), seed["other_org_id"]: (due, None)}
    with recorded_events(app) as events:
        report = ok(await client.post(reports, json=body), 201)
    assert (report["due_date"], report["submitted_on"]) == (due, seed["today"].isoformat())
    assert (report["org_name"], report["overdue"], report["late"]) == ("甲一县财政局", False,
                                                                       False)
    (event,) = events.of("rectification.report_submitted")
    assert (event.report_id, event.org_id) == (report["report_id"], seed["org_id"])
    twice = await client.post(reports, json=body)
    assert twice.status_code == 409 and "已报送整改报告" in twice.json()["message"]
    clock = app.state.runtime.clock
    try:
        clock.advance(timedelta(days=120))
        after = {r["org_id"]: r for r in ok(await client.get(reports))["items"]}
        assert after[seed["other_org_id"]]["overdue"] is True
        assert after[seed["org_id"]]["overdue"] is False
        late = ok(await client.post(reports, json={"org_id": seed["other_org_id"],
                                                   "summary": "补报"}), 201)
        assert late["late"] is True and late["overdue"] is False
    finally:
        clock.reset()


async def test_report_due_two_months_by_default(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seed = await fed_back(database, tenant_ids["ta"], app, "报告乙", stage="rectifying")
    report = ok(await client.post(_url("ta", seed["inspection_id"], "rectification/reports"),
                                  json={"org_id": seed["org_id"], "summary": "整改报告"}), 201)
    assert report["due_date"] == add_months(seed["today"], 2).isoformat()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"org_id": "{org}"}, "summary", "缺少必填字段"),
        ({"org_id": "{org}", "summary": ""}, "summary", "不能少于 1"),
        ({"org_id": "{org}", "summary": "x", "submitted_on": "2999-01-01"}, "submitted_on",
         "不能晚于今天"),
        ({"org_id": "{org}", "summary": "x", "submitted_on": "2001-01-01"}, "submitted_on",
         "不能早于反馈意见的日期"),
        ({"org_id": "{foreign}", "summary": "x"}, "org_id", "不是本次巡察的被巡察对象"),
        ({"org_id": 0, "summary": "x"}, "org_id", "不能小于 1"),
        ({"org_id": "{org}", "summary": "x", "extra": 1}, "extra", "包含未知字段"),
    ],
)
async def test_bad_report_input(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int],
    body: dict[str, Any], field: str, message: str,
) -> None:
    seed = await fed_back(database, tenant_ids[T], app, "报告错", stage="rectifying",
                          findings=0)
    foreign = ok(await client.get(api(T, "orgs"), params={"kind": "township"}))["items"][0]
    body = {k: {"{org}": seed["org_id"], "{foreign}": foreign["id"]}.get(v, v)
            if isinstance(v, str) else v for k, v in body.items()}
    reports = _url(T, seed["inspection_id"], "rectification/reports")
    response = await client.post(reports, json=body)
    assert response.status_code == 400, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert message in errors[field], errors
    assert all(r["submitted_on"] is None for r in ok(await client.get(reports))["items"])


async def test_disclosures_and_withholding(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seed = await fed_back(database, tenant_ids[T], app, "公开甲", stage="rectifying")
    url = _url(T, seed["inspection_id"], "disclosures")
    early = await client.post(url, json={"scope": "public"})
    assert early.status_code == 409 and "报送整改报告" in early.json()["message"]
    await _stage(database, tenant_ids[T], seed["inspection_id"], "rectification_reported")
    before = await disclosure_count(database.tenant(tenant_ids[T]), seed["inspection_id"])
    refused = await client.post(url, json={"scope": "public", "withheld": True})
    assert refused.status_code == 400
    assert {e["field"]: e["message"] for e in refused.json()["errors"]} == {
        "withheld_reason": "暂不公开须选择理由", "approved_by": "暂不公开须写明批准人"}
    bad_reason = await client.post(url, json={"scope": "public", "withheld": True,
                                              "withheld_reason": "busy", "approved_by": "张书记"})
    assert bad_reason.status_code == 400
    assert bad_reason.json()["errors"][0]["field"] == "withheld_reason"
    stray = await client.post(url, json={"scope": "internal", "withheld_reason": "open_case"})
    assert stray.status_code == 400 and "未暂缓公开" in stray.json()["message"]
    with recorded_events(app) as events:
        internal = ok(await client.post(url, json={"scope": "internal", "remark": "全县通报"}),
                      201)
        withheld = ok(await client.post(url, json={
            "scope": "public", "withheld": True, "withheld_reason": "open_case",
            "approved_by": "张书记", "remark": "案件查办中"}), 201)
    assert (internal["scope_label"], internal["disclosed_on"]) == ("内部通报",
                                                                   seed["today"].isoformat())
    assert withheld["withheld_reason_label"] == "涉及正在查办的案件"
    assert (withheld["disclosed_on"], withheld["approved_by"]) == (None, "张书记")
    assert [(e.scope, e.withheld) for e in events.of("disclosure.recorded")] == [
        ("internal", False), ("public", True)]
    listed = ok(await client.get(url))
    assert [d["id"] for d in listed["items"]][-2:] == [internal["id"], withheld["id"]]
    after = await disclosure_count(database.tenant(tenant_ids[T]), seed["inspection_id"])
    assert after == before + 2 == listed["total"]
    assert (await client.get(_url(T, 2**31 - 1, "disclosures"))).status_code == 404


async def test_counts_for_the_stage_machine(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seed = await fed_back(database, tenant_ids[T], app, "计数甲", stage="rectifying")
    session = database.tenant(tenant_ids[T])
    inspection_id = seed["inspection_id"]
    ok(await client.post(_url(T, inspection_id, "rectification/items"), json={
        "finding_ids": seed["finding_ids"][:2],
        "deadline": seed["today"].isoformat()}), 201)
    assert await open_item_count(session, inspection_id) == 3  # with the seeded item
    assert await orgs_missing_report(session, inspection_id) == sorted(
        [seed["org_id"], seed["other_org_id"]])  # the other org has a finding
    ok(await client.post(_url(T, inspection_id, "rectification/reports"),
                         json={"org_id": seed["org_id"], "summary": "报告"}), 201)
    assert await orgs_missing_report(session, inspection_id) == [seed["other_org_id"]]
    (closed,) = await session.update(RectificationItem, {
        "inspection_id": inspection_id, "finding_id": seed["finding_ids"][0]},
        {"status": "closed"})
    assert await open_item_count(session, inspection_id) == 2
    tenant = app.state.runtime.tenants._by_code[T]
    work = Work(session=session, tenant=tenant, actor="test", clock=app.state.runtime.clock,
                plugins=app.state.runtime.plugins)
    with recorded_events(app) as events:
        assert await carry_over_items(work, inspection_id) == 2
    assert len(events.of("rectification.item_changed")) == 2
    assert await carry_over_items(work, inspection_id) == 0
    assert await open_item_count(session, inspection_id) == 0
    actions = await session.list(RectificationAction, {"kind": "carry_over", "item_id": [
        r["id"] for r in await session.list(RectificationItem,
                                            {"inspection_id": inspection_id})]})
    assert len(actions) == 2 and {a["remark"] for a in actions} == {"转入持续整改"}
    assert closed not in {a["item_id"] for a in actions}
