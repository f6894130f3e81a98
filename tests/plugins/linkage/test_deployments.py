"""A city deploys a special inspection of a kind to its counties (专项巡察部署); each county
answers with the progress of its inspections of that kind; the city sees one board per
deployment."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Litestar

from tests.inspection.helpers import Client, api, ok
from tests.plugins.linkage.helpers import CITY, COUNTY, eventually, issue, marker, received


async def test_a_kind_is_named_only_by_a_deployment_and_must_exist(client: Client) -> None:
    url = api(CITY, "directives")
    wrong = await client.post(url, json={"kind": "directive", "title": marker("指示"),
                                         "inspection_kind": "special"})
    assert wrong.status_code == 400, wrong.text
    assert {e["field"]: e["message"] for e in wrong.json()["errors"]} == {
        "inspection_kind": "只有“专项巡察部署”可以指定巡察类型"}
    unknown = await client.post(url, json={"kind": "deployment", "title": marker("部署"),
                                           "inspection_kind": "nosuch"})
    assert unknown.status_code == 400, unknown.text
    assert {e["field"]: e["message"] for e in unknown.json()["errors"]} == {
        "inspection_kind": "巡察类型 nosuch 不存在或未启用"}


async def _special_inspection(client: Client, year: int) -> dict[str, Any]:
    term = ok(await client.post(api(COUNTY, "terms"), json={
        "name": f"第{year}届", "start_date": f"{year}-01-01"}), 201)
    round_ = ok(await client.post(api(COUNTY, "rounds"), json={
        "term_id": term["id"], "year": year, "number": 7}), 201)
    orgs = ok(await client.get(api(COUNTY, "orgs")))["items"]
    org = next(o for o in orgs if o["kind"] == "department")
    return ok(await client.post(api(COUNTY, "inspections"), json={  # type: ignore[no-any-return]
        "round_id": round_["id"], "kind": "special", "topic": "乡村振兴资金",
        "org_ids": [org["id"]]}), 201)


async def test_the_county_answers_with_its_inspections_of_the_kind(app: Litestar,
                                                                   client: Client) -> None:
    # The answer counts the county's inspections of the kind created since the day of
    # issue; other tests plan special inspections in ta.one today, so this deployment
    # is issued (and its inspection planned) on a day of its own.
    clock = app.state.runtime.clock
    clock.advance(timedelta(days=40))
    try:
        await _answered_deployment(client)
    finally:
        clock.advance(-timedelta(days=40))


async def _answered_deployment(client: Client) -> None:
    made = ok(await client.post(api(CITY, "directives"), json={
        "kind": "deployment", "title": marker("乡村振兴专项巡察部署"), "targets": [COUNTY],
        "inspection_kind": "special", "due_date": "2099-12-31"}), 201)
    assert made["inspection_kind"] == "special"
    got = await eventually(lambda: received(client, made["id"]), what="deployment in ta.one")
    assert got["inspection_kind"] == "special"
    await _special_inspection(client, 2097)

    async def answered() -> dict[str, Any] | None:
        detail = ok(await client.get(api(CITY, f"directives/{made['id']}")))
        found = next((c for c in detail["counties"] if c["county"] == COUNTY), None)
        return detail if found and found["items"] == 1 else None

    detail = await eventually(answered, what="the county's special inspection in ta")
    county = next(c for c in detail["counties"] if c["county"] == COUNTY)
    assert (county["answered"], county["closed"], county["overdue"]) == (True, 0, 0)
    assert county["note"] == "本县已开展1个，0个已进入报告阶段"
    assert detail["directive"]["inspection_kind_label"] == "专项巡察"
    page = (await client.get(f"/t/{CITY}/directives/{made['id']}")).text
    assert "开展巡察" in page and "巡察类型" in page and "专项巡察" in page
    # A second inspection of another kind changes nothing of the answer.
    listed = ok(await client.get(api(CITY, "directives"), params={"kind": "deployment"}))
    row = next(d for d in listed["items"] if d["id"] == made["id"])
    assert (row["answered_counties"], row["items"]) == (1, 1)


async def test_the_issue_form_offers_the_kinds(client: Client) -> None:
    page = (await client.get(f"/t/{CITY}/directives")).text
    assert "巡察类型（专项巡察部署可选）" in page and 'value="special"' in page
    await issue(client, kind="deployment", title=marker("部署"))  # no kind: still allowed
