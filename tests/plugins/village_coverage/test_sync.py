"""Roll-up over sync: two counties of ``vs`` publish their coverage and the city's totals are
right; the city sends a directive down and the county applies it.

The app runs its sync service on its own nats-server, so every report travels the
production path: outbox in the change's transaction, relay, JetStream, the city's
consumer applying it through its inbox.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Litestar

from tests.plugins.village_coverage.helpers import (
    Client,
    api,
    cov_api,
    eventually,
    feedback,
    inspect,
    new_round,
    new_term,
    ok,
    org_ids,
)
from tests.plugins.village_coverage.helpers import (
    tenant_id as _tenant_id,
)

CITY, A, B = "vs", "vs.a", "vs.b"


async def rollup(cov: Client) -> dict[str, Any]:
    return ok(await cov.get(cov_api(CITY, "counties")))


def rate(county: dict[str, Any], population: str) -> str:
    return next((p["rate"] for p in county["populations"] if p["code"] == population), "")


async def county_rates(cov: Client, code: str, villages: str) -> dict[str, Any] | None:
    """The county's row once its villages' rate is ``villages``."""
    found = next(c for c in (await rollup(cov))["counties"] if c["code"] == code)
    return found if rate(found, "villages") == villages else None


async def tick(cov: Client, app: Litestar, code: str) -> None:
    """Run the plugins' minute tick for one tenant."""
    runtime = app.state.runtime
    tenant = await runtime.tenants.get(code)
    await runtime.plugins.collect("xuncha_sync_tick", tenant.plugins, tenant=tenant,
                                  runtime=runtime)


async def test_two_counties_publish_and_the_city_totals_are_right(
        cov: Client, coverage_app: Litestar, coverage_database: Any, today: Any) -> None:
    await today(date(2027, 3, 1))
    before = await rollup(cov)
    assert [c["code"] for c in before["counties"]] == [A, B]
    for code, targets in ((A, ["T01", "T01V001", "T01V002", "T01V003", "T01V004", "D001"]),
                          (B, ["T01V001", "T01V002", "T01V003"])):
        term = await new_term(cov, code, "2026-01-01", "2030-12-31")
        round_ = await new_round(cov, code, term["id"], 2027, 1)
        await feedback(cov, coverage_database, code, await inspect(cov, code, round_["id"],
                                                                    targets))
    a = await eventually(lambda: county_rates(cov, A, "4/12 = 33.3%"), what="county a")
    b = await eventually(lambda: county_rates(cov, B, "3/6 = 50.0%"), what="county b")
    assert a is not None and b is not None
    assert (rate(a, "departments"), rate(b, "departments")) == ("2/7 = 28.6%", "0/4 = 0.0%")
    assert a["by_year"]["villages"]["2027"] == 4 and a["term_name"] == "第十五届"
    assert a["as_of"] == "2027-03-01" and a["reported"] and a["rounds_left"] == 12
    totals = {t["code"]: t["rate"] for t in (await rollup(cov))["totals"]}
    assert totals == {"departments": "2/11 = 18.2%", "villages": "7/18 = 38.9%"}
    # A village added without any event reaches the city with the next tick.
    (township,) = await org_ids(cov, B, "T01")
    ok(await cov.post(api(B, "orgs"), json={"code": "T01V100", "name": "新设村",
                                             "kind": "village", "parent_id": township}), 201)
    await tick(cov, coverage_app, B)
    await eventually(lambda: county_rates(cov, B, "3/7 = 42.9%"), what="tick")
    totals = {t["code"]: t["rate"] for t in (await rollup(cov))["totals"]}
    assert totals["villages"] == "7/19 = 36.8%"
    # A tick with nothing new publishes no report (the minute tick may add events of its
    # own, e.g. the audit head after the last tick's entries).
    outbox = ('SELECT COUNT(*) AS n FROM "sync_outbox" WHERE "tenant_id" = '
              f"{coverage_database.dialect.mark(1)} AND \"type\" = 'coverage.reported'")
    await tick(cov, coverage_app, B)
    pending = (await coverage_database.fetch(outbox, [await _tenant_id(coverage_database, B)]))
    assert pending[0]["n"] == 0
    detail = ok(await cov.get(cov_api(CITY, f"counties/{B}")))
    assert {v[0] for v in detail["report"]["villages"]} >= {"T01V001", "T01V100"}
    assert (await cov.get(cov_api(CITY, "counties/vc.t"))).status_code == 404
    assert (await cov.get(cov_api(A, "counties"))).status_code == 403


async def test_the_city_directs_key_villages_to_a_county(cov: Client, today: Any) -> None:
    await today(date(2027, 3, 2))
    url = cov_api(CITY, "directives")
    body = {"county": B, "kind": "elevated", "title": "关于对重点村实施提级巡察的通知",
            "village_codes": ["T01V004", "T01V005"], "body": "请做好配合工作"}
    unknown = await cov.post(url, json={**body, "village_codes": ["T01V004", "X999"]})
    assert unknown.status_code == 400 and "X999" in unknown.json()["message"]
    stranger = await cov.post(url, json={**body, "county": "vc.t"})
    assert stranger.status_code == 400
    assert (await cov.post(cov_api(A, "directives"), json=body)).status_code == 403
    sent = ok(await cov.post(url, json=body), 201)
    assert (sent["direction"], sent["kind_label"]) == ("sent", "提级巡察重点村")

    async def arrived() -> dict[str, Any] | None:
        rows = ok(await cov.get(cov_api(B, "directives")))
        return next((d for d in rows if d["title"] == body["title"]), None)

    got = await eventually(arrived, what="directive in the county")
    assert got is not None
    assert (got["direction"], got["county"], got["village_codes"]) == (
        "received", CITY, ["T01V004", "T01V005"])
    assert (await cov.post(cov_api(CITY, f"directives/{sent['id']}/apply"))).status_code == 409
    applied = ok(await cov.post(cov_api(B, f"directives/{got['id']}/apply")))
    assert applied["applied_on"] == "2027-03-02"
    progress = ok(await cov.get(cov_api(B, "progress")))
    villages = next(p for p in progress["populations"] if p["code"] == "villages")
    assert {c["code"]: c["total"] for c in villages["by_class"]}["key"] == 2
    targets = ok(await cov.get(cov_api(B, f"terms/{progress['term']['id']}/targets"),
                               params={"population": "villages"}))
    assert {t["code"]: t["mode"] for t in targets}["T01V005"] == "elevated"

    async def city_sees_key() -> bool:
        found = next(c for c in (await rollup(cov))["counties"] if c["code"] == B)
        villages = next(p for p in found["populations"] if p["code"] == "villages")
        return {c["code"]: c["total"] for c in villages["by_class"]}.get("key") == 2

    await eventually(city_sees_key, what="republished after applying")
