"""Secondment (上挂下派) in one deployment: the city ``tp`` asks ``tp.a`` over sync (the
app's own nats-server), the county nominates, only name, unit, post, rank and
specialties go up, the city accepts or declines, the outcome comes back down and shows
on the person; bad input refused in Chinese."""

from __future__ import annotations

from typing import Any

from core.db import Database
from tests.plugins.talent_pool.helpers import Client, new_term, ok, person, talent
from tests.sync.helpers import eventually

CITY, A, B = "tp", "tp.a", "tp.b"


async def _request(tc: Client, **extra: Any) -> dict[str, Any]:
    (rnd, *_) = await new_term(tc, CITY, rounds=1)
    body = {"round_id": rnd["id"], "title": "市委第一轮巡察上挂", "start_date": "2030-03-01",
            "end_date": "2030-05-31", "note": "请推荐财务审计骨干",
            "needs": [{"specialty": "finance", "count": 1}, {"specialty": "audit", "count": 1}],
            "targets": [A], **extra}
    return ok(await tc.post(talent(CITY, "secondment-requests"), json=body),  # type: ignore
              201)


async def _received(tc: Client, tenant: str, request_id: int) -> dict[str, Any] | None:
    page = ok(await tc.get(talent(tenant, "secondment-requests")))
    return next((r for r in page["items"] if r["id"] == request_id), None)


async def _nominees(tc: Client, request_id: int, count: int) -> list[dict[str, Any]] | None:
    found = ok(await tc.get(talent(CITY, f"secondment-requests/{request_id}")))["nominees"]
    return found if len(found) >= count else None  # type: ignore[no-any-return]


async def test_request_nominate_decide_and_the_period_on_the_person(
        tc: Client, talent_database: Database) -> None:
    made = await _request(tc)
    assert [n["label"] for n in made["needs"]] == ["财务会计", "审计"] and made["wanted"] == 2
    got = await eventually(lambda: _received(tc, A, made["id"]), what="request in tp.a")
    assert got["title"] == "市委第一轮巡察上挂" and got["origin"] == CITY
    assert got["start_date"] == "2030-03-01" and got["round_name"]
    assert await _received(tc, B, made["id"]) is None  # asked of tp.a only

    finance = await person(tc, A, name="上挂财务", specialties=["finance"], post="科长",
                           rank="四级主任科员", home_unit="县财政局", phone="13800001111",
                           relations=[{"kind": "spouse", "name": "保密配偶",
                                       "unit": "县教育局"}],
                           history=[{"kind": "work", "unit": "保密履历单位",
                                     "start_date": "2010-01-01"}])
    auditor = await person(tc, A, name="上挂审计", specialties=["audit"])
    third = await person(tc, A, name="上挂第三", specialties=["finance", "audit"])
    lawyer = await person(tc, A, name="上挂法律", specialties=["law"])
    waiting = await person(tc, A, name="上挂待批", approve=False)
    url = talent(A, f"secondment-requests/{made['id']}/nominations")
    no_fit = await tc.post(url, json={"person_id": lawyer["id"]})
    assert no_fit.status_code == 400 and "不具备本次需要的专业特长" in no_fit.text
    not_in = await tc.post(url, json={"person_id": waiting["id"]})
    assert not_in.status_code == 400 and "不在本机构人才库中" in not_in.text
    for who in (finance, auditor, third):
        ok(await tc.post(url, json={"person_id": who["id"], "note": "业务骨干"}), 201)
    again = await tc.post(url, json={"person_id": finance["id"]})
    assert again.status_code == 409 and "已被推荐" in again.text

    nominees = await eventually(lambda: _nominees(tc, made["id"], 3), what="nominees up")
    by_name = {n["name"]: n for n in nominees}
    up = by_name["上挂财务"]
    assert (up["county"], up["home_unit"], up["post"], up["rank"]) == (
        A, "县财政局", "科长", "四级主任科员")
    assert up["specialty_labels"] == ["财务会计"] and up["status"] == "nominated"
    city_text = (await tc.get(talent(CITY, f"secondment-requests/{made['id']}"))).text
    replicas = await talent_database.fetch('SELECT "data" FROM "replica"', [])
    stored = " ".join(str(r["data"]) for r in replicas)
    for secret in ("保密配偶", "保密履历单位", "13800001111"):
        assert secret not in city_text and secret not in stored

    decide = talent(CITY, f"secondment-requests/{made['id']}/nominees/{{}}/decision")
    no_reason = await tc.post(decide.format(up["id"]), json={"accept": False})
    assert no_reason.status_code == 400 and "请写明理由" in no_reason.text
    ok(await tc.post(decide.format(up["id"]), json={"accept": True, "note": "同意"}))
    ok(await tc.post(decide.format(by_name["上挂审计"]["id"]), json={"accept": True}))
    full = await tc.post(decide.format(by_name["上挂第三"]["id"]), json={"accept": True})
    assert full.status_code == 409 and "共需 2 人，已接收 2 人" in full.text
    ok(await tc.post(decide.format(by_name["上挂第三"]["id"]),
                     json={"accept": False, "note": "人数已满"}))
    twice = await tc.post(decide.format(up["id"]), json={"accept": False, "note": "改变主意"})
    assert twice.status_code == 409 and "已对上挂财务作出决定" in twice.text

    async def outcome(who: dict[str, Any], status: str) -> dict[str, Any] | None:
        record = ok(await tc.get(talent(A, f"persons/{who['id']}")))
        return next((s for s in record["secondments"] if s["status"] == status), None)

    accepted = await eventually(lambda: outcome(finance, "accepted"), what="decision down")
    assert accepted["start_date"] == "2030-03-01" and accepted["end_date"] == "2030-05-31"
    assert accepted["status_label"] == "上级已接收" and accepted["decision_note"] == "同意"
    declined = await eventually(lambda: outcome(third, "declined"), what="decline down")
    assert declined["decision_note"] == "人数已满"
    page = (await tc.get(f"/t/{A}/talent/{finance['id']}")).text
    assert "上挂下派经历" in page and "2030-03-01 至 2030-05-31" in page and "上级已接收" in page
    listed = ok(await tc.get(talent(CITY, "secondees")))["items"]
    mine = [s for s in listed if s["request_id"] == made["id"]]
    assert sorted(s["name"] for s in mine) == ["上挂审计", "上挂财务"]
    assert mine[0]["start_date"] == "2030-03-01"
    city_page = (await tc.get(f"/t/{CITY}/talent/secondments")).text
    assert "上挂人员名单" in city_page and "上挂财务" in city_page
    county_page = (await tc.get(f"/t/{A}/talent/secondments/{made['id']}")).text
    assert "上挂财务" in county_page and "上级已接收" in county_page


