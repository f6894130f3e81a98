"""Appraisal after a round (考核): at most 20% 优秀 across the round's team members, only
after the on-site stage, all or nothing, on the person's record, the team page (through
``xuncha_cadre_appraisals``) and the roster export; the form page."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from core.api import Inspection
from core.db import Database
from plugins.talent_pool.appraisal import excellent_limit
from tests.plugins.talent_pool.helpers import (
    Client,
    api,
    inspection,
    join,
    new_term,
    ok,
    person,
    talent,
)

A = "tp.a"


@pytest.mark.parametrize(("members", "limit"), [
    (0, 0), (1, 1), (4, 1), (5, 1), (9, 1), (10, 2), (14, 2), (15, 3), (19, 3), (20, 4),
    (24, 4), (25, 5), (101, 20)])
def test_the_limit_is_a_fifth_rounded_down_but_at_least_one(members: int, limit: int) -> None:
    assert excellent_limit(members) == limit


async def _stage(db: Database, tenant: str, inspection_id: int, stage: str) -> None:
    rows = await db.fetch(f'SELECT "id" FROM "tenant" WHERE "code" = {db.dialect.mark(1)}',
                          [tenant])
    await db.tenant(rows[0]["id"]).update(Inspection, {"id": inspection_id}, {"stage": stage})


async def _team(tc: Client, round_id: int, label: str, size: int,
                codes: tuple[str, ...] = ("D002",)) -> tuple[int, list[dict[str, Any]]]:
    """An inspection of the round with a leader and ``size - 1`` members of the pool."""
    insp = await inspection(tc, round_id, codes)
    people = []
    for index in range(size):
        who = await person(tc, name=f"{label}{index}")
        ok(await join(tc, insp, who, "leader" if index == 0 else "member"), 201)
        people.append(who)
    return insp, people


async def _members(tc: Client, round_id: int) -> dict[str, int]:
    sheet = ok(await tc.get(talent(A, f"rounds/{round_id}/appraisals")))
    return {m["name"]: m["member_id"] for i in sheet["inspections"] for m in i["members"]}


def _grades(members: dict[str, int], **by_name: str) -> dict[str, Any]:
    return {"appraisals": [{"member_id": members[n], "grade": g} for n, g in by_name.items()]}


async def test_the_cap_the_stage_and_the_record(tc: Client, talent_database: Database) -> None:
    (rnd, *_) = await new_term(tc, rounds=1)
    first, people = await _team(tc, rnd["id"], "考甲", 5)
    second, _ = await _team(tc, rnd["id"], "考乙", 5, ("D003",))
    members = await _members(tc, rnd["id"])
    url = talent(A, f"rounds/{rnd['id']}/appraisals")
    early = await tc.post(url, json=_grades(members, 考甲0="competent"))
    assert early.status_code == 409 and "撤离" in early.json()["message"]
    await _stage(talent_database, A, first, "withdrawn")
    await _stage(talent_database, A, second, "onsite")
    onsite = await tc.post(url, json=_grades(members, 考甲0="competent", 考乙1="competent"))
    assert onsite.status_code == 409 and "撤离" in onsite.json()["message"]
    # 10 members in the round: 2 may be 优秀; 3 are refused with both numbers, nothing kept.
    three = await tc.post(url, json=_grades(members, 考甲0="excellent", 考甲1="excellent",
                                            考甲2="excellent", 考甲3="competent"))
    assert three.status_code == 400
    message = three.json()["errors"][0]["message"]
    assert "共 10 人" in message and "不超过 2 人" in message and "将有 3 人" in message
    sheet = ok(await tc.get(url))
    assert sheet["limit"] == 2 and sheet["excellent"] == 0 and sheet["members"] == 10
    saved = ok(await tc.post(url, json=_grades(members, 考甲0="excellent", 考甲1="excellent",
                                               考甲2="basic", 考甲3="incompetent")))
    assert saved["excellent"] == 2
    # The cap counts what is already saved; swapping one 优秀 for another in one post is fine.
    again = await tc.post(url, json=_grades(members, 考甲4="excellent"))
    assert again.status_code == 400 and "将有 3 人" in again.text
    ok(await tc.post(url, json=_grades(members, 考甲1="competent", 考甲4="excellent")))
    record = ok(await tc.get(talent(A, f"persons/{people[0]['id']}")))
    (mine,) = record["appraisals"]
    assert mine["grade_label"] == "优秀" and mine["role_label"] == "组长"
    assert mine["inspection_id"] == first
    page = (await tc.get(f"/t/{A}/talent/{people[4]['id']}")).text
    assert "考核情况" in page and "优秀" in page
    # The team page shows the grades through the core's hook.
    team = (await tc.get(f"/t/{A}/inspections/{first}/team")).text
    assert "考核结果" in team and "基本称职" in team and "不称职" in team
    # Every change is audited on the person.
    rows = await talent_database.fetch(
        'SELECT COUNT(*) AS n FROM "audit_entry" WHERE "action" = '
        f"{talent_database.dialect.mark(1)} AND \"object_id\" = {talent_database.dialect.mark(2)}",
        ["talent.appraisal", str(people[1]["id"])])
    assert rows[0]["n"] == 2
    # The roster export carries them.
    book = load_workbook(io.BytesIO((await tc.get(talent(A, "roster"))).content))
    sheet_rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert sheet_rows[0][-2:] == ("考核情况", "上挂下派")
    row = next(r for r in sheet_rows if r[1] == "考甲4")
    assert "优秀" in str(row[-2])


async def test_bad_input_is_refused_in_chinese_and_changes_nothing(
        tc: Client, talent_database: Database) -> None:
    (rnd, *_) = await new_term(tc, rounds=1)
    insp, _ = await _team(tc, rnd["id"], "误录", 2)
    await _stage(talent_database, A, insp, "reporting")
    (other, *_) = await new_term(tc, rounds=1)
    foreign, _ = await _team(tc, other["id"], "他轮", 1)
    members = await _members(tc, rnd["id"]) | await _members(tc, other["id"])
    url = talent(A, f"rounds/{rnd['id']}/appraisals")
    cases = [
        (_grades(members, 他轮0="competent"), "不是本轮巡察组成员"),
        ({"appraisals": [{"member_id": members["误录0"], "grade": "competent"},
                         {"member_id": members["误录0"], "grade": "basic"}]}, "出现了多次"),
        ({"appraisals": [{"member_id": members["误录0"], "grade": "great"}]}, None),
        ({"appraisals": []}, None),
        ({"appraisals": [{"member_id": members["误录0"], "grade": "competent",
                          "extra": 1}]}, None),
    ]
    for body, expected in cases:
        refused = await tc.post(url, json=body)
        assert refused.status_code == 400, (body, refused.text)
        text = refused.text
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
        if expected:
            assert expected in text
    assert ok(await tc.get(url))["excellent"] == 0
    assert all(not m["grade"] for i in ok(await tc.get(url))["inspections"]
               for m in i["members"])
    assert (await tc.get(talent(A, "rounds/2147483647/appraisals"))).status_code == 404
    # A round of one member may still name one outstanding cadre.
    ok(await tc.post(talent(A, f"rounds/{other['id']}/appraisals"),
                     json=_grades(members, 他轮0="excellent")), 409)
    await _stage(talent_database, A, foreign, "withdrawn")
    alone = ok(await tc.post(talent(A, f"rounds/{other['id']}/appraisals"),
                             json=_grades(members, 他轮0="excellent")))
    assert alone["limit"] == 1 and alone["excellent"] == 1
    # Another county's round is unknown here.
    (b_round, *_) = await new_term(tc, "tp.b", rounds=1)
    assert (await tc.get(talent(A, f"rounds/{b_round['id']}/appraisals"))).status_code == 404


async def test_the_round_page_and_its_form(tc: Client, talent_database: Database) -> None:
    (rnd, *_) = await new_term(tc, rounds=1)
    insp, _ = await _team(tc, rnd["id"], "页考", 3)
    members = await _members(tc, rnd["id"])
    base = f"/t/{A}/talent/rounds/{rnd['id']}/appraisals"
    index = (await tc.get(f"/t/{A}/talent/appraisals")).text
    assert base in index
    shown = (await tc.get(base)).text
    assert "页考0" in shown and "巡察组尚未撤离" in shown and "不超过 1 人" in shown
    await _stage(talent_database, A, insp, "withdrawn")
    too_many = await tc.post(base, data={f"grade_{members['页考0']}": "excellent",
                                         f"grade_{members['页考1']}": "excellent"},
                             follow_redirects=False)
    assert too_many.status_code == 400 and "不超过 1 人" in too_many.text
    bad = await tc.post(base, data={f"grade_{members['页考0']}": "best"},
                        follow_redirects=False)
    assert bad.status_code == 400 and "考核等次应为" in bad.text
    nothing = await tc.post(base, data={f"grade_{members['页考0']}": ""},
                            follow_redirects=False)
    assert nothing.status_code == 400 and "请至少为一名成员选择考核等次" in nothing.text
    as_json = await tc.post(base, json={"appraisals": []})
    assert as_json.status_code == 400 and "请通过页面表单提交" in as_json.text
    saved = await tc.post(base, data={f"grade_{members['页考0']}": "excellent",
                                      f"note_{members['页考0']}": "发现问题线索多",
                                      f"grade_{members['页考1']}": "competent"},
                          follow_redirects=False)
    assert saved.status_code == 303, saved.text
    after = (await tc.get(saved.headers["location"])).text
    assert "已保存考核等次" in after and "发现问题线索多" in after
    assert (await tc.get(f"/t/{A}/talent/rounds/2147483647/appraisals")).status_code == 404
    # Used through the core API too: the team's inspection is a core inspection.
    assert ok(await tc.get(api(A, f"inspections/{insp}")))["id"] == insp
