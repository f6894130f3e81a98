"""Terms, plans and rounds: creation, defaults, filters and refusals."""

from __future__ import annotations

from tests.inspection.helpers import Client, api, new_round, ok


async def test_term_defaults_to_five_years(client: Client) -> None:
    term = ok(await client.post(api("ta.one", "terms"), json={
        "name": "第十五届", "start_date": "2021-09-01"}), 201)
    assert term["end_date"] == "2026-08-31"
    listed = ok(await client.get(api("ta.one", "terms")))
    assert term in listed
    changed = ok(await client.patch(api("ta.one", f"terms/{term['id']}"),
                                    json={"name": "第十五届（修订）"}))
    assert changed["name"] == "第十五届（修订）"
    bad = await client.patch(api("ta.one", f"terms/{term['id']}"),
                             json={"end_date": "2020-01-01"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "end_date"


async def test_plans_per_term_and_year(client: Client) -> None:
    term = ok(await client.post(api("ta.one", "terms"), json={
        "name": "规划测试届", "start_date": "2040-01-01"}), 201)
    term_plan = ok(await client.post(api("ta.one", "plans"), json={
        "term_id": term["id"], "kind": "term", "title": "届内巡察规划"}), 201)
    assert term_plan["kind_label"] == "届内巡察规划" and term_plan["year"] is None
    year_plan = ok(await client.post(api("ta.one", "plans"), json={
        "term_id": term["id"], "kind": "year", "year": 2041, "title": "2041年巡察计划"}), 201)
    assert year_plan["rounds_planned"] == 3  # the tenant default
    again = await client.post(api("ta.one", "plans"), json={
        "term_id": term["id"], "kind": "year", "year": 2041, "title": "重复"})
    assert again.status_code == 409
    outside = await client.post(api("ta.one", "plans"), json={
        "term_id": term["id"], "kind": "year", "year": 2050, "title": "届外"})
    assert outside.status_code == 400 and "年度不在本届" in outside.text
    no_year = await client.post(api("ta.one", "plans"), json={
        "term_id": term["id"], "kind": "year", "title": "缺年度"})
    assert no_year.json()["errors"][0]["field"] == "year"
    plans = ok(await client.get(api("ta.one", "plans"), params={"term_id": term["id"]}))
    assert [p["id"] for p in plans] == [term_plan["id"], year_plan["id"]]
    only_year = ok(await client.get(api("ta.one", "plans"), params={
        "term_id": term["id"], "kind": "year"}))
    assert [p["id"] for p in only_year] == [year_plan["id"]]


async def test_rounds_unique_per_year_and_listed(client: Client) -> None:
    first = await new_round(client, "ta.one")
    assert first["name"] == f"{first['year']}年第1轮巡察" and first["inspections"] == 0
    duplicate = await client.post(api("ta.one", "rounds"), json={
        "term_id": first["term_id"], "year": first["year"], "number": 1})
    assert duplicate.status_code == 409 and "已存在" in duplicate.text
    second = ok(await client.post(api("ta.one", "rounds"), json={
        "term_id": first["term_id"], "year": first["year"], "number": 2, "name": "第二轮",
        "start_date": "2031-05-01", "end_date": "2031-06-20"}), 201)
    page = ok(await client.get(api("ta.one", "rounds"), params={"year": first["year"]}))
    assert [r["id"] for r in page["items"]] == [second["id"], first["id"]]
    assert page["total"] == 2
    reversed_dates = await client.post(api("ta.one", "rounds"), json={
        "term_id": first["term_id"], "year": first["year"], "number": 3,
        "start_date": "2031-05-01", "end_date": "2031-04-01"})
    assert reversed_dates.status_code == 400
    assert (await client.get(api("ta.one", "rounds/999999"))).status_code == 404


async def test_bad_input_is_refused_in_chinese(client: Client) -> None:
    cases = [
        ("terms", {"name": "", "start_date": "2030-01-01"}, "name"),
        ("terms", {"name": "x", "start_date": "not-a-date"}, "start_date"),
        ("terms", {"name": "x", "start_date": "2030-01-01", "extra": 1}, "extra"),
        ("plans", {"term_id": 0, "kind": "term", "title": "x"}, "term_id"),
        ("plans", {"term_id": 1, "kind": "decade", "title": "x"}, "kind"),
        ("rounds", {"term_id": 1, "year": 1900, "number": 1}, "year"),
        ("rounds", {"term_id": 1, "year": 2030, "number": 99}, "number"),
        ("rounds", {"term_id": 2**40, "year": 2030, "number": 1}, "term_id"),
    ]
    for path, body, field in cases:
        response = await client.post(api("ta.one", path), json=body)
        assert response.status_code == 400, (path, body, response.text)
        errors = response.json()["errors"]
        assert any(e["field"] == field for e in errors), (body, errors)
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e["message"]) for e in errors)
    assert (await client.get(api("ta.one", "rounds"), params={"year": "abc"})).status_code == 400
