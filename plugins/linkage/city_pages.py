"""The city's pages over its counties (Chinese, server-rendered, htmx).

``/t/{tenant}/counties`` is the table "下级巡察机构": per county its
inspections by stage, findings by focus area, rectification completion and
overdue items, clue counts and audit chain status, with a button asking for
a chain check (htmx swaps the county's chain cell; a plain form post is
redirected back). ``/t/{tenant}/counties/{county}`` shows one county.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Redirect, Template

from core.api import (
    CurrentWork,
    Work,
    etag_of,
    is_htmx,
    live_headers,
    not_modified,
    page_context,
    runtime_of,
    sync_version,
    unchanged,
)
from plugins.linkage.city_api import (
    CountyCode,
    check_county,
    labels_of,
    one_county,
    require_city,
)
from plugins.linkage.city_out import china_time, county_detail_out, county_out
from plugins.linkage.city_view import county_views

__all__ = ["city_page_handlers"]


async def _etag(request: Request[Any, Any, Any], state: State, work: Work) -> str:
    """The ETag of a city page: what sync brought, the counties registered, today."""
    counties = [(t.code, t.name) for t in runtime_of(state).tenants.children(work.tenant)]
    return etag_of(request, await sync_version(work.session), counties, work.clock.today())


@get("/t/{tenant:str}/counties", opt={"action": "county:read"}, include_in_schema=False)
async def counties_page(request: Request[Any, Any, Any], state: State,
                        work: CurrentWork) -> Template | Response[bytes]:
    """Every county of the city with its reported figures and audit chain status; htmx polls
    the table (304 while nothing arrived)."""
    require_city(work)
    etag = await _etag(request, state, work)
    if unchanged(request, etag):
        return not_modified(etag)
    labels = await labels_of(work)
    views = await county_views(work.session, runtime_of(state).tenants, work.tenant)
    context = await page_context(state, work.tenant, when=china_time,
                                 counties=[county_out(v, labels) for v in views])
    name = "linkage/counties_live.html" if is_htmx(request) else "linkage/counties.html"
    return Template(name, context=context, headers=live_headers(etag))


@get("/t/{tenant:str}/counties/{county:str}", opt={"action": "county:read"},
     include_in_schema=False)
async def county_page(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                      county: CountyCode) -> Template | Response[bytes]:
    """One county: its figures, inspections and shared findings; htmx polls them."""
    require_city(work)
    etag = await _etag(request, state, work)
    if unchanged(request, etag):
        return not_modified(etag)
    view = await one_county(work, runtime_of(state), county, shared=True)
    detail = county_detail_out(view, await labels_of(work))
    context = await page_context(state, work.tenant, when=china_time, detail=detail,
                                 c=detail.county)
    name = "linkage/county_live.html" if is_htmx(request) else "linkage/county.html"
    return Template(name, context=context, headers=live_headers(etag))


@post("/t/{tenant:str}/counties/{county:str}/audit-check", opt={"action": "county:check"},
      include_in_schema=False, status_code=200)
async def audit_check_form(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                           county: CountyCode) -> Template | Redirect:
    """Ask the county for a chain check; htmx gets the county's chain cell back."""
    runtime = runtime_of(state)
    asked = await check_county(work, runtime, county)
    if not is_htmx(request):
        return Redirect(f"/t/{work.tenant.code}/counties", status_code=303)
    view = await one_county(work, runtime, county)
    return Template("linkage/audit_cell.html", context={
        "tenant": work.tenant, "request": request, "notice": asked.message,
        "c": county_out(view, await labels_of(work))})


city_page_handlers: list[Any] = [counties_page, county_page, audit_check_form]
"""The city's page handlers."""
