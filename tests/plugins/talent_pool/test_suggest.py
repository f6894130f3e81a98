"""Team suggestion: ranking by specialty fit, availability, recusal, rotation and workload,
the reasons of each, and forming the team from it in one step (all or nothing)."""

from __future__ import annotations

from typing import Any

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

ALL = ["finance", "organisation", "discipline", "audit", "law"]


def named(found: dict[str, Any], name: str, part: str) -> dict[str, Any]:
    return next(c for c in found[part] if c["name"] == name)


async def _setting(tc: Client) -> tuple[int, int, dict[str, Any]]:
    first, second, third = await new_term(tc)
    year = third["year"]
    insp = await inspection(tc, third["id"], ("D001", "S01"),
                            onsite_start=f"{year}-09-01", onsite_end=f"{year}-10-15",
                            topic="国有资产管理")
    return year, insp, {"first": first, "second": second, "third": third}


async def test_ranking_with_reasons_and_who_is_left_out(tc: Client) -> None:
    year, insp, rounds = await _setting(tc)
    star = await person(tc, name="欧阳全能", pools=["leader", "general"], specialties=ALL,
                        availability=[{"start_date": f"{year}-08-01",
                                       "end_date": f"{year}-12-31"}])
    await person(tc, name="司马回避", pools=["leader"], specialties=ALL, history=[
        {"kind": "work", "unit": "县城投公司", "end_date": None}])
    await person(tc, name="上官没空", specialties=ALL, availability=[
        {"start_date": f"{year}-01-01", "end_date": f"{year}-03-31"}])
    busy = await person(tc, name="诸葛忙碌", specialties=ALL)
    for n, specialty in enumerate(("law", "audit", "organisation", "petitions")):
        await person(tc, name=f"东方{n}", specialties=[specialty])
    for key in ("first", "second"):
        other = await inspection(tc, rounds[key]["id"], ("T01",))
        ok(await join(tc, other, busy, "member"), 201)
    found = ok(await tc.get(talent("tp.a", f"inspections/{insp}/suggestion")))
    assert found["needed"][:3] == ["审计", "财务会计", "组织人事"]
    assert found["period"] == [f"{year}-09-01", f"{year}-10-15"]
    leader = found["team"][0]
    assert leader["name"] == "欧阳全能" and leader["role"] == "leader"
    assert leader["reasons"][0] == "组长人选：巡察组长人才库"
    assert any(r.startswith("专业对口：") for r in leader["reasons"])
    assert f"{year}-09-01 至 {year}-10-15 可参加" in leader["reasons"]
    assert "本年度尚未参加巡察" in leader["reasons"]
    assert len(found["team"]) == found["team_size"] == 5
    assert [c["role"] for c in found["team"]].count("deputy") == 1
    barred = {c["name"]: c["barred"] for c in found["barred"]}
    assert "回避：司马回避现在县城投公司工作" in barred["司马回避"][0] or any(
        "县城投公司" in b for b in barred["司马回避"])
    assert any("不在登记的可参加时段内" in b for b in barred["上官没空"])
    assert any("达到每年 2 轮的上限" in b for b in barred["诸葛忙碌"])
    names = {c["name"] for c in found["team"] + found["candidates"]}
    assert not names & {"司马回避", "上官没空", "诸葛忙碌"}
    asked = ok(await tc.get(talent("tp.a", f"inspections/{insp}/suggestion"),
                            params={"specialty": ["construction"]}))
    assert asked["needed"][0] == "工程建设"
    assert star["id"] in {c["person_id"] for c in asked["team"]}
    unknown = await tc.get(talent("tp.a", f"inspections/{insp}/suggestion"),
                           params={"specialty": ["true"]})
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "specialty"
    too_many = await tc.get(talent("tp.a", f"inspections/{insp}/suggestion"),
                            params={"specialty": ["law"] * 21})
    assert too_many.status_code == 400 and "最多 20 项" in too_many.text


async def test_forming_the_suggested_team_in_one_step(tc: Client) -> None:
    _, insp, _ = await _setting(tc)
    await person(tc, name="令狐带队", pools=["leader"], specialties=ALL)
    for n, specialty in enumerate(("law", "audit", "organisation", "discipline")):
        await person(tc, name=f"西门{n}", specialties=[specialty])
    formed = ok(await tc.post(talent("tp.a", f"inspections/{insp}/team"), json={}), 201)
    team = ok(await tc.get(api("tp.a", f"inspections/{insp}/team")))
    assert sorted(m["name"] for m in team) == sorted(m["name"] for m in formed["added"])
    assert team[0]["role"] == "leader" and len(team) == 5
    # The suggestion now keeps them and proposes nobody for a full team.
    again = ok(await tc.get(talent("tp.a", f"inspections/{insp}/suggestion")))
    assert again["team"] == [] and len(again["current"]) == 5


async def test_one_refused_person_adds_nobody(tc: Client) -> None:
    _, insp, _ = await _setting(tc)
    fine = await person(tc, name="慕容可用", specialties=["law"])
    conflicted = await person(tc, name="宇文回避", relations=[
        {"kind": "child", "name": "宇文子", "unit": "县财政局"}])
    refused = await tc.post(talent("tp.a", f"inspections/{insp}/team"), json={"members": [
        {"person_id": fine["id"], "role": "member"},
        {"person_id": conflicted["id"], "role": "member"}]})
    assert refused.status_code == 409 and "宇文回避的子女宇文子在县财政局" in refused.text
    assert ok(await tc.get(api("tp.a", f"inspections/{insp}/team"))) == []
    outside = await tc.post(talent("tp.a", f"inspections/{insp}/team"), json={"members": [
        {"person_id": 2**31 - 1, "role": "member"}]})
    assert outside.status_code == 400 and "不在人才库中" in outside.text


async def test_the_suggestion_page_forms_the_ticked_team(tc: Client) -> None:
    _, insp, _ = await _setting(tc)
    chosen = await person(tc, name="公孙页面", pools=["leader"], specialties=ALL)
    shown = await tc.get(f"/t/tp.a/inspections/{insp}/talent")
    assert shown.status_code == 200 and "巡察组人选推荐" in shown.text
    assert "公孙页面" in shown.text and "推荐理由" in shown.text
    empty = await tc.post(f"/t/tp.a/inspections/{insp}/talent", data={"_csrf": ""},
                          follow_redirects=False)
    assert empty.status_code == 400 and "请至少勾选一名人选" in empty.text
    formed = await tc.post(f"/t/tp.a/inspections/{insp}/talent",
                           data={"pick": [f"{chosen['id']}:leader"]}, follow_redirects=False)
    assert formed.status_code == 303
    assert formed.headers["location"] == f"/t/tp.a/inspections/{insp}/team"
    team = ok(await tc.get(api("tp.a", f"inspections/{insp}/team")))
    assert [(m["name"], m["role"]) for m in team] == [("公孙页面", "leader")]
