"""JSON API of elevated and cross inspections (提级巡察、交叉巡察).

In a city: its counties' org directories, its elevated inspections (plan,
record problems, hand over) and its cross assignment board. In a county: the
elevated inspections of its orgs, the cross assignments it hosts or sends a
team to, and its decision as host.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.params import JSONBody, PathParameter

from core.api import CurrentWork, Id, runtime_of
from plugins.elevated_cross import cross, elevated, elevated_clues, guests, handover
from plugins.elevated_cross.directory import CountyOrgs, county_orgs, known_counties
from plugins.elevated_cross.model import require_city

__all__ = ["ElevatedCrossController", "Overview"]

BASE = "/t/{tenant:str}/api/elevated-cross"
CountyCode = Annotated[str, PathParameter(max_length=64, description="县（市、区）代码")]


class Overview(msgspec.Struct, kw_only=True):
    """What this tenant sees: a city its plans and board, a county what concerns it."""

    level: str
    counties: dict[str, str] = msgspec.field(default_factory=dict)
    elevated: list[elevated.ElevatedOut] = msgspec.field(default_factory=list)
    received: list[handover.ReceivedElevated] = msgspec.field(default_factory=list)
    cross: list[cross.CrossOut] = msgspec.field(default_factory=list)


class ElevatedCrossController(Controller):
    """Elevated and cross inspections."""

    tags = ["提级巡察、交叉巡察"]

    @get(BASE, opt={"action": "elevated_cross:read"}, summary="提级、交叉巡察总览")
    async def overview(self, state: State, work: CurrentWork) -> Overview:
        """A city: its counties, elevated inspections and cross board. A county: the
        elevated inspections of its orgs and the cross assignments it takes part in."""
        if work.tenant.parent_code:
            return Overview(level="county", received=await handover.received_elevated(work),
                            cross=await cross.received_cross(work))
        counties = await known_counties(work, runtime_of(state).tenants)
        return Overview(level="city", counties=counties,
                        elevated=await elevated.list_elevated(work),
                        cross=await cross.cross_board(work, counties))

    @get(f"{BASE}/counties/{{county:str}}/orgs", opt={"action": "elevated_cross:read"},
         summary="下级机构名录")
    async def orgs(self, work: CurrentWork, county: CountyCode) -> CountyOrgs:
        """The org directory a county published (a city only), village classes included."""
        require_city(work.tenant)
        return await county_orgs(work, county)

    @post(f"{BASE}/elevated", opt={"action": "elevated_cross:write"}, summary="安排提级巡察")
    async def plan(self, state: State, work: CurrentWork,
                   data: JSONBody[elevated.ElevatedIn]) -> elevated.ElevatedOut:
        """Plan an elevated inspection of a county's orgs (ids from its directory)."""
        require_city(work.tenant)
        counties = await known_counties(work, runtime_of(state).tenants)
        return await elevated.plan_elevated(work, data, counties)

    @get(f"{BASE}/elevated/{{elevated_id:int}}", opt={"action": "elevated_cross:read"},
         summary="提级巡察详情")
    async def detail(self, work: CurrentWork, elevated_id: Id) -> elevated.ElevatedDetail:
        """One elevated inspection of the city, with its problems."""
        return await elevated.elevated_detail(work, elevated_id)

    @post(f"{BASE}/elevated/{{elevated_id:int}}/findings",
          opt={"action": "elevated_cross:write"}, summary="登记提级巡察发现的问题")
    async def finding(self, work: CurrentWork, elevated_id: Id,
                      data: JSONBody[elevated.FindingIn]) -> elevated.FindingOut:
        """Record a problem at one target org, with its rectification deadline."""
        return await elevated.add_finding(work, elevated_id, data)

    @post(f"{BASE}/elevated/{{elevated_id:int}}/handover",
          opt={"action": "elevated_cross:write"}, status_code=200, summary="反馈并移交整改")
    async def hand_over(self, work: CurrentWork, elevated_id: Id) -> elevated.ElevatedOut:
        """Give feedback: the problems go to the county's own ledger, once."""
        return await elevated.hand_over(work, elevated_id)

    @post(f"{BASE}/elevated/{{elevated_id:int}}/allow-county",
          opt={"action": "elevated_cross:write"}, status_code=200,
          summary="允许或不允许县级同轮次巡察提级对象")
    async def allow_county(self, work: CurrentWork, elevated_id: Id,
                           data: JSONBody[elevated.AllowIn]) -> elevated.ElevatedOut:
        """Allow the county to inspect the targets itself in the same year (or withdraw
        the allowance); the county is told."""
        return await elevated.set_allow_county(work, elevated_id, data)

    @post(f"{BASE}/elevated/{{elevated_id:int}}/verification",
          opt={"action": "elevated_cross:write"}, status_code=200, summary="核查县级整改")
    async def verify(self, work: CurrentWork, elevated_id: Id,
                     data: JSONBody[elevated.VerifyIn]) -> elevated.ElevatedOut:
        """Accept the county's rectification (every target's report in) or return it with
        a reason; the county is told."""
        return await elevated.verify_rectification(work, elevated_id, data)

    @post(f"{BASE}/cross", opt={"action": "elevated_cross:write"}, summary="安排交叉巡察")
    async def assign(self, state: State, work: CurrentWork,
                     data: JSONBody[cross.CrossIn]) -> cross.CrossOut:
        """Assign county ``team_county``'s team to ``host_county``'s orgs."""
        require_city(work.tenant)
        counties = await known_counties(work, runtime_of(state).tenants)
        return await cross.assign_cross(work, data, counties)

    @post(f"{BASE}/cross/{{cross_id:int}}/decision", opt={"action": "elevated_cross:decide"},
          status_code=200, summary="被巡察县同意或拒绝交叉巡察")
    async def decide(self, state: State, work: CurrentWork, cross_id: Id,
                     data: JSONBody[cross.DecisionIn]) -> cross.CrossOut:
        """The host county accepts (authorising the team: its own inspection of the targets
        with the sending county's people on the team) or declines with a reason."""
        return await cross.decide_cross(work, cross_id, data, runtime_of(state))

    @post(f"{BASE}/elevated/{{elevated_id:int}}/cancel",
          opt={"action": "elevated_cross:write"}, status_code=200, summary="撤销提级巡察")
    async def cancel_elevated(self, work: CurrentWork, elevated_id: Id,
                              data: JSONBody[elevated.CancelIn]) -> elevated.ElevatedOut:
        """Cancel an elevated inspection before its feedback, with a reason; the county is
        told."""
        return await elevated.cancel_elevated(work, elevated_id, data)

    @post(f"{BASE}/cross/{{cross_id:int}}/resubmit", opt={"action": "elevated_cross:write"},
          status_code=200, summary="重新提交被拒绝的交叉巡察安排")
    async def resubmit(self, state: State, work: CurrentWork, cross_id: Id,
                       data: JSONBody[cross.ResubmitIn]) -> cross.CrossOut:
        """Submit a declined assignment again (its people may change); the host decides
        anew."""
        require_city(work.tenant)
        counties = await known_counties(work, runtime_of(state).tenants)
        return await cross.resubmit_cross(work, cross_id, data, counties)

    @post(f"{BASE}/cross/{{cross_id:int}}/cancel", opt={"action": "elevated_cross:write"},
          status_code=200, summary="取消交叉巡察安排")
    async def cancel_cross(self, state: State, work: CurrentWork, cross_id: Id,
                           data: JSONBody[cross.CancelIn]) -> cross.CrossOut:
        """Cancel an assignment with a reason; the host ends the team's access."""
        require_city(work.tenant)
        counties = await known_counties(work, runtime_of(state).tenants)
        return await cross.cancel_cross(work, cross_id, data, counties)

    @post(f"{BASE}/cross/{{cross_id:int}}/guests/{{cross_guest_id:int}}/password",
          opt={"action": "elevated_cross:guests"}, status_code=200,
          summary="签发交叉巡察临时账号的一次性登录密码")
    async def guest_password(self, state: State, work: CurrentWork, cross_id: Id,
                             cross_guest_id: Id) -> Response[guests.GuestPassword]:
        """A new one-time sign-in password for a guest of the cross team (host county, its
        own deployment); shown once, never stored."""
        issued = await guests.issue_password(work, runtime_of(state), cross_id, cross_guest_id)
        return Response(issued, headers={"Cache-Control": "no-store"})

    @post(f"{BASE}/elevated/{{elevated_id:int}}/clues", opt={"action": "elevated_cross:write"},
          summary="登记提级巡察发现的问题线索")
    async def clue(self, work: CurrentWork, elevated_id: Id,
                   data: JSONBody[elevated_clues.ClueIn]) -> elevated_clues.ClueOut:
        """Record a clue at one target org; the city owns it."""
        return await elevated_clues.record_clue(work, elevated_id, data)

    @post(f"{BASE}/elevated/{{elevated_id:int}}/clues/{{elevated_clue_id:int}}/referral",
          opt={"action": "elevated_cross:write"}, status_code=200,
          summary="将提级巡察问题线索移交市纪委监委")
    async def refer(self, work: CurrentWork, elevated_id: Id,
                    elevated_clue_id: Id) -> elevated_clues.ClueOut:
        """Refer a clue to the city's discipline body (the only body it may go to)."""
        return await elevated_clues.refer_clue(work, elevated_id, elevated_clue_id)
