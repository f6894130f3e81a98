"""The clue pages: record with persons (rows), edit, refer, receipt, outcome; persons confidential.

The office head (the shared ``client``) may read persons; office staff may
refer a clue but never see its persons; the receiving body's liaison
answers for its own clues. Every read of persons is audited, as the API
audits it.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from litestar import Litestar

from core.audit.tables import AuditEntry
from core.db import Database
from core.inspection.tables import Clue, Inspection, InspectionTarget
from core.tenancy.tables import Org
from tests.conftest import ActingClient, acting_as
from tests.inspection.paper_steps import Client, today
from tests.inspection.seed import seed_inspection

T = "ta.one"
HTMX = {"HX-Request": "true"}
_years = itertools.count(2600)
_ENGLISH = re.compile(r"Expected|Object missing|Validation failed|Invalid enum|required field")


async def _seed(database: Database, tenant_ids: dict[str, int], marker: str,
                stage: str = "onsite", tenant: str = T) -> dict[str, Any]:
    return await seed_inspection(database, tenant_ids[tenant], marker, stage=stage,
                                 year=next(_years))


def _field_error(html: str, field: str, text: str) -> None:
    match = re.search(rf'<small class="field-error" id="e-(?:paper-|finding-|clue-)?{field}">'
                      r'([^<]*)</small>', html)
    assert match is not None, (field, html[:3000])
    assert text in match[1], (field, match[1])
    assert not _ENGLISH.search(html)


def _form(seeded: dict[str, Any], rows: list[tuple[str, str, str]] | None = None,
          **extra: Any) -> dict[str, Any]:
    if rows is None:
        rows = [("张某", "局长", ""), ("", "", ""), ("李某", "科长", "财政局")]
    return {"title": "反映局长违规插手工程", "org_id": str(seeded["org_id"]),
            "grade": "further_examine", "summary": "群众来信反映。",
            "person_name": [r[0] for r in rows], "person_position": [r[1] for r in rows],
            "person_unit": [r[2] for r in rows],
            **extra}


async def _clues(database: Database, tenant_ids: dict[str, int], inspection_id: int
                 ) -> list[dict[str, Any]]:
    return await database.tenant(tenant_ids[T]).list(
        Clue, {"inspection_id": inspection_id}, order_by=("id",), limit=None)


async def _persons_reads(database: Database, tenant_ids: dict[str, int], clue_id: int) -> int:
    return await database.tenant(tenant_ids[T]).count(
        AuditEntry, {"action": "clue.persons.read", "object_id": str(clue_id)})


async def test_recording_a_clue_with_its_persons(client: Client, database: Database,
                                                 tenant_ids: dict[str, int]) -> None:
    seeded = await _seed(database, tenant_ids, "索新")
    iid = seeded["inspection_id"]
    page = (await client.get(f"/t/{T}/inspections/{iid}")).text
    assert "<summary>登记问题线索</summary>" in page
    assert 'data-add-row="clue-new-persons-new"' in page
    assert f'href="/t/{T}/clues/{seeded["clue_id"]}">索新线索</a>' in page
    assert "索新当事人" not in page
    own = await client.get(f"/t/{T}/inspections/{iid}/clues/new")
    assert own.status_code == 200 and "<h1>登记问题线索</h1>" in own.text
    url = f"/t/{T}/inspections/{iid}/clues"
    made = await client.post(url, data=_form(seeded), headers=HTMX)
    assert made.status_code == 200, made.text
    row = (await _clues(database, tenant_ids, iid))[-1]
    assert made.headers["HX-Redirect"] == f"/t/{T}/clues/{row['id']}"
    assert row["persons"] == [{"name": "张某", "position": "局长", "unit": ""},
                              {"name": "李某", "position": "科长", "unit": "财政局"}]
    assert row["grade"] == "further_examine" and row["status"] == "recorded"
    reads = await _persons_reads(database, tenant_ids, row["id"])
    shown = (await client.get(f"/t/{T}/clues/{row['id']}")).text
    assert "<h1>反映局长违规插手工程</h1>" in shown and "重点核查" in shown
    assert "<td>张某</td><td>局长</td>" in shown and "<td>财政局</td>" in shown
    assert "本次查阅涉及人员已记入审计日志" in shown
    assert await _persons_reads(database, tenant_ids, row["id"]) == reads + 1
    plain = await client.post(url, data=_form(seeded, city_managed="on"),
                              follow_redirects=False)
    assert plain.status_code == 303
    assert (await _clues(database, tenant_ids, iid))[-1]["city_managed"]


async def test_clue_refusals_beside_their_fields(client: Client, database: Database,
                                                 tenant_ids: dict[str, int]) -> None:
    seeded = await _seed(database, tenant_ids, "索拒")
    iid = seeded["inspection_id"]
    session = database.tenant(tenant_ids[T])
    url = f"/t/{T}/inspections/{iid}/clues"
    before = len(await _clues(database, tenant_ids, iid))
    nobody = await client.post(url, data=_form(seeded, rows=[("", "", "")]), headers=HTMX)
    assert nobody.status_code == 400 and 'id="clue-new"' in nobody.text
    _field_error(nobody.text, "persons", "至少填写 1 名涉及人员")
    no_position = await client.post(url, data=_form(seeded, rows=[("王某", "", "")]),
                                    headers=HTMX)
    assert no_position.status_code == 400
    _field_error(no_position.text, "persons", "第 1 行：职务不能为空")
    assert 'value="王某"' in no_position.text  # the typed row comes back
    crowd = await client.post(url, data=_form(seeded, rows=[(f"人{n}", "职员", "")
                                                          for n in range(21)]), headers=HTMX)
    assert crowd.status_code == 400
    _field_error(crowd.text, "persons", "涉及人员最多 20 人")
    blank = await client.post(url, data=_form(seeded, title=""), headers=HTMX)
    _field_error(blank.text, "title", "缺少必填字段")
    grade = await client.post(url, data=_form(seeded, grade="urgent"), headers=HTMX)
    _field_error(grade.text, "grade", "取值无效")
    others = await session.list(Org, limit=None)
    targets = {r["org_id"] for r in await session.list(InspectionTarget,
                                                       {"inspection_id": iid}, limit=None)}
    stranger = next(o["id"] for o in others if o["id"] not in targets)
    not_target = await client.post(url, data=_form(seeded, org_id=str(stranger)))
    assert not_target.status_code == 400 and "<h1>登记问题线索</h1>" in not_target.text
    _field_error(not_target.text, "org_id", "该单位不是本次巡察的被巡察对象")
    assert len(await _clues(database, tenant_ids, iid)) == before
    late = await _seed(database, tenant_ids, "索迟", stage="rectifying")
    refused = await client.post(f"/t/{T}/inspections/{late['inspection_id']}/clues",
                                data=_form(late), headers=HTMX)
    assert refused.status_code == 409 and "不能登记问题线索" in refused.text


async def test_staff_never_see_persons(client: Client, app: Litestar, database: Database,
                                       tenant_ids: dict[str, int],
                                       staff_client: ActingClient) -> None:
    seeded = await _seed(database, tenant_ids, "索密", stage="referral")
    cid = seeded["clue_id"]
    reads = await _persons_reads(database, tenant_ids, cid)
    page = await staff_client.get(f"/t/{T}/clues/{cid}")
    assert page.status_code == 200 and "<h1>索密线索</h1>" in page.text
    assert "索密当事人" not in page.text and "仅组长、巡察办主任和受理机关可查阅" in page.text
    assert "涉及人员（1 人）" in page.text
    assert "<summary>修改线索</summary>" not in page.text  # office staff do not write clues
    assert "<h2>移交线索</h2>" in page.text  # but refer them
    assert await _persons_reads(database, tenant_ids, cid) == reads
    inspection = (await staff_client.get(f"/t/{T}/inspections/{seeded['inspection_id']}")).text
    assert "索密当事人" not in inspection and "<summary>登记问题线索</summary>" not in inspection
    edit = await staff_client.post(f"/t/{T}/clues/{cid}",
                                   data={"title": "越权", "grade": "examine"})
    assert edit.status_code == 403


async def test_editing_a_clue_and_its_persons(client: Client, database: Database,
                                              tenant_ids: dict[str, int]) -> None:
    seeded = await _seed(database, tenant_ids, "索改")
    cid = seeded["clue_id"]
    url = f"/t/{T}/clues/{cid}"
    page = (await client.get(url)).text
    assert "<summary>修改线索</summary>" in page and 'value="索改当事人"' in page
    data = {"title": "索改线索（补充）", "grade": "reference_only", "summary": "补充",
            "persons_shown": "on", "person_name": ["索改当事人", "赵某"],
            "person_position": ["局长", "副局长"], "person_unit": ["", "交通局"]}
    edited = await client.post(url, data=data, headers=HTMX)
    assert edited.status_code == 200 and edited.headers["HX-Redirect"] == url
    row = await database.tenant(tenant_ids[T]).get(Clue, cid)
    assert row is not None and row["grade"] == "reference_only" and len(row["persons"]) == 2
    emptied = await client.post(url, data={**data, "person_name": ["", ""],
                                           "person_position": ["", ""],
                                           "person_unit": ["", ""]}, headers=HTMX)
    assert emptied.status_code == 400 and 'id="clue-edit"' in emptied.text
    _field_error(emptied.text, "persons", "至少填写 1 名涉及人员")
    no_persons = await client.post(url, data={"title": "只改标题", "grade": "examine"},
                                   follow_redirects=False)
    assert no_persons.status_code == 303  # the persons were not on the form: unchanged
    row = await database.tenant(tenant_ids[T]).get(Clue, cid)
    assert row is not None and row["title"] == "只改标题" and len(row["persons"]) == 2
    await database.tenant(tenant_ids[T]).update(Clue, {"id": cid}, {"status": "referred"})
    assert "<summary>修改线索</summary>" not in (await client.get(url)).text
    closed = await client.post(url, data={"title": "移交后", "grade": "examine"},
                               headers=HTMX)
    assert closed.status_code == 409 and "不能修改" in closed.text


async def test_referral_receipt_and_outcome(client: Client, app: Litestar, database: Database,
                                            tenant_ids: dict[str, int]) -> None:
    seeded = await _seed(database, tenant_ids, "索移", stage="referral")
    cid = seeded["clue_id"]
    session = database.tenant(tenant_ids[T])
    url = f"/t/{T}/clues/{cid}"
    await session.update(Clue, {"id": cid}, {"city_managed": True})
    page = (await client.get(url)).text
    assert "<h2>移交线索</h2>" in page and "涉及市管干部的线索只能移交纪委监委" in page
    city = await client.post(f"{url}/referral", data={"receiving_body": "organisation"},
                             headers=HTMX)
    assert city.status_code == 409 and 'id="clue-referral"' in city.text
    _field_error(city.text, "receiving_body", "只能移交纪委监委")
    await session.update(Clue, {"id": cid}, {"city_managed": False})
    unnamed = await client.post(f"{url}/referral", data={"receiving_body": "other"},
                                headers=HTMX)
    _field_error(unnamed.text, "receiving_body_name", "须填写接收单位名称")
    future = await client.post(f"{url}/referral", data={
        "receiving_body": "discipline", "referred_on": today(app, 2)})
    assert future.status_code == 400 and "<html" in future.text
    _field_error(future.text, "referred_on", "移交日期不能晚于今天")
    assert (await session.get(Clue, cid) or {})["status"] == "recorded"
    referred = await client.post(f"{url}/referral", data={
        "receiving_body": "discipline", "referred_on": today(app, -5)}, headers=HTMX)
    assert referred.status_code == 200 and referred.headers["HX-Redirect"] == url
    row = await session.get(Clue, cid)
    assert row is not None and row["status"] == "referred" and row["reply_due"] is not None
    # The discipline commission's liaison signs for it and answers.
    liaison, _ = await acting_as(app, client, database, "receiving_liaison", T,
                                 scope="body:discipline")
    seen = (await liaison.get(url)).text
    assert "<h2>签收回执</h2>" in seen and "<h2>办理结果</h2>" in seen and "索移当事人" in seen
    early = await liaison.post(f"{url}/receipt", data={"received_on": today(app, -9)},
                               headers=HTMX)
    assert early.status_code == 400 and 'id="clue-receipt"' in early.text
    _field_error(early.text, "received_on", "签收日期不能早于移交日期")
    received = await liaison.post(f"{url}/receipt", data={"received_on": today(app, -2)},
                                  follow_redirects=False)
    assert received.status_code == 303
    short = await liaison.post(f"{url}/outcome", data={"outcome": "结"}, headers=HTMX)
    assert short.status_code == 400 and 'id="clue-outcome"' in short.text
    _field_error(short.text, "outcome", "长度不能少于 2 个字符")
    done = await liaison.post(f"{url}/outcome", data={"outcome": "已立案审查，给予党内警告处分"},
                              headers=HTMX)
    assert done.status_code == 200
    row = await session.get(Clue, cid)
    assert row is not None and row["status"] == "concluded" and "党内警告" in row["outcome"]
    final = (await client.get(url)).text
    assert "已办结" in final and "党内警告" in final and "<h2>签收回执</h2>" not in final
    again = await liaison.post(f"{url}/outcome", data={"outcome": "再次办结"}, headers=HTMX)
    assert again.status_code == 409 and "不能反馈办理结果" in again.text
    as_json = await liaison.post(f"{url}/receipt", json={})
    assert as_json.status_code == 400


async def test_another_tenants_clue_is_unknown_here(client: Client, database: Database,
                                                    tenant_ids: dict[str, int]) -> None:
    other = await _seed(database, tenant_ids, "索外", tenant="tb", stage="referral")
    cid, iid = other["clue_id"], other["inspection_id"]
    for path in (f"/t/{T}/clues/{cid}", f"/t/{T}/inspections/{iid}/clues/new"):
        response = await client.get(path)
        assert response.status_code == 404
        assert not any(s in response.text for s in other["texts"])
    posts = {f"/t/{T}/clues/{cid}": {"title": "越权", "grade": "examine"},
             f"/t/{T}/clues/{cid}/referral": {"receiving_body": "discipline"},
             f"/t/{T}/clues/{cid}/receipt": {"received_on": "2026-04-01"},
             f"/t/{T}/clues/{cid}/outcome": {"outcome": "越权办结"},
             f"/t/{T}/inspections/{iid}/clues": _form(other)}
    for path, data in posts.items():
        for headers in (HTMX, {}):
            response = await client.post(path, data=data, headers=headers)
            assert response.status_code == 404, (path, response.text)
            assert not any(s in response.text for s in other["texts"])
    row = await database.tenant(tenant_ids["tb"]).get(Clue, cid)
    assert row is not None and row["status"] == "recorded" and row["title"] == "索外线索"
    stage = await database.tenant(tenant_ids["tb"]).get(Inspection, iid)
    assert stage is not None and stage["stage"] == "referral"
