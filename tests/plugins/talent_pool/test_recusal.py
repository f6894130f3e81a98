"""Recusal from the pool's records: the core's team forming refuses with the reasons, and
the office admin's justified exception still admits the person."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.clock import Clock
from tests.plugins.talent_pool.helpers import (
    Client,
    api,
    inspection,
    join,
    new_term,
    ok,
    person,
)

JUSTIFICATION = "该同志调离原单位已逾两年，熟悉财政业务，经办务会研究同意参加本次巡察。"


def ago(days: int) -> str:
    return (Clock().today() - timedelta(days=days)).isoformat()


async def _inspection(tc: Client, codes: tuple[str, ...] = ("D001",)) -> int:
    (rnd, *_) = await new_term(tc, rounds=1)
    return await inspection(tc, rnd["id"], codes)


def reasons(response: Any) -> list[str]:
    return [e["message"] for e in response.json()["errors"] if e["field"] == "person"]


async def test_worked_there_within_the_window_is_refused_with_the_reason(tc: Client) -> None:
    insp = await _inspection(tc)
    worked = await person(tc, name="韩财政", history=[
        {"kind": "work", "unit": "县财政局", "post": "科员", "start_date": "2015-01-01",
         "end_date": ago(400)}])
    refused = await join(tc, insp, worked, "member")
    assert refused.status_code == 409
    (reason,) = reasons(refused)
    assert reason.startswith("存在回避情形：韩财政近 3 年内曾在县财政局工作")
    studied = await person(tc, name="杨进修", history=[
        {"kind": "study", "unit": "D001", "start_date": ago(200), "end_date": ago(100)}])
    assert "学习经历" in reasons(await join(tc, insp, studied, "member"))[0]
    long_ago = await person(tc, name="朱早年", history=[
        {"kind": "work", "unit": "县财政局", "start_date": "2001-01-01",
         "end_date": ago(4 * 366)}])
    ok(await join(tc, insp, long_ago, "member"), 201)
    at_home = await person(tc, name="秦在职", home_unit="县财政局")
    assert "秦在职现在县财政局工作" in reasons(await join(tc, insp, at_home, "member"))[0]


async def test_the_window_is_a_tenant_setting(tc: Client, settings_of: Any) -> None:
    insp = await _inspection(tc)
    cadre = await person(tc, name="尤窗口", history=[
        {"kind": "work", "unit": "县财政局", "end_date": ago(4 * 366)}])
    await settings_of("tp.a", {"talent_recusal_years": 5})
    refused = await join(tc, insp, cadre, "member")
    assert refused.status_code == 409 and "近 5 年内曾在县财政局工作" in refused.text


async def test_relatives_and_superiors_in_the_target(tc: Client) -> None:
    insp = await _inspection(tc, ("D002", "S01"))
    spouse = await person(tc, name="许家属", relations=[
        {"kind": "spouse", "name": "许配偶", "unit": "县教育局", "post": "副局长"}])
    refused = await join(tc, insp, spouse, "member")
    assert refused.status_code == 409
    assert reasons(refused) == ["存在回避情形：许家属的配偶许配偶在县教育局任副局长"]
    boss = await person(tc, name="何上级", relations=[
        {"kind": "superior", "name": "何下属", "unit": "县城投公司", "start_date": ago(2000),
         "end_date": ago(300)}])
    text = (await join(tc, insp, boss, "member")).text
    assert "何上级近 3 年内曾是县城投公司何下属的上级" in text
    old_boss = await person(tc, name="吕旧上级", relations=[
        {"kind": "subordinate", "name": "吕旧领导", "unit": "县城投公司",
         "end_date": ago(5 * 366)}, {"kind": "sibling", "name": "吕兄", "unit": "县住建局"}])
    ok(await join(tc, insp, old_boss, "member"), 201)


async def test_the_justified_exception_still_admits_and_is_recorded(tc: Client) -> None:
    insp = await _inspection(tc)
    cadre = await person(tc, name="施例外", history=[
        {"kind": "work", "unit": "县财政局", "end_date": ago(30)}])
    admitted = ok(await join(tc, insp, cadre, "member",
                             recusal_override={"justification": JUSTIFICATION}), 201)
    assert admitted["recusal_override"] == JUSTIFICATION
    team = ok(await tc.get(api("tp.a", f"inspections/{insp}/team")))
    assert [m["name"] for m in team] == ["施例外"]


async def test_people_outside_the_pool_and_other_tenants_people_pass(tc: Client) -> None:
    insp = await _inspection(tc)
    ok(await tc.post(api("tp.a", f"inspections/{insp}/team"), json={
        "person": "not.in.pool", "name": "库外人员", "role": "member",
        "home_unit": "县财政局"}), 201)
    # A person of tp.b with history in its own 县财政局 is tp.b's record, not tp.a's.
    await person(tc, "tp.b", name="张乙县", person_key="zhang.b", history=[
        {"kind": "work", "unit": "县财政局", "end_date": ago(10)}])
    ok(await tc.post(api("tp.a", f"inspections/{insp}/team"), json={
        "person": "zhang.b", "name": "张乙县", "role": "deputy", "home_tenant": "tp.b"}), 201)
