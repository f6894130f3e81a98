"""Targets, coverage and rates of one county (``vc.t``: 4 departments, townships T01 with
6 villages and a community, T02 with 3 villages).

Each test works in a term of its own years, so their inspections never mix.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from core.db import Database
from tests.plugins.village_coverage.helpers import (
    Client,
    cov_api,
    feedback,
    inspect,
    new_round,
    new_term,
    ok,
    org_ids,
    set_stage,
)

T = "vc.t"


def population(progress: dict[str, Any], code: str) -> dict[str, Any]:
    return next(p for p in progress["populations"] if p["code"] == code)


async def test_departments_and_villages_are_counted_separately(cov: Client, today: Any) -> None:
    await today(date(2026, 3, 1))
    term = await new_term(cov, T, "2026-01-01", "2030-12-31", "第一届")
    progress = ok(await cov.get(cov_api(T, f"terms/{term['id']}/progress")))
    departments, villages = population(progress, "departments"), population(progress,
                                                                           "villages")
    # Departments count the townships too; villages count the community too.
    assert (departments["label"], departments["total"]) == ("县直部门和乡镇（街道）", 6)
    assert (villages["label"], villages["total"]) == ("村（社区）", 10)
    assert (departments["rate"], villages["rate"]) == ("0/6 = 0.0%", "0/10 = 0.0%")
    assert [c["code"] for c in villages["by_class"]] == ["key", "watch", "general"]
    targets = ok(await cov.get(cov_api(T, f"terms/{term['id']}/targets"),
                               params={"population": "villages"}))
    assert len(targets) == 10 and {t["kind"] for t in targets} == {"village", "community"}
    assert {(t["classification"], t["mode"]) for t in targets} == {("general", "township")}
    assert {t["township"] for t in targets} == {"T01镇", "T02镇"}
    departments = ok(await cov.get(cov_api(T, f"terms/{term['id']}/targets"),
                                   params={"population": "departments"}))
    assert {t["classification"] for t in departments} == {""}
    assert (await cov.get(cov_api(T, "terms/999999/progress"))).status_code == 404


async def test_an_org_is_covered_once_its_inspection_reaches_feedback(
        cov: Client, coverage_database: Database, today: Any) -> None:
    await today(date(2031, 4, 1))
    term = await new_term(cov, T, "2031-01-01", "2035-12-31", "第二届")
    round_ = await new_round(cov, T, term["id"], 2031, 1)
    iid = await inspect(cov, T, round_["id"], ["T01", "T01V001", "T01V002", "T01V003", "D001"])
    url = cov_api(T, f"terms/{term['id']}/progress")
    before = ok(await cov.get(url))
    assert population(before, "villages")["in_progress"] == 3
    assert population(before, "departments")["in_progress"] == 2
    await set_stage(coverage_database, T, iid, "withdrawn")
    assert population(ok(await cov.get(url)), "villages")["covered"] == 0
    await feedback(cov, coverage_database, T, iid)
    after = ok(await cov.get(url))
    assert population(after, "departments")["rate"] == "2/6 = 33.3%"
    assert population(after, "villages")["rate"] == "3/10 = 30.0%"
    assert population(after, "villages")["in_progress"] == 0
    years = {y["year"]: y for y in after["years"]["villages"]}
    assert (years[2031]["covered"], years[2031]["rate"]) == (3, "3/10 = 30.0%")
    assert years[2035]["rate"] == "3/10 = 30.0%" and years[2032]["covered"] == 0
    townships = {t["name"]: t for t in after["townships"]}
    assert townships["T01镇"]["rate"] == "3/7 = 42.9%"
    assert townships["T02镇"]["rate"] == "0/3 = 0.0%"
    covered = ok(await cov.get(cov_api(T, f"terms/{term['id']}/targets"),
                               params={"status": "covered"}))
    assert {t["code"] for t in covered} == {"T01", "T01V001", "T01V002", "T01V003", "D001"}
    assert {t["covered_on"] for t in covered} == {"2031-04-01"}
    # A later stage still counts.
    await set_stage(coverage_database, T, iid, "rectifying")
    assert population(ok(await cov.get(url)), "villages")["covered"] == 3


async def test_feedback_outside_the_term_counts_for_the_term_of_its_round(
        cov: Client, coverage_database: Database, today: Any) -> None:
    await today(date(2040, 12, 20))
    first = await new_term(cov, T, "2036-01-01", "2040-12-31", "第三届")
    second = await new_term(cov, T, "2041-01-01", "2045-12-31", "第四届")
    round_ = await new_round(cov, T, first["id"], 2040, 3)
    iid = await inspect(cov, T, round_["id"], ["T02V001"])
    await feedback(cov, coverage_database, T, iid)
    await today(date(2041, 2, 1))
    one = ok(await cov.get(cov_api(T, f"terms/{first['id']}/progress")))
    two = ok(await cov.get(cov_api(T, f"terms/{second['id']}/progress")))
    assert population(one, "villages")["covered"] == 1
    assert population(two, "villages")["covered"] == 0


async def test_the_office_classifies_villages(cov: Client, today: Any) -> None:
    await today(date(2046, 2, 1))
    term = await new_term(cov, T, "2046-01-01", "2050-12-31", "第五届")
    v1, v2, dep = await org_ids(cov, T, "T01V004", "T01V005", "D002")
    base = cov_api(T, f"terms/{term['id']}/targets")
    key = ok(await cov.patch(f"{base}/{v1}", json={"classification": "key"}))
    assert (key["classification_label"], key["mode"], key["mode_label"]) == (
        "重点村", "elevated", "市委提级巡察")
    watch = ok(await cov.patch(f"{base}/{v2}", json={"classification": "watch",
                                                      "mode": "direct", "note": "群众反映多"}))
    assert (watch["mode_label"], watch["note"]) == ("直接巡村", "群众反映多")
    progress = ok(await cov.get(cov_api(T, f"terms/{term['id']}/progress")))
    classes = {c["code"]: c for c in population(progress, "villages")["by_class"]}
    assert (classes["key"]["total"], classes["watch"]["total"],
            classes["general"]["total"]) == (1, 1, 8)
    refused = await cov.patch(f"{base}/{dep}", json={"classification": "key"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "classification"
    bad = await cov.patch(f"{base}/{v1}", json={"classification": "vip"})
    assert bad.status_code == 400
    assert (await cov.patch(f"{base}/999999", json={"note": "x"})).status_code == 404
    other = (await org_ids(cov, "vc.p", "T01V001"))[0]
    assert (await cov.patch(f"{base}/{other}", json={"note": "x"})).status_code == 404


async def test_coverage_by_other_means_is_recorded_with_its_reason(cov: Client,
                                                                   today: Any) -> None:
    await today(date(2052, 6, 1))
    term = await new_term(cov, T, "2051-01-01", "2055-12-31", "第六届")
    (village,) = await org_ids(cov, T, "T01V006")
    url = cov_api(T, f"terms/{term['id']}/targets/{village}")
    missing = await cov.patch(url, json={"covered_on": "2052-05-01"})
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "covered_note"
    outside = await cov.patch(url, json={"covered_on": "2050-05-01", "covered_note": "提级"})
    assert outside.status_code == 400
    future = await cov.patch(url, json={"covered_on": "2052-07-01", "covered_note": "提级"})
    assert future.status_code == 400
    done = ok(await cov.patch(url, json={"covered_on": "2052-05-01",
                                         "covered_note": "市委第二巡察组提级巡察"}))
    assert (done["state"], done["year"], done["covered_by"]) == (
        "covered", 2052, "市委第二巡察组提级巡察")


async def test_orgs_at_risk_of_missing_the_term(cov: Client, today: Any) -> None:
    await today(date(2057, 3, 1))
    term = await new_term(cov, T, "2056-01-01", "2057-06-30", "第七届")
    progress = ok(await cov.get(cov_api(T, f"terms/{term['id']}/progress")))
    # Nothing planned yet: every target is at risk, and the rounds left are counted.
    assert len(progress["at_risk"]) == 16 and progress["rounds_left"] == 2
    assert {o["risk"] for o in progress["at_risk"]} == {"未列入剩余轮次计划"}
    assert "有 16 个对象尚未列入剩余轮次计划" in progress["warnings"]
    await today(date(2057, 8, 1))
    over = ok(await cov.get(cov_api(T, f"terms/{term['id']}/progress")))
    assert over["rounds_left"] == 0
    assert {o["risk"] for o in over["at_risk"]} == {"本届已无剩余轮次"}
    assert over["warnings"][0].startswith("本届已无剩余轮次，尚有 10 个村（社区）")
