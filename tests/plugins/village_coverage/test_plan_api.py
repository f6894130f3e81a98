"""The planner through the API, in ``vc.p`` (3 departments; townships T01 with 30 villages,
T02 with 8, T03 with 4): proposals, the office's edits, villages added mid-term, too
little capacity, and a round's inspections created from the plan."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from tests.plugins.village_coverage.helpers import (
    Client,
    api,
    cov_api,
    new_round,
    new_term,
    ok,
    org_ids,
)

P = "vc.p"


def planned_slots(plan: dict[str, Any]) -> dict[str, str]:
    """org code -> slot code of every planned org."""
    return {o["code"]: s["code"] for s in plan["slots"] for o in s["orgs"]}


async def test_a_proposal_covers_every_village_with_its_township(cov: Client, today: Any
                                                                  ) -> None:
    await today(date(2026, 1, 5))
    term = await new_term(cov, P, "2026-01-01", "2030-12-31", "第一届")
    (key,) = await org_ids(cov, P, "T03V004")
    ok(await cov.patch(cov_api(P, f"terms/{term['id']}/targets/{key}"),
                       json={"classification": "key", "mode": "township"}))
    result = ok(await cov.post(cov_api(P, f"terms/{term['id']}/plan/propose")))
    assert result["unscheduled"] == [] and result["warnings"] == []
    plan = result["plan"]
    assert len(plan["slots"]) == 15 and plan["unplanned"] == []
    slots = planned_slots(plan)
    assert len(slots) == 48  # 42 villages and 6 departments and townships
    # The township holding the key village goes first, the key village with it.
    assert slots["T03V004"] == slots["T03"] == "2026-1"
    # T01 holds more villages than a round: split over consecutive rounds, its
    # township with the first of them.
    t01 = Counter(slots[f"T01V{i:03d}"] for i in range(1, 31))
    assert sorted(t01) == ["2026-1", "2026-2"] and slots["T01"] == "2026-1"
    loads = Counter(code for o, code in slots.items() if "V" in o)
    assert sorted(loads.items()) == [("2026-1", 12), ("2026-2", 22), ("2026-3", 8)]
    assert all(not s["over_capacity"] for s in plan["slots"])
    progress = ok(await cov.get(cov_api(P, f"terms/{term['id']}/progress")))
    assert progress["at_risk"] == [] and progress["warnings"] == []
    villages = next(p for p in progress["populations"] if p["code"] == "villages")
    assert (villages["planned"], villages["rate"]) == (42, "0/42 = 0.0%")


async def test_the_office_edits_the_plan(cov: Client, today: Any) -> None:
    await today(date(2031, 6, 1))
    term = await new_term(cov, P, "2031-01-01", "2035-12-31", "第二届")
    ok(await cov.post(cov_api(P, f"terms/{term['id']}/plan/propose")))
    v1, v2 = await org_ids(cov, P, "T02V001", "T02V002")
    url = cov_api(P, f"terms/{term['id']}/plan/entries")
    plan = ok(await cov.post(url, json={"entries": [{"org_id": v1, "slot": "2033-3"},
                                                    {"org_id": v2, "slot": None}]}))
    slots = planned_slots(plan)
    assert slots["T02V001"] == "2033-3" and "T02V002" not in slots
    unplanned = {o["code"]: o for o in plan["unplanned"]}
    assert unplanned["T02V002"]["risk"] == "未列入剩余轮次计划"
    assert "有 1 个对象尚未列入剩余轮次计划" in plan["warnings"]
    closed = await cov.post(url, json={"entries": [{"org_id": v1, "slot": "2031-1"}]})
    assert closed.status_code == 400
    assert closed.json()["errors"][0] == {"field": "entries[0].slot", "source": "body",
                                          "message": "2031年第1轮已结束，不能再安排"}
    outside = await cov.post(url, json={"entries": [{"org_id": v1, "slot": "2040-1"}]})
    assert outside.status_code == 400
    other = (await org_ids(cov, "vc.t", "T01V001"))[0]
    foreign = await cov.post(url, json={"entries": [{"org_id": other, "slot": "2033-3"}]})
    assert foreign.status_code == 400 and foreign.json()["errors"][0]["field"] == (
        "entries[0].org_id")
    assert (await cov.post(cov_api(P, "terms/999999/plan/entries"),
                           json={"entries": [{"org_id": v1, "slot": None}]})).status_code == 404


async def test_too_little_capacity_is_warned_and_the_rest_is_at_risk(cov: Client,
                                                                      today: Any) -> None:
    await today(date(2036, 9, 15))
    term = await new_term(cov, P, "2036-01-01", "2036-12-31", "过渡届")
    result = ok(await cov.post(cov_api(P, f"terms/{term['id']}/plan/propose")))
    # One round left (Sep-Dec) holding at most 25 villages: 17 cannot be covered.
    assert result["warnings"][0] == ("剩余 1 轮每轮最多 25 个、共可安排 25 个村（社区），尚有 "
                                     "42 个未覆盖，17 个无法在本届内巡察；请增加轮次或提高每轮容量")
    plan = result["plan"]
    assert [s["villages"] for s in plan["slots"] if s["open"]] == [25]
    progress = ok(await cov.get(cov_api(P, f"terms/{term['id']}/progress")))
    villages = next(p for p in progress["populations"] if p["code"] == "villages")
    assert (villages["planned"], villages["at_risk"]) == (25, 17)
    assert progress["capacity_left"] == 25 and progress["warnings"][0] == result["warnings"][0]


async def test_a_round_s_inspections_are_created_from_the_plan(cov: Client, today: Any
                                                                ) -> None:
    await today(date(2041, 1, 10))
    term = await new_term(cov, P, "2041-01-01", "2045-12-31", "第三届")
    (elevated,) = await org_ids(cov, P, "T03V001")
    ok(await cov.patch(cov_api(P, f"terms/{term['id']}/targets/{elevated}"),
                       json={"classification": "key"}))  # mode: elevated by the city
    ok(await cov.post(cov_api(P, f"terms/{term['id']}/plan/propose")))
    url = cov_api(P, f"terms/{term['id']}/plan/inspections")
    missing = await cov.post(url, json={"slot": "2041-1"})
    assert missing.status_code == 409
    assert missing.json()["errors"][0]["message"] == "请先在“巡察轮次”中新建2041年第1轮（属于本届）"
    round_ = await new_round(cov, P, term["id"], 2041, 1)
    created = ok(await cov.post(url, json={"slot": "2041-1"}), 201)
    assert created["round_id"] == round_["id"]
    assert created["skipped"] == ["T03镇1村（市委提级巡察）"]
    titles = {i["title"]: i["orgs"] for i in created["inspections"]}
    # T03 with its 3 own villages, the first 8 of T01 (the round holds 12 villages, the
    # elevated one counted), and one department.
    assert titles == {"2041年第1轮巡察·T03镇（巡镇带村）": 4,
                      "2041年第1轮巡察·T01镇（巡镇带村）": 9, "2041年第1轮巡察·第1局": 1}
    listed = ok(await cov.get(api(P, "inspections"), params={"round_id": round_["id"]}))
    assert {i["stage"] for i in listed["items"]} == {"planned"} and listed["total"] == 3
    plan = ok(await cov.get(cov_api(P, f"terms/{term['id']}/plan")))
    first = next(s for s in plan["slots"] if s["code"] == "2041-1")
    states = Counter(o["state"] for o in first["orgs"])
    assert states == {"in_progress": 14, "planned": 1}
    # A new proposal leaves what is under way alone; what is left of the round is the
    # city's to inspect.
    ok(await cov.post(cov_api(P, f"terms/{term['id']}/plan/propose")))
    again = ok(await cov.get(cov_api(P, f"terms/{term['id']}/plan")))
    assert Counter(o["state"] for s in again["slots"] if s["code"] == "2041-1"
                   for o in s["orgs"])["in_progress"] == 14
    twice = await cov.post(url, json={"slot": "2041-1"})
    assert twice.status_code == 409 and "市委提级巡察" in twice.json()["message"]
    bad = await cov.post(url, json={"slot": "2041"})
    assert bad.status_code == 400


async def test_villages_added_mid_term_are_targets_at_once(cov: Client, today: Any) -> None:
    await today(date(2046, 2, 1))
    term = await new_term(cov, P, "2046-01-01", "2050-12-31", "第四届")
    ok(await cov.post(cov_api(P, f"terms/{term['id']}/plan/propose")))
    await today(date(2047, 6, 1))
    (t02,) = await org_ids(cov, P, "T02")
    ok(await cov.post(api(P, "orgs"), json={"code": "T02V099", "name": "新并村",
                                             "kind": "village", "parent_id": t02}), 201)
    progress = ok(await cov.get(cov_api(P, f"terms/{term['id']}/progress")))
    villages = next(p for p in progress["populations"] if p["code"] == "villages")
    assert villages["total"] == 43
    risky = {o["code"]: o["risk"] for o in progress["at_risk"]}
    assert risky["T02V099"] == "未列入剩余轮次计划"
    result = ok(await cov.post(cov_api(P, f"terms/{term['id']}/plan/propose")))
    slots = planned_slots(result["plan"])
    assert slots["T02V099"] >= "2047-2"  # an open round
    after = ok(await cov.get(cov_api(P, f"terms/{term['id']}/progress")))
    assert "T02V099" not in {o["code"] for o in after["at_risk"]}