async def test_bad_requests_and_unknown_ids(tc: Client) -> None:
    (rnd, *_) = await new_term(tc, CITY, rounds=1)
    (b_round, *_) = await new_term(tc, B, rounds=1)
    url = talent(CITY, "secondment-requests")
    base = {"round_id": rnd["id"], "title": "上挂", "start_date": "2030-03-01",
            "end_date": "2030-04-01", "needs": [{"specialty": "finance", "count": 1}]}
    cases = [
        ({"needs": [{"specialty": "火星学", "count": 1}]}, "不在本机构的专业特长目录中"),
        ({"needs": [{"specialty": "finance", "count": 1},
                    {"specialty": "finance", "count": 2}]}, "重复填写"),
        ({"end_date": "2030-02-01"}, "结束日期不能早于开始日期"),
        ({"targets": ["tb"]}, "不是本市所辖的县"),
        ({"round_id": b_round["id"]}, "本机构没有这个轮次"),
        ({"needs": []}, None),
        ({"needs": [{"specialty": "finance", "count": 0}]}, None),
        ({"title": ""}, None),
    ]
    for change, expected in cases:
        refused = await tc.post(url, json={**base, **change})
        assert refused.status_code == 400, (change, refused.text)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.text)
        if expected:
            assert expected in refused.text
    assert ok(await tc.get(url))["total"] == 0 or all(
        r["title"] != "上挂" for r in ok(await tc.get(url))["items"])
    county = await tc.post(talent(A, "secondment-requests"), json=base)
    assert county.status_code == 403 and "县级巡察机构不能提出上挂需求" in county.text
    assert (await tc.get(talent(A, "secondment-requests/2147483647"))).status_code == 404
    assert (await tc.get(talent(CITY, "secondment-requests/2147483647"))).status_code == 404
    lost = await tc.post(talent(A, "secondment-requests/2147483647/nominations"),
                         json={"person_id": 1})
    assert lost.status_code == 404 and "没有此上挂需求" in lost.text
    made = ok(await tc.post(url, json={**base, "title": "无人推荐"}), 201)
    unknown = await tc.post(talent(CITY, f"secondment-requests/{made['id']}/nominees/"
                                         "2147483647/decision"), json={"accept": True})
    assert unknown.status_code == 404


async def test_the_request_form_and_the_county_form(tc: Client) -> None:
    (rnd, *_) = await new_term(tc, CITY, rounds=1)
    page = (await tc.get(f"/t/{CITY}/talent/secondments")).text
    assert "提出上挂需求" in page and "财务会计" in page
    empty = await tc.post(f"/t/{CITY}/talent/secondments", data={
        "round_id": str(rnd["id"]), "title": "表单上挂", "start_date": "2030-06-01",
        "end_date": "2030-07-01", "need_finance": "0"}, follow_redirects=False)
    assert empty.status_code == 400 and "请至少填写一项专业特长的需要人数" in empty.text
    odd = await tc.post(f"/t/{CITY}/talent/secondments", data={"evil": "1"},
                        follow_redirects=False)
    assert odd.status_code == 400 and "表单包含未知字段" in odd.text
    made = await tc.post(f"/t/{CITY}/talent/secondments", data={
        "round_id": str(rnd["id"]), "title": "表单上挂", "start_date": "2030-06-01",
        "end_date": "2030-07-01", "need_law": "1", "targets": A}, follow_redirects=False)
    assert made.status_code == 303, made.text
    request_id = int(made.headers["location"].split("/")[-1].split("?")[0])
    await eventually(lambda: _received(tc, A, request_id), what="form request in tp.a")
    lawyer = await person(tc, A, name="表单律师", specialties=["law"])
    county_page = (await tc.get(f"/t/{A}/talent/secondments/{request_id}")).text
    assert "表单律师" in county_page and "推荐并报送" in county_page
    nominated = await tc.post(f"/t/{A}/talent/secondments/{request_id}/nominations",
                              data={"person_id": str(lawyer["id"])}, follow_redirects=False)
    assert nominated.status_code == 303, nominated.text
    nominees = await eventually(lambda: _nominees(tc, request_id, 1), what="form nominee")
    refused = await tc.post(
        f"/t/{CITY}/talent/secondments/{request_id}/nominees/{nominees[0]['id']}/decision",
        data={"accept": "false"}, follow_redirects=False)
    assert refused.status_code == 400 and "不予接收时请写明理由" in refused.text
    accepted = await tc.post(
        f"/t/{CITY}/talent/secondments/{request_id}/nominees/{nominees[0]['id']}/decision",
        data={"accept": "true", "note": "同意"}, follow_redirects=False)
    assert accepted.status_code == 303
    assert "上级已接收" in (await tc.get(f"/t/{CITY}/talent/secondments/{request_id}")).text
