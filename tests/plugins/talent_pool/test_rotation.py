"""Rotation (三个不固定): a leader on the same target twice in a term, a leader–target
pairing repeated from the last inspection, a team composition repeated across rounds;
warned about by default, refused when the tenant says so."""

from __future__ import annotations

from typing import Any

from tests.plugins.talent_pool.helpers import (
    Client,
    inspection,
    join,
    new_term,
    ok,
    person,
    talent,
)

REFUSE = {"talent_rotation_mode": "refuse"}


async def test_a_leader_twice_on_the_same_target_in_a_term(tc: Client,
                                                           settings_of: Any) -> None:
    first, second, _ = await new_term(tc)
    leader = await person(tc, name="孔组长", pools=["leader", "general"])
    one = await inspection(tc, first["id"], ("D001",))
    ok(await join(tc, one, leader, "leader"), 201)
    two = await inspection(tc, second["id"], ("D001", "D002"))
    # Warned (the default): the suggestion says so, the team takes the person.
    found = ok(await tc.get(talent("tp.a", f"inspections/{two}/suggestion")))
    mine = next(c for c in found["team"] + found["candidates"] if c["name"] == "孔组长")
    assert mine["role"] == "leader"
    assert any("同一届内不再带队巡察同一对象" in r for r in mine["reasons"])
    await settings_of("tp.a", REFUSE)
    refused = await join(tc, two, leader, "leader")
    assert refused.status_code == 409
    assert "孔组长本届已在" in refused.text and "担任县财政局巡察组组长" in refused.text
    # As a member the same person may go; a justified exception admits the leader too.
    ok(await join(tc, two, leader, "member"), 201)


async def test_the_leader_target_pairing_of_the_last_inspection(tc: Client,
                                                                settings_of: Any) -> None:
    (earlier, *_) = await new_term(tc)
    leader = await person(tc, name="曹搭配", pools=["leader"])
    ok(await join(tc, await inspection(tc, earlier["id"], ("D003",)), leader, "leader"), 201)
    (later, *_) = await new_term(tc)
    insp = await inspection(tc, later["id"], ("D003",))
    await settings_of("tp.a", REFUSE)
    refused = await join(tc, insp, leader, "leader")
    assert refused.status_code == 409
    assert "上一次巡察县住建局" in refused.text and "即由曹搭配担任组长" in refused.text
    admitted = ok(await join(tc, insp, leader, "leader", recusal_override={
        "justification": "住建领域专项整治需要，经领导小组研究同意由其继续带队。"}), 201)
    assert admitted["recusal_override"]


async def test_a_team_composition_repeated_across_rounds(tc: Client,
                                                         settings_of: Any) -> None:
    first, second, _ = await new_term(tc)
    people = [await person(tc, name=n) for n in ("严甲", "华乙", "金丙")]
    one = await inspection(tc, first["id"], ("S01",))
    for who in people:
        ok(await join(tc, one, who, "member"), 201)
    two = await inspection(tc, second["id"], ("T01",))
    await settings_of("tp.a", REFUSE)
    ok(await join(tc, two, people[0], "member"), 201)
    ok(await join(tc, two, people[1], "member"), 201)
    refused = await join(tc, two, people[2], "member")
    assert refused.status_code == 409
    assert "金丙与严甲、华乙曾同在" in refused.text and "巡察组人员组合不应重复" in refused.text
    # A larger threshold lets the third join.
    await settings_of("tp.a", {"talent_rotation_overlap": 4})
    ok(await join(tc, two, people[2], "member"), 201)
