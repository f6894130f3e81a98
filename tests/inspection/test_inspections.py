"""Inspections and teams: creation, targets, filters and team rules."""

from __future__ import annotations

from tests.inspection.helpers import Client, api, new_inspection, new_round, ok, org_ids


async def test_create_list_and_update(client: Client) -> None:
    insp = await new_inspection(client, codes=("D001", "T01"))
    assert insp["stage"] == "planned" and insp["stage_label"] == "拟定计划"
    assert insp["kind_label"] == "常规巡察"
    assert {t["name"] for t in insp["targets"]} == {"甲一县财政局", "东风镇"}
    assert [s["code"] for s in insp["next_stages"]] == ["authorized"]
    assert insp["title"].endswith("第一巡察组常规巡察")
    by_round = ok(await client.get(api("ta.one", "inspections"),
                                   params={"round_id": insp["round_id"]}))
    assert [i["id"] for i in by_round["items"]] == [insp["id"]]
    (township,) = await org_ids(client, "ta.one", "T01")
    by_org = ok(await client.get(api("ta.one", "inspections"), params={"org_id": township}))
    assert insp["id"] in [i["id"] for i in by_org["items"]]
    by_stage = ok(await client.get(api("ta.one", "inspections"),
                                   params={"stage": "archived", "round_id": insp["round_id"]}))
    assert by_stage["total"] == 0
    changed = ok(await client.patch(api("ta.one", f"inspections/{insp['id']}"), json={
        "org_ids": [township], "onsite_start": "2031-03-01", "onsite_end": "2031-04-20"}))
    assert [t["name"] for t in changed["targets"]] == ["东风镇"]
    assert changed["version"] == insp["version"] + 1
    reversed_dates = await client.patch(api("ta.one", f"inspections/{insp['id']}"),
                                        json={"onsite_end": "2031-01-01"})
    assert reversed_dates.status_code == 400


async def test_create_refusals(client: Client, tenant_ids: dict[str, int]) -> None:
    round_ = await new_round(client, "ta.one")
    (own,) = await org_ids(client, "ta.one", "D001")
    (foreign,) = await org_ids(client, "tb", "D001")
    base = {"round_id": round_["id"], "kind": "regular", "org_ids": [own]}
    cases = [
        ({**base, "kind": "unknown"}, "kind", 400),
        ({**base, "kind": "special"}, "topic", 400),
        ({**base, "org_ids": [foreign]}, "org_ids", 400),
        ({**base, "org_ids": []}, "org_ids", 400),
        ({**base, "round_id": 999999}, "round_id", 400),
        ({**base, "onsite_start": "2031-05-01", "onsite_end": "2031-04-01"}, "onsite_end", 400),
    ]
    for body, field, status in cases:
        response = await client.post(api("ta.one", "inspections"), json=body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["errors"][0]["field"] == field, response.text
    special = ok(await client.post(api("ta.one", "inspections"), json={
        **base, "kind": "special", "topic": "乡村振兴"}), 201)
    assert special["kind_label"] == "专项巡察" and special["topic"] == "乡村振兴"


async def test_team_rules(client: Client) -> None:
    insp = await new_inspection(client)
    team = api("ta.one", f"inspections/{insp['id']}/team")
    leader = ok(await client.post(team, json={"person": "wang", "name": "王组长",
                                              "role": "leader"}), 201)
    assert leader["role_label"] == "组长" and leader["home_tenant"] == "ta.one"
    assert leader["authorized_at"] is None  # authorised with the inspection, not before
    second = await client.post(team, json={"person": "li", "name": "李", "role": "leader"})
    assert second.status_code == 409 and "已有组长" in second.text
    for person in ("d1", "d2"):
        ok(await client.post(team, json={"person": person, "name": person,
                                         "role": "deputy"}), 201)
    third = await client.post(team, json={"person": "d3", "name": "d3", "role": "deputy"})
    assert third.status_code == 409
    again = await client.post(team, json={"person": "wang", "name": "王", "role": "member"})
    assert again.status_code == 409
    unknown_home = await client.post(team, json={"person": "x", "name": "x", "role": "member",
                                                 "home_tenant": "nowhere"})
    assert unknown_home.status_code == 400
    seconded = ok(await client.post(team, json={
        "person": "zhao", "name": "赵借调", "role": "member", "home_tenant": "ta",
        "home_unit": "甲市纪委监委"}), 201)
    assert seconded["home_tenant"] == "ta"
    bad_person = await client.post(team, json={"person": "a b/c", "name": "x", "role": "member"})
    assert bad_person.status_code == 400 and bad_person.json()["errors"][0]["field"] == "person"
    removed = ok(await client.delete(f"{team}/{seconded['id']}"))
    assert removed["person"] == "zhao"
    listed = ok(await client.get(team))
    assert [m["person"] for m in listed] == ["wang", "d1", "d2"]
    declared = ok(await client.patch(f"{team}/{leader['id']}", json={"recusal_declared": True}))
    assert declared["recusal_declared"] is True
    other = await new_inspection(client)
    wrong = await client.patch(api("ta.one", f"inspections/{other['id']}/team/{leader['id']}"),
                               json={"recusal_declared": False})
    assert wrong.status_code == 404


async def test_a_member_with_an_account_keeps_its_home_tenant(client: Client) -> None:
    """The grant follows the account: ``tester`` belongs to ``ta`` and cannot join as
    someone of another tenant; without ``home_tenant`` the account's own is taken."""
    insp = await new_inspection(client)
    team = api("ta.one", f"inspections/{insp['id']}/team")
    wrong = await client.post(team, json={"person": "tester", "name": "测试管理员",
                                          "role": "member", "home_tenant": "ta.one"})
    assert wrong.status_code == 400 and "属于机构 ta" in wrong.text
    joined = ok(await client.post(team, json={"person": "tester", "name": "测试管理员",
                                              "role": "member"}), 201)
    assert joined["home_tenant"] == "ta"
