"""The JSON API of appraisals and secondment, under ``/t/{tenant}/api/talent/``.

Appraisals of a round's team members (read with the records, written by the
office); secondment requests (a city's own, or those a county received from
its city), nominations (county), decisions (city) and the city's seconded
people. Another tenant's round, request or nominee is unknown here (404).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.datastructures import State as AppState
from litestar.params import JSONBody

from core.api import CurrentWork, Id, runtime_of
from plugins.talent_pool import secondment
from plugins.talent_pool.appraisal import AppraisalsIn, appraise, round_sheet
from plugins.talent_pool.secondment import DecisionIn, NominationIn, RequestIn

__all__ = ["TalentWorkController"]


class TalentWorkController(Controller):
    """Appraisals (考核) and secondment (上挂下派) of the talent pool."""

    path = "/t/{tenant:str}/api/talent"
    tags = ["巡察人才库"]

    @get("/rounds/{round_id:int}/appraisals", opt={"action": "talent:record"},
         summary="本轮巡察组成员考核情况")
    async def appraisals(self, work: CurrentWork, round_id: Id) -> dict[str, Any]:
        """Every team member of the round's inspections with the grade given (if any)."""
        return await round_sheet(work, round_id)

    @post("/rounds/{round_id:int}/appraisals", opt={"action": "talent:appraise"},
          summary="录入考核等次", status_code=200)
    async def appraise(self, work: CurrentWork, round_id: Id,
                       data: JSONBody[AppraisalsIn]) -> dict[str, Any]:
        """Grade members of the round's teams (at most 20% 优秀 in the round), all or none."""
        return await appraise(work, round_id, data)

    @get("/secondment-requests", opt={"action": "talent:read"}, summary="上挂需求")
    async def requests(self, work: CurrentWork) -> dict[str, Any]:
        """A city's requests, or the requests a county received from its city."""
        items = await secondment.list_requests(work)
        return {"items": items, "total": len(items)}

    @post("/secondment-requests", opt={"action": "talent:second"}, summary="提出上挂需求")
    async def create(self, state: AppState, work: CurrentWork,
                     data: JSONBody[RequestIn]) -> dict[str, Any]:
        """A city asks its counties (or some) for cadres with given specialties for a round."""
        counties = await secondment.counties_of(work, runtime_of(state).tenants)
        return await secondment.create_request(work, data, counties)

    @get("/secondment-requests/{secondment_request_id:int}", opt={"action": "talent:read"},
         summary="上挂需求详情")
    async def detail(self, work: CurrentWork, secondment_request_id: Id) -> dict[str, Any]:
        """A request with the nominees (city) or the county's own nominations."""
        return await secondment.request_detail(work, secondment_request_id)

    @post("/secondment-requests/{secondment_request_id:int}/nominations",
          opt={"action": "talent:second"}, summary="推荐上挂人选")
    async def nominate(self, work: CurrentWork, secondment_request_id: Id,
                       data: JSONBody[NominationIn]) -> dict[str, Any]:
        """A county nominates a person of its pool; name, unit, post, rank and specialties
        go up."""
        return await secondment.nominate(work, secondment_request_id, data)

    @post("/secondment-requests/{secondment_request_id:int}/nominees/"
          "{secondment_nominee_id:int}/decision", opt={"action": "talent:second"},
          summary="决定是否接收上挂人选", status_code=200)
    async def decide(self, work: CurrentWork, secondment_request_id: Id,
                     secondment_nominee_id: Id, data: JSONBody[DecisionIn]) -> dict[str, Any]:
        """The city accepts or declines a nominee; the county is told."""
        return await secondment.decide_nominee(work, secondment_request_id,
                                               secondment_nominee_id, data)

    @get("/secondees", opt={"action": "talent:read"}, summary="上挂人员名单")
    async def secondees(self, work: CurrentWork) -> dict[str, Any]:
        """The city's seconded people: nominees it accepted, with the period."""
        items = await secondment.seconded_people(work)
        return {"items": items, "total": len(items)}
