"""The rectification ledger API: items from findings, the status life, edits, filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar

from core.db import Database
from core.inspection.tables import Inspection, RectificationAction, RectificationItem
from tests.inspection.helpers import Client, api, ok
from tests.inspection.ledger_seed import fed_back, item_url, recorded_events

T = "ta.one"


async def _ledger(client: Client, **params: Any) -> dict[str, Any]:
    return ok(await client.get(api(T, "rectification/items"), params=params))  # type: ignore[no-any-return]


def _items_url(inspection_id: int) -> str:
    return api(T, f"inspections/{inspection_id}/rectification/items")


async def test_items_from_findings_and_duplicates_refused(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seed = await fed_back(database, tenant_ids[T], app, "台账甲")
    deadline = (seed["today"] + timedelta(days=30)).isoformat()
    wanted = [*seed["finding_ids"][:2], seed["finding_id"], seed["finding_ids"][0]]
    with recorded_events(app) as events:
        created = ok(await client.post(_items_url(seed["inspection_id"]), json={
            "finding_ids": wanted, "deadline": deadline, "measures": "建立制度",
            "responsible_person": "王某", "responsible_leader": "李某", "lead_office": "办公室"}),
            201)
    items = created["items"]
    assert [i["finding_id"] for i in items] == seed["finding_ids"][:2]
    assert items[0]["problem"] == "台账甲问题0"  # no description
    assert items[1]["problem"] == "台账甲问题1：台账甲描述1"
    assert {i["org_id"] for i in items} == {seed["org_id"]}
    assert items[0]["org_name"] == "甲一县财政局"
    assert (items[0]["status"], items[0]["status_label"]) == ("open", "未启动")
    assert (items[0]["escalation_label"], items[0]["overdue"]) == ("无", False)
    assert items[0]["lead_office"] == "办公室" and items[0]["deadline"] == deadline
    # the seeded finding already had its item: skipped and reported
    assert created["skipped"] == [{"finding_id": seed["finding_id"], "item_id": seed["item_id"],
                                   "reason": "该问题已列入整改台账"}]
    changed = events.of("rectification.item_changed")
    assert sorted(e.item_id for e in changed) == sorted(i["id"] for i in items)
    # all duplicates: refused, nothing added
    again = await client.post(_items_url(seed["inspection_id"]), json={
        "finding_ids": seed["finding_ids"][:2], "deadline": deadline})
    assert again.status_code == 409 and "均已列入整改台账" in again.json()["message"]
    ledger = await _ledger(client, inspection_id=seed["inspection_id"])
    assert ledger["total"] == 3  # the seeded item and the two new ones
    # the other org's finding gives an item of that org
    third = ok(await client.post(_items_url(seed["inspection_id"]), json={
        "finding_ids": [seed["finding_ids"][2]], "deadline": deadline}), 201)
    assert third["items"][0]["org_id"] == seed["other_org_id"]
    assert third["items"][0]["org_name"] == "张庄村"


async def test_one_item_written_out(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seed = await fed_back(database, tenant_ids[T], app, "台账乙")
    deadline = (seed["today"] + timedelta(days=10)).isoformat()
    item = ok(await client.post(_items_url(seed["inspection_id"]), json={
        "org_id": seed["other_org_id"], "problem": "村务公开不及时", "deadline": deadline,
        "finding_id": seed["finding_ids"][2]}), 201)["items"][0]
    assert (item["problem"], item["finding_id"]) == ("村务公开不及时", seed["finding_ids"][2])
    twice = await client.post(_items_url(seed["inspection_id"]), json={
        "org_id": seed["other_org_id"], "problem": "重复", "deadline": deadline,
        "finding_id": seed["finding_ids"][2]})
    assert twice.status_code == 409
    other_org = await client.post(_items_url(seed["inspection_id"]), json={
        "org_id": seed["other_org_id"], "problem": "x", "deadline": deadline,
        "finding_id": seed["finding_ids"][0]})
    assert other_org.status_code == 400
    assert other_org.json()["errors"][0] == {
        "field": "finding_id", "source": "body", "message": "该问题属于其他被巡察单位"}
    free = ok(await client.post(_items_url(seed["inspection_id"]), json={
        "org_id": seed["org_id"], "problem": "会议记录不规范", "deadline": deadline}), 201)
    assert free["items"][0]["finding_id"] is None


async def test_items_only_from_feedback_to_sustained(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seed = await fed_back(database, tenant_ids[T], app, "台账丙", stage="reviewed")
    body = {"org_id": seed["org_id"], "problem": "x",
            "deadline": (seed["today"] + timedelta(days=5)).isoformat()}
    early = await client.post(_items_url(seed["inspection_id"]), json=body)
    assert early.status_code == 409
    assert "审议报告" in early.json()["message"] and "反馈意见" in early.json()["message"]
    session = database.tenant(tenant_ids[T])
    await session.update(Inspection, {"id": seed["inspection_id"]}, {"stage": "archived"})
    assert (await client.post(_items_url(seed["inspection_id"]), json=body)).status_code == 409
    await session.update(Inspection, {"id": seed["inspection_id"]}, {"stage": "sustained"})
    assert (await client.post(_items_url(seed["inspection_id"]), json=body)).status_code == 201
    assert (await client.post(_items_url(2**31 - 1), json=body)).status_code == 404


async def test_status_life_history_and_illegal_moves(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seed = await fed_back(database, tenant_ids[T], app, "台账丁")
    item = ok(await client.post(_items_url(seed["inspection_id"]), json={
        "finding_ids": [seed["finding_ids"][0]],
        "deadline": (seed["today"] + timedelta(days=20)).isoformat()}), 201)["items"][0]
    status, verify = item_url(T, item["id"], "status"), item_url(T, item["id"], "verify")

    async def refused(url: str, to: str, words: str) -> None:
        response = await client.post(url, json={"to": to})
        assert response.status_code == 409, response.text
        assert response.json()["errors"][0]["field"] == "to"
        assert words in response.json()["message"]

    await refused(status, "submitted", "当前为“未启动”，不能改为“已报送”")
    await refused(status, "closed", "不能改为“已销号”")
    await refused(verify, "verified", "当前为“未启动”")
    ok(await client.post(status, json={"to": "in_progress", "remark": "已部署"}))
    ok(await client.post(status, json={"to": "submitted", "remark": "已完成"}))
    ok(await client.post(status, json={"to": "in_progress", "remark": "撤回补充材料"}))
    ok(await client.post(status, json={"to": "submitted"}))
    await refused(status, "verified", "验收")  # the unit cannot verify its own item
    no_reason = await client.post(verify, json={"to": "in_progress"})
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "remark"
    returned = ok(await client.post(verify, json={"to": "in_progress", "remark": "佐证不足"}))
    assert returned["status_label"] == "整改中"
    ok(await client.post(status, json={"to": "submitted"}))
    await refused(verify, "closed", "当前为“已报送”，不能改为“已销号”")
    verified = ok(await client.post(verify, json={"to": "verified", "remark": "验收合格"}))
    assert verified["status"] == "verified" and verified["closed_on"] is None
    frozen = await client.patch(item_url(T, item["id"]), json={"progress": "再改"})
    assert frozen.status_code == 409 and "已验收" in frozen.json()["message"]
    with recorded_events(app) as events:
        closed = ok(await client.post(verify, json={"to": "closed", "remark": "予以销号"}))
    assert (closed["status_label"], closed["closed_on"]) == ("已销号", seed["today"].isoformat())
    assert [e.status for e in events.of("rectification.item_changed")] == ["closed"]
    await refused(verify, "in_progress", "当前为“已销号”")
    history = ok(await client.get(item_url(T, item["id"], "history")))
    moves = [(h["from_value"], h["to_value"]) for h in history["items"]]
    assert moves == [("open", "in_progress"), ("in_progress", "submitted"),
                     ("submitted", "in_progress"), ("in_progress", "submitted"),
                     ("submitted", "in_progress"), ("in_progress", "submitted"),
                     ("submitted", "verified"), ("verified", "closed")]
    assert history["items"][4]["remark"] == "佐证不足"
    assert history["items"][-1]["to_label"] == "已销号"
    assert history["items"][0]["kind_label"] == "状态变更"
    assert history["total"] == 8
    rows = await database.tenant(tenant_ids[T]).list(RectificationAction,
                                                     {"item_id": item["id"]}, limit=None)
    assert len(rows) == 8 and all(r["actor"] == "tester" for r in rows)
    assert (await client.post(item_url(T, 2**31 - 1, "status"),
                              json={"to": "in_progress"})).status_code == 404


async def test_edit_item_and_deadline_rules(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seed = await fed_back(database, tenant_ids[T], app, "台账戊")
    today = seed["today"]
    item = ok(await client.post(_items_url(seed["inspection_id"]), json={
        "finding_ids": [seed["finding_ids"][1]],
        "deadline": today.isoformat()}), 201)["items"][0]
    later = (today + timedelta(days=60)).isoformat()
    edited = ok(await client.patch(item_url(T, item["id"]), json={
        "measures": "修订制度", "deadline": later, "progress": "已完成一半",
        "responsible_person": "赵某", "responsible_leader": "钱某", "lead_office": "党办"}))
    assert (edited["measures"], edited["deadline"], edited["progress"]) == (
        "修订制度", later, "已完成一半")
    assert ok(await client.get(item_url(T, item["id"]))) == edited
    past = await client.patch(item_url(T, item["id"]),
                              json={"deadline": (today - timedelta(days=1)).isoformat()})
    assert past.status_code == 400
    assert past.json()["errors"][0] == {"field": "deadline", "source": "body",
                                        "message": "整改期限不能早于今天"}
    stored = await database.tenant(tenant_ids[T]).get(RectificationItem, item["id"])
    assert stored is not None and stored["deadline"].isoformat() == later


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"finding_ids": [], "deadline": "2099-01-01"}, "finding_ids", "至少 1 项"),
        ({"finding_ids": ["x"], "deadline": "2099-01-01"}, "finding_ids[0]", "类型应为整数"),
        ({"finding_ids": [1]}, "deadline", "缺少必填字段"),
        ({"finding_ids": [1], "deadline": "明天"}, "deadline", "输入无效"),
        ({"deadline": "2099-01-01", "problem": "x"}, "org_id", "请填写整改单位"),
        ({"deadline": "2099-01-01", "org_id": 1}, "problem", "请填写存在的问题"),
        ({"deadline": "2099-01-01", "org_id": 1, "problem": ""}, "problem", "不能少于 1"),
        ({"deadline": "2099-01-01", "org_id": 1, "problem": "x" * 4001}, "problem", "不能超过"),
        ({"deadline": "2099-01-01", "org_id": 1, "problem": "x", "lead_office": "x" * 101},
         "lead_office", "不能超过 100"),
        ({"deadline": "2099-01-01", "org_id": 1, "problem": "x", "owner": "x"}, "owner",
         "包含未知字段"),
        ({"deadline": "2000-01-01", "org_id": "{org}", "problem": "x"}, "deadline",
         "不能早于今天"),
        ({"deadline": "2099-01-01", "org_id": "{foreign}", "problem": "x"}, "org_id",
         "不是本次巡察的被巡察对象"),
        ({"deadline": "2099-01-01", "finding_ids": [2**31 - 1]}, "finding_ids", "不存在"),
        ({"deadline": "2099-01-01", "finding_ids": [1], "org_id": 1}, "org_id", "不能再填写"),
    ],
)
async def test_bad_item_input_names_the_field_and_changes_nothing(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int],
    body: dict[str, Any], field: str, message: str,
) -> None:
    seed = await fed_back(database, tenant_ids[T], app, "台账错", findings=1)
    foreign = ok(await client.get(api(T, "orgs"), params={"kind": "village"}))["items"][-1]
    body = {k: {"{org}": seed["org_id"], "{foreign}": foreign["id"]}.get(v, v)
            if isinstance(v, str) else v for k, v in body.items()}
    response = await client.post(_items_url(seed["inspection_id"]), json=body)
    assert response.status_code == 400, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in errors and message in errors[field], errors
    assert (await _ledger(client, inspection_id=seed["inspection_id"]))["total"] == 1


async def test_ledger_filters_overdue_and_pages(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seed = await fed_back(database, tenant_ids[T], app, "台账己")
    today = seed["today"]
    created = ok(await client.post(_items_url(seed["inspection_id"]), json={
        "finding_ids": seed["finding_ids"], "deadline": today.isoformat()}), 201)["items"]
    first, second, third = (i["id"] for i in created)
    ok(await client.post(item_url(T, second, "status"), json={"to": "in_progress"}))
    ok(await client.post(item_url(T, second, "status"), json={"to": "submitted"}))
    ok(await client.post(item_url(T, third, "status"), json={"to": "in_progress"}))
    mine = {"inspection_id": seed["inspection_id"]}
    assert (await _ledger(client, **mine, overdue=True))["total"] == 0
    clock = app.state.runtime.clock
    try:
        clock.advance(timedelta(days=3))
        late = await _ledger(client, **mine, overdue="true")
        assert [i["id"] for i in late["items"]] == [first, third]  # submitted is not overdue
        assert all(i["overdue"] and i["days_overdue"] == 3 for i in late["items"])
        on_time = await _ledger(client, **mine, overdue="false")
        assert {i["id"] for i in on_time["items"]} == {seed["item_id"], second}
        assert not any(i["overdue"] for i in on_time["items"])
    finally:
        clock.reset()
    by_status = await _ledger(client, **mine, status="in_progress")
    assert [i["id"] for i in by_status["items"]] == [third]
    by_org = await _ledger(client, **mine, org_id=seed["other_org_id"])
    assert [i["org_name"] for i in by_org["items"]] == ["张庄村"]
    by_round = await _ledger(client, round_id=seed["round_id"])
    assert by_round["total"] == 4
    assert [i["id"] for i in by_round["items"]] == [first, second, third, seed["item_id"]]
    page = await _ledger(client, round_id=seed["round_id"], limit=2, offset=2)
    assert [i["id"] for i in page["items"]] == [third, seed["item_id"]]
    assert page["total"] == 4
    beyond = await _ledger(client, round_id=seed["round_id"], offset=10)
    assert (beyond["items"], beyond["total"]) == ([], 4)
    assert (await _ledger(client, **mine, escalation="warning"))["total"] == 0
    bad = await client.get(api(T, "rectification/items"), params={"status": "done"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "status"
    other = await client.get(api("ta", "rectification/items"), params=mine)
    assert other.json()["total"] == 0  # another tenant never sees these
