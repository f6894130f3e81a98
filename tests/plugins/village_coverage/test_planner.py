"""The planner on its own: the slots of a term and a proposal over them (no database)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from plugins.village_coverage.model import rate_text
from plugins.village_coverage.planner import PlanItem, Slot, propose, term_slots


def villages(township: int, count: int, start: int, klass: str = "general") -> list[PlanItem]:
    """``count`` villages of ``township`` with ids from ``start``."""
    return [PlanItem(org_id=start + i, population="villages", kind="village",
                     township_id=township, classification=klass, sort=i)
            for i in range(count)]


def township(org_id: int) -> PlanItem:
    return PlanItem(org_id=org_id, population="departments", kind="township")


def department(org_id: int) -> PlanItem:
    return PlanItem(org_id=org_id, population="departments", kind="department")


SLOTS = term_slots(date(2026, 1, 1), date(2030, 12, 31), 3, [])


def test_rate_is_written_as_offices_write_it() -> None:
    assert rate_text(51, 62) == "51/62 = 82.3%"
    assert rate_text(80, 95) == "80/95 = 84.2%"
    assert rate_text(0, 0) == "0/0"


def test_a_five_year_term_has_three_rounds_a_year() -> None:
    assert [s.label for s in SLOTS[:4]] == ["2026年第1轮", "2026年第2轮", "2026年第3轮",
                                            "2027年第1轮"]
    assert len(SLOTS) == 15
    assert (SLOTS[1].start, SLOTS[1].end) == (date(2026, 5, 1), date(2026, 9, 1))
    assert SLOTS[-1].end == date(2031, 1, 1)


def test_slots_follow_the_term_and_the_rounds_the_office_made() -> None:
    rounds = [{"id": 7, "year": 2021, "number": 3, "start_date": date(2021, 10, 20),
               "end_date": None},
              {"id": 8, "year": 2022, "number": 4, "start_date": date(2022, 11, 1),
               "end_date": date(2022, 12, 20)}]
    slots = term_slots(date(2021, 10, 15), date(2022, 10, 14), 3, rounds)
    # 2021: only the third round falls in the term; 2022: rounds 1-3, and a 4th the office
    # added though the term ends before it.
    assert [(s.code, s.round_id) for s in slots] == [
        ("2021-3", 7), ("2022-1", None), ("2022-2", None), ("2022-3", None), ("2022-4", 8)]
    assert slots[0].start == date(2021, 10, 20)
    assert slots[3].end == date(2022, 10, 15)  # cut at the term's end
    assert slots[0].open_on(date(2021, 12, 31)) and not slots[0].open_on(date(2022, 1, 1))


def test_villages_go_with_their_township_key_villages_first() -> None:
    items = [township(1), *villages(1, 10, 100), township(2), *villages(2, 6, 200),
             township(3), *villages(3, 5, 300, "general"), department(9)]
    items[-2] = PlanItem(org_id=304, population="villages", kind="village", township_id=3,
                         classification="key", sort=4)
    plan = propose(items, SLOTS, low=12, high=25, high_departments=8,
                   township_sort={1: 1, 2: 2, 3: 3})
    assert plan.unscheduled == [] and plan.warnings == []
    first = SLOTS[0].key
    # Township 3 holds the key village: it comes first, with its township.
    assert plan.assign[304] == first and plan.assign[3] == first
    assert all(plan.assign[v.org_id] == first for v in villages(3, 4, 300))
    # Every village of a township that fits a round is in one round, its township with it.
    for head, group in ((1, villages(1, 10, 100)), (2, villages(2, 6, 200))):
        rounds = {plan.assign[v.org_id] for v in group}
        assert len(rounds) == 1 and plan.assign[head] in rounds
    assert plan.assign[9] in {s.key for s in SLOTS}


def test_a_township_larger_than_a_round_is_split_across_consecutive_rounds() -> None:
    items = [township(1), *villages(1, 40, 100)]
    plan = propose(items, SLOTS, low=12, high=25, high_departments=8)
    per_round = Counter(plan.assign[v.org_id] for v in villages(1, 40, 100))
    assert max(per_round.values()) <= 25 and sum(per_round.values()) == 40
    order = [s.key for s in SLOTS]
    used = sorted(order.index(k) for k in per_round)
    assert used == list(range(used[0], used[0] + len(used)))  # consecutive
    assert plan.assign[1] == order[used[0]]  # the township goes with its first villages


def test_rounds_take_at_least_the_minimum_and_at_most_the_maximum() -> None:
    items = [*villages(1, 9, 100), *villages(2, 9, 200), *villages(3, 9, 300),
             *villages(4, 9, 400)]
    plan = propose(items, SLOTS[:2], low=12, high=25, high_departments=8)
    loads = Counter(plan.assign.values())
    assert plan.unscheduled == [] and sum(loads.values()) == 36
    assert all(12 <= n <= 25 for n in loads.values())


def test_too_little_capacity_leaves_villages_unscheduled_with_a_warning() -> None:
    items = [*villages(1, 20, 100), *villages(2, 20, 200), *villages(3, 20, 300)]
    plan = propose(items, SLOTS[-2:], low=12, high=25, high_departments=8)
    assert len(plan.unscheduled) == 10
    assert max(Counter(plan.assign.values()).values()) <= 25
    assert plan.warnings == ["剩余 2 轮每轮最多 25 个、共可安排 50 个村（社区），尚有 60 个未覆盖，"
                             "10 个无法在本届内巡察；请增加轮次或提高每轮容量"]


def test_no_round_left_schedules_nothing() -> None:
    plan = propose([*villages(1, 3, 100), department(9)], [], low=12, high=25,
                   high_departments=8)
    assert plan.assign == {} and sorted(plan.unscheduled) == [9, 100, 101, 102]
    assert plan.warnings == [
        "本届已无剩余轮次，尚有 3 个村（社区）、1 个县直部门和乡镇（街道）未覆盖"]


def test_departments_are_spread_evenly() -> None:
    items = [department(i) for i in range(1, 11)]
    plan = propose(items, SLOTS[:5], low=12, high=25, high_departments=8)
    assert sorted(Counter(plan.assign.values()).values()) == [2, 2, 2, 2, 2]
    tight = propose(items, SLOTS[:1], low=12, high=25, high_departments=8)
    assert len(tight.unscheduled) == 2 and "县直部门和乡镇" in tight.warnings[0]


def test_slot_codes() -> None:
    slot = Slot(year=2025, number=2, start=date(2025, 5, 1), end=date(2025, 9, 1))
    assert (slot.code, slot.label, slot.key) == ("2025-2", "2025年第2轮", (2025, 2))


def test_rounds_whose_inspections_were_created_keep_their_load() -> None:
    # The first round already holds 20 villages under way: 5 more fit, the rest go on.
    items = villages(1, 10, 100)
    plan = propose(items, SLOTS[:2], low=12, high=25, high_departments=8,
                   held={SLOTS[0].key: (20, 0)})
    loads = Counter(plan.assign.values())
    assert loads[SLOTS[0].key] <= 5 and sum(loads.values()) == 10
