"""The city's API over its counties (下级巡察机构), from their reports only.

``GET /counties`` lists every county with its progress, findings by focus
area, rectification completion and overdue items, clue counts, when it was
last heard from and its audit chain head with the last check's result;
``GET /counties/{county}`` adds its inspections and shared findings;
``POST /counties/{county}/audit-check`` asks the county to verify its chain
against the latest head the city holds; ``GET /city-clues`` lists clues
about city-managed cadres with their persons (confidential; each read is
audited). A county tenant has no counties: 403.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.params import PathParameter, QueryParameter

from core.api import (
    CurrentWork,
    Forbidden,
    Limit,
    NotFound,
    Offset,
    Runtime,
    Work,
    finding_categories,
    inspection_kinds,
    runtime_of,
)
from plugins.linkage.city_out import (
    CityCluePage,
    CountyDetailOut,
    CountyOut,
    Labels,
    city_clue_out,
    county_detail_out,
    county_out,
)
from plugins.linkage.city_view import CountyView, city_clue_rows, county_views, request_check
from plugins.linkage.model import is_city

__all__ = [
    "CheckRequestedOut",
    "CityController",
    "CountyCode",
    "check_county",
    "labels_of",
    "one_county",
    "require_city",
]

CountyCode = Annotated[str, PathParameter(min_length=1, max_length=64,
                                          description="下级巡察机构代码")]
CountyQuery = Annotated[str | None, QueryParameter(min_length=1, max_length=64,
                                                   description="下级巡察机构代码")]


class CheckRequestedOut(msgspec.Struct, kw_only=True):
    """A chain check sent down to a county; its answer arrives later."""

    check_id: str
    county: str
    seq: int
    hash: str
    message: str


def require_city(work: Work) -> None:
    """Refuse (403) a tenant that reports to a parent: it has no counties."""
    if not is_city(work.tenant):
        raise Forbidden(f"{work.tenant.name}是下级巡察机构，没有下级巡察机构的汇总视图")


async def labels_of(work: Work) -> Labels:
    """Chinese labels of inspection kinds and finding categories (every loaded plugin)."""
    kinds = {code: kind.label for code, kind in (await inspection_kinds(work)).items()}
    found = await finding_categories(work)
    return Labels(kinds=kinds, categories={code: c.label for code, c in found.items()})


async def one_county(work: Work, runtime: Runtime, county: str, *,
                     shared: bool = False) -> CountyView:
    """The city's view of ``county`` (404 in Chinese if the city has no such county)."""
    require_city(work)
    views = await county_views(work.session, runtime.tenants, work.tenant, county,
                               shared=shared)
    if not views:
        raise NotFound(f"下级巡察机构 {county[:64]} 不存在或尚未报送数据")
    return views[0]


async def check_county(work: Work, runtime: Runtime, county: str) -> CheckRequestedOut:
    """Send a chain check to ``county`` for the latest head held (404 without a head)."""
    view = await one_county(work, runtime, county)
    if view.audit_head is None:
        raise NotFound(f"尚未收到{view.name}的审计链链头，无法请求核验")
    check_id = await request_check(work, view.code, view.audit_head)
    seq = int(view.audit_head["seq"])
    return CheckRequestedOut(check_id=check_id, county=view.code, seq=seq,
                             hash=str(view.audit_head["hash"]),
                             message=f"已请求{view.name}按链头第 {seq} 条核验审计链")


class CityController(Controller):
    """The city's view of its counties."""

    path = "/t/{tenant:str}/api"
    tags = ["下级巡察机构"]

    @get("/counties", opt={"action": "county:read"}, summary="下级巡察机构汇总")
    async def list_counties(self, work: CurrentWork, state: State) -> list[CountyOut]:
        """Every county: progress, findings by focus area, rectification, clues, audit chain."""
        require_city(work)
        labels = await labels_of(work)
        views = await county_views(work.session, runtime_of(state).tenants, work.tenant)
        return [county_out(view, labels) for view in views]

    @get("/counties/{county:str}", opt={"action": "county:read"}, summary="下级巡察机构详情")
    async def get_county(self, work: CurrentWork, state: State,
                         county: CountyCode) -> CountyDetailOut:
        """One county with its inspections and the findings it shared."""
        view = await one_county(work, runtime_of(state), county, shared=True)
        return county_detail_out(view, await labels_of(work))

    @post("/counties/{county:str}/audit-check", opt={"action": "county:check"},
          summary="请求核验下级审计链", status_code=202)
    async def audit_check(self, work: CurrentWork, state: State,
                          county: CountyCode) -> CheckRequestedOut:
        """Ask the county to verify its audit chain against the latest head the city holds."""
        return await check_county(work, runtime_of(state), county)

    @get("/city-clues", opt={"action": "clue:read_persons"},
         summary="涉及市管干部的问题线索（保密，留痕）")
    async def city_clues(self, work: CurrentWork, state: State, county: CountyQuery = None,
                         limit: Limit = 50, offset: Offset = 0) -> CityCluePage:
        """Clues about city-managed cadres reported by the counties, with their persons."""
        require_city(work)
        runtime = runtime_of(state)
        if county is not None:
            await one_county(work, runtime, county)
        names = {t.code: t.name for t in runtime.tenants.children(work.tenant)}
        rows = await city_clue_rows(work.session, county)
        shown = rows[offset: offset + limit]
        async with work.transaction():
            await work.audit("city_clue.persons.read", "city_clue", county or "", {
                "clue_count": len(shown),
                "persons_count": sum(len(r["data"].get("persons", [])) for r in shown)})
        return CityCluePage(items=[city_clue_out(r, names.get(r["origin"], r["origin"]))
                                   for r in shown], total=len(rows), limit=limit,
                            offset=offset)
