"""Clues (问题线索): recording, confidential persons, referral, receipt, outcome, report."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.audit.tables import AuditEntry
from core.clock import Clock, add_months
from core.db import Database
from core.inspection import clues
from core.inspection.events import ClueClosed, ClueReferred
from core.inspection.model import ClueGrade, ReceivingBody
from core.inspection.tables import Clue, Inspection
from core.runtime import runtime_of
from core.tenancy.tables import Org
from core.work import Work
from tests.inspection.seed import seed_inspection

Client = AsyncTestClient[Litestar]

T = "ta.one"
API = f"/t/{T}/api"


async def _seed(database: Database, tenant_ids: dict[str, int], marker: str,
                stage: str = "onsite") -> dict[str, Any]:
    return await seed_inspection(database, tenant_ids[T], marker, stage=stage)


async def _stage(database: Database, tenant_ids: dict[str, int], inspection_id: int,
                 stage: str) -> None:
    await database.tenant(tenant_ids[T]).update(Inspection, {"id": inspection_id},
                                                {"stage": stage})


def _body(org_id: int, marker: str, **changes: Any) -> dict[str, Any]:
    return {
        "title": f"{marker}线索标题", "summary": f"{marker}反映其违规收受礼金",
        "grade": "further_examine", "org_id": org_id,
        "persons": [{"name": f"{marker}甲", "position": "局长", "unit": "财政局"},
                    {"name": f"{marker}乙", "position": "副局长"}],
        **changes,
    }


async def _create(client: Client, inspection_id: int, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"{API}/inspections/{inspection_id}/clues", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _post(client: Client, clue_id: int, action: str, body: dict[str, Any],
                status: int = 200) -> dict[str, Any]:
    response = await client.post(f"{API}/clues/{clue_id}/{action}", json=body)
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


async def _list(client: Client, **params: Any) -> dict[str, Any]:
    response = await client.get(f"{API}/clues", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def _audit(database: Database, tenant_ids: dict[str, int], action: str,
                 clue_id: int) -> list[dict[str, Any]]:
    return await database.tenant(tenant_ids[T]).list(
        AuditEntry, {"action": action, "object_id": str(clue_id)}, limit=None)


async def _org(database: Database, tenant_ids: dict[str, int], code: str) -> int:
    rows = await database.tenant(tenant_ids[T]).list(Org, {"code": code}, limit=1)
    return int(rows[0]["id"])


async def test_record_shows_labels_and_counts_persons(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    ids = await _seed(database, tenant_ids, "线索登记")
    clue = await _create(client, ids["inspection_id"],
                         _body(ids["org_id"], "登记人", city_managed=True))
    assert clue["status"] == "recorded" and clue["status_label"] == "已登记"
    assert clue["grade_label"] == "重点核查" and clue["city_managed"] is True
    assert clue["persons_count"] == 2 and "persons" not in clue
    assert clue["receiving_body"] is None and clue["receiving_body_label"] == ""
    assert clue["org_name"] == "甲一县财政局" and clue["overdue"] is False
    detail = (await client.get(f"{API}/clues/{clue['id']}")).json()
    assert detail == clue
    (entry,) = await _audit(database, tenant_ids, "clue.create", clue["id"])
    assert entry["detail"]["persons_count"] == 2
    assert "登记人甲" not in str(entry["detail"]) and "persons" not in entry["detail"]
    listed = await _list(client, inspection_id=ids["inspection_id"])
    assert {c["id"] for c in listed["items"]} == {clue["id"], ids["clue_id"]}
    assert (await client.get(f"{API}/clues/99999999")).status_code == 404


async def test_persons_only_through_the_audited_read(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    ids = await _seed(database, tenant_ids, "保密线索")
    clue = await _create(client, ids["inspection_id"], _body(ids["org_id"], "保密人"))
    pages = [
        await client.get(f"{API}/clues", params={"inspection_id": ids["inspection_id"]}),
        await client.get(f"{API}/clues/{clue['id']}"),
        await client.get(f"{API}/clues/{ids['clue_id']}"),
        await client.get(f"{API}/inspections/{ids['inspection_id']}/clue-report"),
    ]
    for page in pages:
        assert page.status_code == 200
        for secret in ("保密人甲", "保密人乙", "保密线索当事人"):
            assert secret not in page.text
        assert '"persons"' not in page.text
    assert await _audit(database, tenant_ids, "clue.persons.read", clue["id"]) == []
    response = await client.get(f"{API}/clues/{clue['id']}/persons")
    assert response.status_code == 200
    assert response.json() == {"clue_id": clue["id"], "persons": [
        {"name": "保密人甲", "position": "局长", "unit": "财政局"},
        {"name": "保密人乙", "position": "副局长", "unit": ""}]}
    await client.get(f"{API}/clues/{clue['id']}/persons")
    seeded = (await client.get(f"{API}/clues/{ids['clue_id']}/persons")).json()
    assert seeded["persons"] == [{"name": "保密线索当事人", "position": "局长", "unit": ""}]
    reads = await _audit(database, tenant_ids, "clue.persons.read", clue["id"])
    assert len(reads) == 2
    assert all(r["actor"] and r["at"] and r["object_type"] == "clue" for r in reads)
    assert reads[0]["detail"] == {"inspection_id": ids["inspection_id"], "persons_count": 2}
    missing = await client.get(f"{API}/clues/99999999/persons")
    assert missing.status_code == 404 and "问题线索不存在" in missing.json()["message"]


async def test_recording_is_refused_outside_its_stages(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    ids = await _seed(database, tenant_ids, "线索环节", stage="briefing")
    url = f"{API}/inspections/{ids['inspection_id']}/clues"
    body = _body(ids["org_id"], "环节人")
    early = await client.post(url, json=body)
    assert early.status_code == 409 and "了解情况" in early.json()["message"]
    await _stage(database, tenant_ids, ids["inspection_id"], "rectifying")
    assert (await client.post(url, json=body)).status_code == 409
    await _stage(database, tenant_ids, ids["inspection_id"], "referral")
    township = await _org(database, tenant_ids, "T01")
    stranger = await client.post(url, json={**body, "org_id": township})
    assert stranger.status_code == 400
    assert stranger.json()["errors"][0]["field"] == "org_id"
    assert (await client.post(f"{API}/inspections/99999999/clues", json=body)).status_code == 404
    assert await database.tenant(tenant_ids[T]).count(
        Clue, {"inspection_id": ids["inspection_id"]}) == 1  # only the seeded clue
    await _create(client, ids["inspection_id"], body)


PERSON = {"name": "某人", "position": "局长"}


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"title": ""}, "title", "长度不能少于"),
        ({"title": "   "}, "title", "标题不能为空"),
        ({"title": "长" * 201}, "title", "长度不能超过 200"),
        ({"summary": "长" * 5001}, "summary", "长度不能超过 5000"),
        ({"grade": "urgent"}, "grade", "取值无效"),
        ({"persons": []}, "persons", "至少填写 1 名涉及人员"),
        ({"persons": [PERSON] * 21}, "persons", "最多 20 项"),
        ({"persons": [{"name": " ", "position": "局长"}]}, "persons[0].name", "姓名不能为空"),
        ({"persons": [PERSON, {"position": "局长"}]}, "persons[1].name", "缺少必填字段"),
        ({"persons": [{"name": "长" * 65, "position": "局长"}]}, "persons[0].name",
         "长度不能超过 64"),
        ({"persons": [{**PERSON, "unit": "长" * 201}]}, "persons[0].unit", "长度不能超过 200"),
        ({"persons": [{**PERSON, "id_card": "1"}]}, "persons[0].id_card", "包含未知字段"),
        ({"org_id": 0}, "org_id", "不能小于 1"),
        ({"org_id": "D001"}, "org_id", "类型应为整数"),
        ({"city_managed": "yes"}, "city_managed", "类型应为布尔值"),
        ({"status": "concluded"}, "status", "包含未知字段"),
    ],
)
async def test_bad_input_names_the_field_and_changes_nothing(
    client: Client, database: Database, tenant_ids: dict[str, int], changes: dict[str, Any],
    field: str, text: str,
) -> None:
    ids = await _seed(database, tenant_ids, "线索输入")
    response = await client.post(f"{API}/inspections/{ids['inspection_id']}/clues",
                                 json={**_body(ids["org_id"], "输入人"), **changes})
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    # A nested missing or unknown field may be named by its leaf only ("name").
    assert {field, field.rsplit(".", 1)[-1]} & {e["field"] for e in errors}, errors
    assert any(text in e["message"] for e in errors), errors
    assert await database.tenant(tenant_ids[T]).count(
        Clue, {"inspection_id": ids["inspection_id"]}) == 1


async def test_edit_only_while_recorded(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    ids = await _seed(database, tenant_ids, "线索修改")
    clue = await _create(client, ids["inspection_id"], _body(ids["org_id"], "修改人"))
    url = f"{API}/clues/{clue['id']}"
    response = await client.patch(url, json={
        "title": "修改后的线索", "grade": "reference_only",
        "persons": [{"name": "修改人丙", "position": "科长"}]})
    assert response.status_code == 200, response.text
    edited = response.json()
    assert (edited["title"], edited["grade_label"], edited["persons_count"]) == (
        "修改后的线索", "留存备查", 1)
    assert edited["summary"] == clue["summary"] and "修改人丙" not in response.text
    (entry,) = await _audit(database, tenant_ids, "clue.update", clue["id"])
    assert entry["detail"]["persons_count"] == 1 and "修改人丙" not in str(entry["detail"])
    bad = await client.patch(url, json={"persons": [{"name": "", "position": "x"}]})
    assert bad.status_code == 400
    unknown = await client.patch(url, json={"status": "concluded"})
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "status"
    await _stage(database, tenant_ids, ids["inspection_id"], "feedback")
    await _post(client, clue["id"], "referral", {"receiving_body": "discipline"})
    frozen = await client.patch(url, json={"title": "移交后再改"})
    assert frozen.status_code == 409 and "已移交" in frozen.json()["message"]
    assert (await client.get(url)).json()["title"] == "修改后的线索"


async def test_referral_sets_the_reply_due_and_follows_the_rules(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    ids = await _seed(database, tenant_ids, "线索移交")
    plain = await _create(client, ids["inspection_id"], _body(ids["org_id"], "移交人"))
    city = await _create(client, ids["inspection_id"],
                         _body(ids["org_id"], "市管人", city_managed=True))
    early = await client.post(f"{API}/clues/{plain['id']}/referral",
                              json={"receiving_body": "discipline"})
    assert early.status_code == 409 and "反馈意见" in early.json()["message"]
    await _stage(database, tenant_ids, ids["inspection_id"], "referral")
    today = runtime_of(app.state).clock.today()
    for body, field in [
        ({"receiving_body": "other"}, "receiving_body_name"),
        ({"receiving_body": "other", "receiving_body_name": "  "}, "receiving_body_name"),
        ({"receiving_body": "court"}, "receiving_body"),
        ({"receiving_body": "discipline", "referred_on": str(today + timedelta(days=1))},
         "referred_on"),
        ({"receiving_body": "discipline", "referred_on": "2026-02-30"}, "referred_on"),
        ({"receiving_body": "discipline", "note": "x"}, "note"),
    ]:
        refused = await _post(client, plain["id"], "referral", body, status=400)
        assert refused["errors"][0]["field"] == field, refused
    refused = await _post(client, city["id"], "referral", {"receiving_body": "organisation"},
                          status=409)
    assert refused["errors"][0]["field"] == "receiving_body"
    assert "市管干部" in refused["message"] and "纪委监委" in refused["message"]
    referred = await _post(client, plain["id"], "referral", {
        "receiving_body": "other", "receiving_body_name": "县审计局"})
    assert referred["status_label"] == "已移交"
    assert referred["receiving_body_label"] == "其他有关部门"
    assert referred["receiving_body_name"] == "县审计局"
    assert referred["referred_on"] == today.isoformat()
    assert referred["reply_due"] == add_months(today, 3).isoformat()  # the default 3 months
    city_referred = await _post(client, city["id"], "referral", {
        "receiving_body": "discipline", "referred_on": "2026-01-31"})
    assert city_referred["reply_due"] == "2026-04-30"
    again = await _post(client, plain["id"], "referral", {"receiving_body": "discipline"},
                        status=409)
    assert "已移交" in again["message"]
    (entry,) = await _audit(database, tenant_ids, "clue.refer", city["id"])
    assert entry["detail"]["reply_due"] == "2026-04-30"


class Recorder:
    """Stands in for the plugin manager: keeps the events dispatched after commit."""

    names: tuple[str, ...] = ()  # no plugin: no event travels (see ``core.sync.codec``)

    def __init__(self) -> None:
        self.events: list[Any] = []

    def collect_now(self, hook: str, **kwargs: Any) -> list[Any]:
        return []

    async def call(self, hook: str, tenant_plugins: Any, **kwargs: Any) -> list[Any]:
        if hook == "xuncha_on_event":  # not ``xuncha_sync_outgoing``, called before commit
            self.events.append(kwargs["event"].payload)
        return []


async def test_reply_months_come_from_the_tenant_setting(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    ids = await _seed(database, tenant_ids, "线索期限")
    runtime = runtime_of(app.state)
    info = await runtime.tenants.get(T)
    assert info is not None and info.settings["clue_reply_months"] == 3
    session = database.tenant(tenant_ids[T])  # the app's pool lives on the client's loop
    expected = {6: date(2026, 7, 31), 1: date(2026, 2, 28), 12: date(2027, 1, 31)}
    for months, due in expected.items():
        tenant = msgspec.structs.replace(info, settings={**info.settings,
                                                         "clue_reply_months": months})
        recorder = Recorder()
        work = Work(session=session, tenant=tenant, actor="测试", clock=Clock(),
                    plugins=recorder)  # type: ignore[arg-type]
        await _stage(database, tenant_ids, ids["inspection_id"], "onsite")
        row = await clues.record_clue(work, ids["inspection_id"], clues.ClueCreate(
            title="期限线索", grade=ClueGrade.examine, org_id=ids["org_id"],
            persons=[clues.Person(name="期限人", position="站长")]))
        await _stage(database, tenant_ids, ids["inspection_id"], "rectifying")
        row = await clues.refer_clue(work, row["id"], clues.ClueReferral(
            receiving_body=ReceivingBody.organisation, referred_on=date(2026, 1, 31)))
        assert row["reply_due"] == due
        row = await clues.conclude_clue(work, row["id"], clues.ClueOutcome(
            outcome="已谈话提醒", concluded_on=date(2026, 2, 2)))
        assert row["received_on"] == date(2026, 2, 2)
        recorded, referred, closed = recorder.events
        assert "期限人" not in str(recorded)
        assert isinstance(referred, ClueReferred) and referred.reply_due == due
        assert isinstance(closed, ClueClosed) and closed.concluded_on == date(2026, 2, 2)
        assert closed.receiving_body == "organisation"


async def test_receipt_and_outcome_in_order(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    ids = await _seed(database, tenant_ids, "线索办结")
    first = await _create(client, ids["inspection_id"], _body(ids["org_id"], "办结人"))
    second = await _create(client, ids["inspection_id"], _body(ids["org_id"], "直办人"))
    for action, body in [("receipt", {}), ("outcome", {"outcome": "已立案审查"})]:
        refused = await _post(client, first["id"], action, body, status=409)
        assert "已登记" in refused["message"]
    await _stage(database, tenant_ids, ids["inspection_id"], "feedback")
    await _post(client, first["id"], "referral",
                {"receiving_body": "discipline", "referred_on": "2026-03-10"})
    early = await _post(client, first["id"], "receipt", {"received_on": "2026-03-09"},
                        status=400)
    assert early["errors"][0]["field"] == "received_on" and "移交日期" in early["message"]
    received = await _post(client, first["id"], "receipt", {"received_on": "2026-03-12"})
    assert (received["status_label"], received["received_on"]) == ("已签收", "2026-03-12")
    assert (await _post(client, first["id"], "receipt", {}, status=409))["errors"]
    for body, field in [({"outcome": "好"}, "outcome"), ({"outcome": "  。 "}, "outcome"),
                        ({"outcome": "长" * 2001}, "outcome"), ({}, "outcome"),
                        ({"outcome": "已办结", "concluded_on": "2026-03-11"}, "concluded_on")]:
        refused = await _post(client, first["id"], "outcome", body, status=400)
        assert refused["errors"][0]["field"] == field, refused
    done = await _post(client, first["id"], "outcome",
                       {"outcome": "已立案审查，给予党内警告处分", "concluded_on": "2026-05-20"})
    assert (done["status"], done["status_label"]) == ("concluded", "已办结")
    assert done["outcome"] == "已立案审查，给予党内警告处分"
    assert done["concluded_on"] == "2026-05-20"
    again = await _post(client, first["id"], "outcome", {"outcome": "再次办结"}, status=409)
    assert "已办结" in again["message"]
    # An answer without a separate receipt records the receipt the same day.
    await _post(client, second["id"], "referral", {"receiving_body": "organisation"})
    direct = await _post(client, second["id"], "outcome", {"outcome": "已函询，予以了结"})
    assert direct["received_on"] == direct["concluded_on"] is not None
    (entry,) = await _audit(database, tenant_ids, "clue.conclude", second["id"])
    assert entry["detail"]["outcome_chars"] == len("已函询，予以了结")


async def test_list_filters_and_pages(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    ids = await _seed(database, tenant_ids, "线索筛选")
    other = await _seed(database, tenant_ids, "线索筛选二")
    iid = ids["inspection_id"]
    a = await _create(client, iid, _body(ids["org_id"], "筛选甲", grade="examine"))
    b = await _create(client, iid, _body(ids["org_id"], "筛选乙", grade="reference_only"))
    c = await _create(client, other["inspection_id"], _body(other["org_id"], "筛选丙"))
    await _stage(database, tenant_ids, iid, "feedback")
    await _post(client, b["id"], "referral", {"receiving_body": "organisation"})
    by_grade = await _list(client, inspection_id=iid, grade="reference_only")
    assert [x["id"] for x in by_grade["items"]] == [b["id"]]
    by_status = await _list(client, inspection_id=iid, status="recorded")
    assert {x["id"] for x in by_status["items"]} == {a["id"], ids["clue_id"]}
    by_body = await _list(client, inspection_id=iid, receiving_body="organisation")
    assert [x["id"] for x in by_body["items"]] == [b["id"]]
    by_round = await _list(client, round_id=other["round_id"])
    assert {x["id"] for x in by_round["items"]} == {c["id"], other["clue_id"]}
    assert (await _list(client, round_id=other["round_id"], inspection_id=iid))["total"] == 0
    by_org = await _list(client, inspection_id=iid, org_id=ids["org_id"])
    assert by_org["total"] == 3
    by_title = await _list(client, inspection_id=iid, q="筛选乙")
    assert [x["id"] for x in by_title["items"]] == [b["id"]]
    first = await _list(client, inspection_id=iid, limit=2)
    second = await _list(client, inspection_id=iid, limit=2, offset=2)
    assert first["total"] == second["total"] == 3
    assert [x["id"] for x in first["items"] + second["items"]] == [
        b["id"], a["id"], ids["clue_id"]]  # newest first
    for query in ["grade=urgent", "status=x", "receiving_body=court", "overdue=maybe",
                  "round_id=0", "limit=501"]:
        response = await client.get(f"{API}/clues?{query}")
        assert response.status_code == 400, query
        assert response.json()["errors"][0]["field"] == query.split("=")[0]


async def test_overdue_by_moved_clock_and_the_report(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    ids = await _seed(database, tenant_ids, "线索超期")
    iid, seeded = ids["inspection_id"], ids["clue_id"]
    late = await _create(client, iid, _body(ids["org_id"], "超期人"))
    done = await _create(client, iid, _body(ids["org_id"], "按期人"))
    report_url = f"{API}/inspections/{iid}/clue-report"
    await _stage(database, tenant_ids, iid, "referral")
    for clue in (late, done):
        await _post(client, clue["id"], "referral", {"receiving_body": "discipline"})
    await _post(client, done["id"], "outcome", {"outcome": "经核查，反映问题不属实"})
    assert (await _list(client, inspection_id=iid, overdue=True))["total"] == 0
    clock = runtime_of(app.state).clock
    clock.advance(timedelta(days=100))
    try:
        overdue = await _list(client, inspection_id=iid, overdue=True)
        assert [x["id"] for x in overdue["items"]] == [late["id"]]
        assert overdue["items"][0]["overdue"] is True
        on_time = await _list(client, inspection_id=iid, overdue=False)
        assert {x["id"] for x in on_time["items"]} == {seeded, done["id"]}
        assert on_time["total"] == 2
        assert (await _list(client, inspection_id=iid, overdue=False, limit=1,
                            offset=1))["total"] == 2
        assert (await client.get(f"{API}/clues/{late['id']}")).json()["overdue"] is True
        report = (await client.get(report_url)).json()
        assert report["totals"] == {"total": 3, "concluded": 1, "open": 2, "overdue": 1,
                                    "carried_over": 0}
        assert report["all_resolved"] is False and report["stage_label"] == "移交线索"
        lines = {line["id"]: line for line in report["items"]}
        assert lines[late["id"]]["overdue"] is True and lines[late["id"]]["has_outcome"] is False
        assert lines[done["id"]]["has_outcome"] is True
        assert lines[done["id"]]["receiving_body_label"] == "纪委监委"
    finally:
        clock.reset()
    session = database.tenant(tenant_ids[T])
    assert await clues.open_clue_count(session, iid) == 2
    await _post(client, late["id"], "outcome", {"outcome": "已立案"})
    await database.tenant(tenant_ids[T]).update(Clue, {"id": seeded}, {"carried_over": True})
    assert await clues.open_clue_count(session, iid) == 0
    report = (await client.get(report_url)).json()
    assert report["totals"] == {"total": 3, "concluded": 2, "open": 0, "overdue": 0,
                                "carried_over": 1}
    assert report["all_resolved"] is True
    assert (await client.get(f"{API}/inspections/99999999/clue-report")).status_code == 404
