"""Planning pages: terms, plans and rounds created and edited through their forms.

Each form is posted plain (303 after success, the whole page with the refusal's
status otherwise) and with htmx (``HX-Redirect``, or the form fragment with its
4xx status); refusals are Chinese, next to their field, and change nothing.
"""

from __future__ import annotations

import itertools
import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.inspection.tables import Plan, Round, Term
from tests.conftest import acting_as

Client = AsyncTestClient[Litestar]
T = "ta"
HTMX = {"HX-Request": "true"}
_years = itertools.count(2086)


def beside(html: str, field: str, message: str) -> bool:
    """Whether ``message`` is shown as the error of ``field`` (forms.html macros)."""
    return re.search(rf'id="e-{field}">{re.escape(message)}', html) is not None


async def _term(client: Client, database: Database, tid: int, name: str,
                year: int) -> int:
    response = await client.post(f"/t/{T}/terms", data={
        "name": name, "start_date": f"{year}-01-01", "end_date": f"{year + 1}-12-31"},
        follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/t/{T}/plans"
    (row,) = await database.tenant(tid).list(Term, {"name": name})
    return int(row["id"])


async def test_terms_are_created_and_edited_with_refusals_beside_their_fields(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    tid, year = tenant_ids[T], next(_years)
    session = database.tenant(tid)
    page = await client.get(f"/t/{T}/plans")
    assert page.status_code == 200 and "<h1>届与计划</h1>" in page.text
    assert f'action="/t/{T}/terms"' in page.text and 'name="_csrf"' not in page.text
    term_id = await _term(client, database, tid, f"页届{year}", year)
    listed = (await client.get(f"/t/{T}/plans")).text
    assert f"页届{year}" in listed and f"/t/{T}/terms/{term_id}/edit" in listed
    # htmx: the fragment with 400, each reason beside its field; nothing is created
    before = await session.count(Term)
    blank = await client.post(f"/t/{T}/terms", data={"name": "", "start_date": "x"},
                              headers=HTMX)
    assert blank.status_code == 400 and "<html" not in blank.text
    assert 'id="term-form"' in blank.text and 'id="e-' in blank.text
    assert "Expected" not in blank.text and "$." not in blank.text
    backwards = await client.post(f"/t/{T}/terms", data={
        "name": "倒置届", "start_date": f"{year}-06-01", "end_date": f"{year}-01-01"},
        headers=HTMX)
    assert backwards.status_code == 400
    assert beside(backwards.text, "end_date", "结束日期不能早于开始日期")
    assert 'value="倒置届"' in backwards.text  # what was typed is kept
    assert await session.count(Term) == before
    # a plain post of the refusal: the whole page, same status
    plain = await client.post(f"/t/{T}/terms", data={
        "name": "倒置届", "start_date": f"{year}-06-01", "end_date": f"{year}-01-01"})
    assert plain.status_code == 400 and "<html" in plain.text and "<h1>新建届</h1>" in plain.text
    # edit
    form = await client.get(f"/t/{T}/terms/{term_id}/edit")
    assert form.status_code == 200 and f'value="页届{year}"' in form.text
    saved = await client.post(f"/t/{T}/terms/{term_id}", data={
        "name": f"页届{year}改", "start_date": f"{year}-01-01", "end_date": f"{year + 2}-12-31"},
        headers=HTMX)
    assert saved.status_code == 200 and saved.headers["HX-Redirect"] == f"/t/{T}/plans"
    row = await session.get(Term, term_id)
    assert row is not None and row["name"] == f"页届{year}改"
    refused = await client.post(f"/t/{T}/terms/{term_id}", data={
        "name": "改坏", "start_date": f"{year}-01-01", "end_date": f"{year - 1}-01-01"})
    assert refused.status_code == 400 and beside(refused.text, "end_date",
                                                 "结束日期不能早于开始日期")
    assert (await session.get(Term, term_id) or {})["name"] == f"页届{year}改"
    missing = await client.get(f"/t/{T}/terms/999999/edit")
    assert missing.status_code == 404


async def test_plans_are_created_and_edited_with_the_service_rules(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    tid, year = tenant_ids[T], next(_years)
    session = database.tenant(tid)
    term_id = await _term(client, database, tid, f"计划届{year}", year)
    no_year = await client.post(f"/t/{T}/plans", data={
        "term_id": str(term_id), "kind": "year", "title": f"{year}年度计划"}, headers=HTMX)
    assert no_year.status_code == 400 and beside(no_year.text, "year", "年度计划须填写年度")
    outside = await client.post(f"/t/{T}/plans", data={
        "term_id": str(term_id), "kind": "year", "year": str(year + 5), "title": "越界"},
        headers=HTMX)
    assert outside.status_code == 400 and beside(outside.text, "year", "年度不在本届起止年份内")
    bad_kind = await client.post(f"/t/{T}/plans", data={
        "term_id": str(term_id), "kind": "weekly", "title": "周计划"}, headers=HTMX)
    assert bad_kind.status_code == 400 and 'id="e-kind"' in bad_kind.text
    assert await session.count(Plan, {"term_id": term_id}) == 0
    made = await client.post(f"/t/{T}/plans", data={
        "term_id": str(term_id), "kind": "year", "year": str(year), "title": f"{year}年度计划",
        "rounds_planned": "3"}, follow_redirects=False)
    assert made.status_code == 303
    twice = await client.post(f"/t/{T}/plans", data={
        "term_id": str(term_id), "kind": "year", "year": str(year), "title": "重复"},
        headers=HTMX)
    assert twice.status_code == 409 and beside(twice.text, "kind", "该届（年度）已有同类计划")
    (plan,) = await session.list(Plan, {"term_id": term_id})
    assert plan["rounds_planned"] == 3
    page = (await client.get(f"/t/{T}/plans")).text
    assert f"{year}年度计划" in page and "年度计划" in page
    edit = await client.get(f"/t/{T}/plans/{plan['id']}/edit")
    assert edit.status_code == 200 and f'value="{year}年度计划"' in edit.text
    saved = await client.post(f"/t/{T}/plans/{plan['id']}", data={
        "title": "改名计划", "rounds_planned": "2", "approved_on": f"{year}-02-01",
        "note": "经常委会审议"}, follow_redirects=False)
    assert saved.status_code == 303
    row = await session.get(Plan, plan["id"])
    assert row is not None and row["title"] == "改名计划" and row["rounds_planned"] == 2
    too_many = await client.post(f"/t/{T}/plans/{plan['id']}", data={
        "title": "改名计划", "rounds_planned": "13"}, headers=HTMX)
    assert too_many.status_code == 400 and 'id="e-rounds_planned"' in too_many.text
    assert "不能大于 12" in too_many.text or "12" in too_many.text
    assert (await session.get(Plan, plan["id"]) or {})["rounds_planned"] == 2


async def test_rounds_are_created_and_edited_from_the_rounds_page(
    client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    tid, year = tenant_ids[T], next(_years)
    session = database.tenant(tid)
    term_id = await _term(client, database, tid, f"轮次届{year}", year)
    rounds_page = (await client.get(f"/t/{T}/rounds")).text
    assert f'href="/t/{T}/rounds/new"' in rounds_page and ">新建轮次<" in rounds_page
    new = await client.get(f"/t/{T}/rounds/new")
    assert new.status_code == 200 and f"轮次届{year}" in new.text
    made = await client.post(f"/t/{T}/rounds", data={
        "term_id": str(term_id), "year": str(year), "number": "1"}, headers=HTMX)
    assert made.status_code == 200 and made.headers["HX-Redirect"] == f"/t/{T}/rounds?year={year}"
    (row,) = await session.list(Round, {"term_id": term_id})
    assert row["name"] == f"{year}年第1轮巡察"
    again = await client.post(f"/t/{T}/rounds", data={
        "term_id": str(term_id), "year": str(year), "number": "1"}, headers=HTMX)
    assert again.status_code == 409 and beside(again.text, "number", f"{year} 年第 1 轮已存在")
    outside = await client.post(f"/t/{T}/rounds", data={
        "term_id": str(term_id), "year": str(year + 4), "number": "2"})
    assert outside.status_code == 400 and "<html" in outside.text
    assert beside(outside.text, "year", "年度不在本届起止年份内")
    bad_number = await client.post(f"/t/{T}/rounds", data={
        "term_id": str(term_id), "year": str(year), "number": "二"}, headers=HTMX)
    assert bad_number.status_code == 400 and 'id="e-number"' in bad_number.text
    assert await session.count(Round, {"term_id": term_id}) == 1
    listed = (await client.get(f"/t/{T}/rounds", params={"year": str(year)})).text
    assert f"/t/{T}/rounds/{row['id']}/edit" in listed
    assert f"/t/{T}/rounds/{row['id']}/inspections/new" in listed
    edit = await client.get(f"/t/{T}/rounds/{row['id']}/edit")
    assert edit.status_code == 200 and f'value="{year}年第1轮巡察"' in edit.text
    saved = await client.post(f"/t/{T}/rounds/{row['id']}", data={
        "name": "春季巡察", "start_date": f"{year}-03-01", "end_date": f"{year}-05-31"},
        follow_redirects=False)
    assert saved.status_code == 303
    backwards = await client.post(f"/t/{T}/rounds/{row['id']}", data={
        "name": "春季巡察", "start_date": f"{year}-03-01", "end_date": f"{year}-01-31"},
        headers=HTMX)
    assert backwards.status_code == 400
    assert beside(backwards.text, "end_date", "结束日期不能早于开始日期")
    kept = await session.get(Round, row["id"])
    assert kept is not None and kept["name"] == "春季巡察"
    assert str(kept["end_date"]) == f"{year}-05-31"
    cleared = await client.post(f"/t/{T}/rounds/{row['id']}", data={
        "name": "春季巡察", "start_date": "", "end_date": ""}, follow_redirects=False)
    assert cleared.status_code == 303
    assert (await session.get(Round, row["id"]) or {})["end_date"] is None


async def test_the_leading_group_reads_plans_and_rounds_without_their_forms(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    year = next(_years)
    await _term(client, database, tenant_ids[T], f"只读届{year}", year)
    leading, _ = await acting_as(app, client, database, "leading_group", T)
    plans = await leading.get(f"/t/{T}/plans")
    assert plans.status_code == 200 and f"只读届{year}" in plans.text
    assert "<form" not in plans.text.split("<main>")[1] and "/edit" not in plans.text
    rounds_page = await leading.get(f"/t/{T}/rounds")
    assert rounds_page.status_code == 200 and "/rounds/new" not in rounds_page.text
    assert (await leading.get(f"/t/{T}/rounds/new")).status_code == 403
    refused = await leading.post(f"/t/{T}/terms", data={"name": "越权届",
                                                        "start_date": f"{year}-01-01"})
    assert refused.status_code == 403
    assert await database.tenant(tenant_ids[T]).count(Term, {"name": "越权届"}) == 0
