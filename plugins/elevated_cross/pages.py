"""Pages of elevated and cross inspections (Chinese, server-rendered forms).

``/t/{tenant}/elevated-cross``: in a city, its counties (each opening its
org directory), its elevated inspections and the cross assignment board,
with the cross form; in a county, the elevated inspections of its orgs and
the cross assignments it hosts (with the accept / decline form) or sends a
team to. ``/t/{tenant}/elevated-cross/counties/{county}``: a county's
directory with the form planning an elevated inspection of its orgs.
``/t/{tenant}/elevated-cross/elevated/{elevated_id}``: one elevated
inspection, its problems, the problem form, the handover and cancel buttons.
The city's board offers resubmitting a declined assignment and cancelling
one; the host county's view lists the guest accounts of a cross team with the
button issuing a one-time sign-in password (shown once on its own page).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.datastructures import State
from litestar.params import PathParameter
from litestar.response import Response, Template

from core.api import (
    CurrentWork,
    DomainError,
    Id,
    Invalid,
    MenuItem,
    NotFound,
    TeamRole,
    TenantInfo,
    Work,
    done,
    page_context,
    parse_form,
    refusal_of,
    runtime_of,
)
from plugins.elevated_cross import cross, elevated, elevated_clues, guests, handover
from plugins.elevated_cross.directory import county_orgs, known_counties
from plugins.elevated_cross.model import POST_SIDE_LABELS, posts_of, require_city

__all__ = ["elevated_cross_pages", "members_of", "menu_items"]

BASE = "/t/{tenant:str}/elevated-cross"
CountyCode = Annotated[str, PathParameter(max_length=64)]
Form = Request[Any, Any, Any]


class PlanForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The form planning an elevated inspection."""

    county: Annotated[str, msgspec.Meta(max_length=64)]
    title: Annotated[str, msgspec.Meta(max_length=200)]
    org_ids: list[int] = msgspec.field(default_factory=list)
    round_label: Annotated[str, msgspec.Meta(max_length=100)] = ""
    allow_county: Annotated[str, msgspec.Meta(max_length=8)] = ""


class CrossForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The form assigning a cross inspection."""

    team_county: Annotated[str, msgspec.Meta(max_length=64)]
    host_county: Annotated[str, msgspec.Meta(max_length=64)]
    title: Annotated[str, msgspec.Meta(max_length=200)]
    org_ids: list[int] = msgspec.field(default_factory=list)
    round_label: Annotated[str, msgspec.Meta(max_length=100)] = ""
    members: Annotated[str, msgspec.Meta(max_length=4000)] = ""


_ROLES = {"组长": TeamRole.leader, "副组长": TeamRole.deputy, "组员": TeamRole.member}


def members_of(text: str) -> list[cross.MemberSpec]:
    """The team typed one person a line: ``账号,姓名[,组长|副组长|组员]``."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if not any(parts):
            continue
        if len(parts) not in (2, 3) or not parts[0] or not parts[1] or (
                len(parts) == 3 and parts[2] not in _ROLES):
            raise Invalid.on("members", f"巡察组人员第 {number} 行格式应为："
                                        "账号,姓名,组长/副组长/组员")
        found.append(cross.MemberSpec(person=parts[0][:64], name=parts[1][:64],
                                      role=_ROLES[parts[2]] if len(parts) == 3
                                      else TeamRole.member))
    return found


class DecisionForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The host county's decision form."""

    decision: Annotated[str, msgspec.Meta(max_length=16)]
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""
    members: Annotated[str, msgspec.Meta(max_length=4000)] = ""


def menu_items(tenant: TenantInfo) -> list[MenuItem]:
    """One entry, named for the level."""
    label = "提级、交叉巡察" if not tenant.parent_code else "提级、交叉巡察安排"
    return [MenuItem(label=label, path="elevated-cross", order=34)]


async def _overview(state: State, work: Work, **extra: Any) -> dict[str, Any]:
    if work.tenant.parent_code:
        return await page_context(state, work.tenant, county=True, side_labels=POST_SIDE_LABELS,
                                  received=await handover.received_elevated(work),
                                  crosses=await cross.received_cross(work), **extra)
    counties = await known_counties(work, runtime_of(state).tenants)
    return await page_context(state, work.tenant, county=False, counties=counties,
                              elevated=await elevated.list_elevated(work),
                              crosses=await cross.cross_board(work, counties), **extra)


@get(BASE, opt={"action": "elevated_cross:read"}, include_in_schema=False)
async def overview_page(state: State, work: CurrentWork) -> Template:
    """The overview of the tenant's level."""
    return Template("elevated_cross/overview.html", context=await _overview(state, work))


async def _county_context(state: State, work: Work, county: str, **extra: Any
                          ) -> dict[str, Any]:
    require_city(work.tenant)
    counties = await known_counties(work, runtime_of(state).tenants)
    if county not in counties:
        raise NotFound("不是本市所辖的县（市、区）")
    return await page_context(state, work.tenant, county=county, counties=counties,
                              directory=await county_orgs(work, county),
                              posts=posts_of(work.tenant.settings),
                              side_labels=POST_SIDE_LABELS, **extra)


@get(f"{BASE}/counties/{{county:str}}", opt={"action": "elevated_cross:read"},
     include_in_schema=False)
async def county_page(state: State, work: CurrentWork, county: CountyCode) -> Template:
    """A county's org directory and the forms planning an elevated or cross inspection."""
    return Template("elevated_cross/county.html",
                    context=await _county_context(state, work, county))


@post(f"{BASE}/elevated", opt={"action": "elevated_cross:write"}, include_in_schema=False,
      status_code=200)
async def plan_form(request: Form, state: State, work: CurrentWork) -> Template | Response[Any]:
    """Plan an elevated inspection from the county page."""
    require_city(work.tenant)
    county = ""
    try:
        data = await parse_form(request, PlanForm)
        county = data.county
        counties = await known_counties(work, runtime_of(state).tenants)
        out = await elevated.plan_elevated(work, elevated.ElevatedIn(
            county=data.county, title=data.title, org_ids=data.org_ids,
            round_label=data.round_label, allow_county=data.allow_county == "on"), counties)
    except DomainError as exc:
        errors, status = refusal_of(exc)
        try:
            context = await _county_context(state, work, county, errors=errors)
        except DomainError:
            context = await _overview(state, work, errors=errors)
            return Template("elevated_cross/overview.html", context=context,
                            status_code=status)
        return Template("elevated_cross/county.html", context=context, status_code=status)
    return done(request, f"/t/{work.tenant.code}/elevated-cross/elevated/{out.id}")


async def _detail_context(state: State, work: Work, elevated_id: int, **extra: Any
                          ) -> dict[str, Any]:
    detail = await elevated.elevated_detail(work, elevated_id)
    counties = await known_counties(work, runtime_of(state).tenants)
    return await page_context(state, work.tenant, detail=detail, e=detail.elevated,
                              county_name=counties.get(detail.elevated.county,
                                                       detail.elevated.county),
                              today=work.clock.today(), **extra)


@get(f"{BASE}/elevated/{{elevated_id:int}}", opt={"action": "elevated_cross:read"},
     include_in_schema=False)
async def elevated_page(state: State, work: CurrentWork, elevated_id: Id) -> Template:
    """One elevated inspection, its problems and what the county reported back."""
    return Template("elevated_cross/elevated.html",
                    context=await _detail_context(state, work, elevated_id))


@post(f"{BASE}/elevated/{{elevated_id:int}}/findings", opt={"action": "elevated_cross:write"},
      include_in_schema=False, status_code=200)
async def finding_form(request: Form, state: State, work: CurrentWork,
                       elevated_id: Id) -> Template | Response[Any]:
    """Record a problem from the detail page."""
    try:
        data = await parse_form(request, elevated.FindingIn)
        await elevated.add_finding(work, elevated_id, data)
    except DomainError as exc:
        errors, status = refusal_of(exc)
        return Template("elevated_cross/elevated.html", status_code=status,
                        context=await _detail_context(state, work, elevated_id, errors=errors))
    return done(request, f"/t/{work.tenant.code}/elevated-cross/elevated/{elevated_id}")


@post(f"{BASE}/elevated/{{elevated_id:int}}/handover", opt={"action": "elevated_cross:write"},
      include_in_schema=False, status_code=200)
async def handover_form(request: Form, state: State, work: CurrentWork,
                        elevated_id: Id) -> Template | Response[Any]:
    """Hand the problems over to the county (feedback)."""
    try:
        await elevated.hand_over(work, elevated_id)
    except DomainError as exc:
        errors, status = refusal_of(exc)
        return Template("elevated_cross/elevated.html", status_code=status,
                        context=await _detail_context(state, work, elevated_id, errors=errors))
    return done(request, f"/t/{work.tenant.code}/elevated-cross/elevated/{elevated_id}")


class AllowForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The city's allowance toggle."""

    allow: Annotated[str, msgspec.Meta(max_length=8)]


class VerifyForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The city's verification form."""

    decision: Annotated[str, msgspec.Meta(max_length=16)]
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


@post(f"{BASE}/elevated/{{elevated_id:int}}/allow-county",
      opt={"action": "elevated_cross:write"}, include_in_schema=False, status_code=200)
async def allow_form(request: Form, state: State, work: CurrentWork,
                     elevated_id: Id) -> Template | Response[Any]:
    """Allow (or no longer allow) the county's own inspection of the targets."""
    try:
        data = await parse_form(request, AllowForm)
        if data.allow not in ("true", "false"):
            raise Invalid.on("allow", "请选择允许或不允许")
        await elevated.set_allow_county(work, elevated_id,
                                        elevated.AllowIn(allow=data.allow == "true"))
    except DomainError as exc:
        errors, status = refusal_of(exc)
        return Template("elevated_cross/elevated.html", status_code=status,
                        context=await _detail_context(state, work, elevated_id, errors=errors))
    return done(request, f"/t/{work.tenant.code}/elevated-cross/elevated/{elevated_id}")


@post(f"{BASE}/elevated/{{elevated_id:int}}/verification",
      opt={"action": "elevated_cross:write"}, include_in_schema=False, status_code=200)
async def verify_form(request: Form, state: State, work: CurrentWork,
                      elevated_id: Id) -> Template | Response[Any]:
    """Accept or return the county's rectification from the detail page."""
    try:
        data = await parse_form(request, VerifyForm)
        if data.decision not in ("accept", "return"):
            raise Invalid.on("decision", "请选择核查通过或退回")
        await elevated.verify_rectification(work, elevated_id, elevated.VerifyIn(
            accept=data.decision == "accept", reason=data.reason))
    except DomainError as exc:
        errors, status = refusal_of(exc)
        return Template("elevated_cross/elevated.html", status_code=status,
                        context=await _detail_context(state, work, elevated_id, errors=errors))
    return done(request, f"/t/{work.tenant.code}/elevated-cross/elevated/{elevated_id}")


@post(f"{BASE}/cross", opt={"action": "elevated_cross:write"}, include_in_schema=False,
      status_code=200)
async def cross_form(request: Form, state: State, work: CurrentWork) -> Template | Response[Any]:
    """Assign a cross inspection from a host county's page."""
    require_city(work.tenant)
    host = ""
    try:
        data = await parse_form(request, CrossForm)
        host = data.host_county
        counties = await known_counties(work, runtime_of(state).tenants)
        await cross.assign_cross(work, cross.CrossIn(
            team_county=data.team_county, host_county=data.host_county, title=data.title,
            org_ids=data.org_ids, round_label=data.round_label,
            members=members_of(data.members)), counties)
    except DomainError as exc:
        errors, status = refusal_of(exc)
        try:
            context = await _county_context(state, work, host, errors=errors)
        except DomainError:
            return Template("elevated_cross/overview.html", status_code=status,
                            context=await _overview(state, work, errors=errors))
        return Template("elevated_cross/county.html", context=context, status_code=status)
    return done(request, f"/t/{work.tenant.code}/elevated-cross")


@post(f"{BASE}/cross/{{cross_id:int}}/decision", opt={"action": "elevated_cross:decide"},
      include_in_schema=False, status_code=200)
async def decision_form(request: Form, state: State, work: CurrentWork,
                        cross_id: Id) -> Template | Response[Any]:
    """The host county accepts or declines from its overview."""
    try:
        data = await parse_form(request, DecisionForm)
        if data.decision not in ("accept", "decline"):
            raise Invalid.on("decision", "请选择同意或拒绝")
        await cross.decide_cross(work, cross_id, cross.DecisionIn(
            accept=data.decision == "accept", reason=data.reason,
            members=members_of(data.members)), runtime_of(state))
    except DomainError as exc:
        errors, status = refusal_of(exc)
        return Template("elevated_cross/overview.html", status_code=status,
                        context=await _overview(state, work, errors=errors))
    return done(request, f"/t/{work.tenant.code}/elevated-cross")


class ReasonForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A cancellation's reason."""

    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


class ResubmitForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Submitting a declined assignment again (people typed as in the cross form)."""

    members: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class EmptyForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A button's form (its CSRF field only)."""


@post(f"{BASE}/elevated/{{elevated_id:int}}/cancel", opt={"action": "elevated_cross:write"},
      include_in_schema=False, status_code=200)
async def cancel_elevated_form(request: Form, state: State, work: CurrentWork,
                               elevated_id: Id) -> Template | Response[Any]:
    """Cancel an elevated inspection from its page, with a reason."""
    try:
        data = await parse_form(request, ReasonForm)
        await elevated.cancel_elevated(work, elevated_id, elevated.CancelIn(reason=data.reason))
    except DomainError as exc:
        errors, status = refusal_of(exc)
        return Template("elevated_cross/elevated.html", status_code=status,
                        context=await _detail_context(state, work, elevated_id, errors=errors))
    return done(request, f"/t/{work.tenant.code}/elevated-cross/elevated/{elevated_id}")


@post(f"{BASE}/cross/{{cross_id:int}}/resubmit", opt={"action": "elevated_cross:write"},
      include_in_schema=False, status_code=200)
async def resubmit_form(request: Form, state: State, work: CurrentWork,
                        cross_id: Id) -> Template | Response[Any]:
    """Submit a declined assignment again from the city's board."""
    require_city(work.tenant)
    try:
        data = await parse_form(request, ResubmitForm)
        counties = await known_counties(work, runtime_of(state).tenants)
        await cross.resubmit_cross(work, cross_id, cross.ResubmitIn(
            members=members_of(data.members) if data.members.strip() else None,
            note=data.note), counties)
    except DomainError as exc:
        errors, status = refusal_of(exc)
        return Template("elevated_cross/overview.html", status_code=status,
                        context=await _overview(state, work, errors=errors))
    return done(request, f"/t/{work.tenant.code}/elevated-cross")


@post(f"{BASE}/cross/{{cross_id:int}}/cancel", opt={"action": "elevated_cross:write"},
      include_in_schema=False, status_code=200)
async def cancel_cross_form(request: Form, state: State, work: CurrentWork,
                            cross_id: Id) -> Template | Response[Any]:
    """Cancel an assignment from the city's board, with a reason."""
    require_city(work.tenant)
    try:
        data = await parse_form(request, ReasonForm)
        counties = await known_counties(work, runtime_of(state).tenants)
        await cross.cancel_cross(work, cross_id, cross.CancelIn(reason=data.reason), counties)
    except DomainError as exc:
        errors, status = refusal_of(exc)
        return Template("elevated_cross/overview.html", status_code=status,
                        context=await _overview(state, work, errors=errors))
    return done(request, f"/t/{work.tenant.code}/elevated-cross")


@post(f"{BASE}/cross/{{cross_id:int}}/guests/{{cross_guest_id:int}}/password",
      opt={"action": "elevated_cross:guests"}, include_in_schema=False, status_code=200)
async def guest_password_form(request: Form, state: State, work: CurrentWork, cross_id: Id,
                              cross_guest_id: Id) -> Template:
    """Issue a guest's one-time sign-in password; the page shows it once (not cached)."""
    try:
        await parse_form(request, EmptyForm)
        issued = await guests.issue_password(work, runtime_of(state), cross_id, cross_guest_id)
    except DomainError as exc:
        errors, status = refusal_of(exc)
        return Template("elevated_cross/overview.html", status_code=status,
                        context=await _overview(state, work, errors=errors))
    return Template("elevated_cross/guest_password.html", headers={"Cache-Control": "no-store"},
                    context=await page_context(state, work.tenant, issued=issued))


@post(f"{BASE}/elevated/{{elevated_id:int}}/clues", opt={"action": "elevated_cross:write"},
      include_in_schema=False, status_code=200)
async def clue_form(request: Form, state: State, work: CurrentWork,
                    elevated_id: Id) -> Template | Response[Any]:
    """Record a clue from the detail page."""
    try:
        data = await parse_form(request, elevated_clues.ClueIn)
        await elevated_clues.record_clue(work, elevated_id, data)
    except DomainError as exc:
        errors, status = refusal_of(exc)
        return Template("elevated_cross/elevated.html", status_code=status,
                        context=await _detail_context(state, work, elevated_id, errors=errors))
    return done(request, f"/t/{work.tenant.code}/elevated-cross/elevated/{elevated_id}")


@post(f"{BASE}/elevated/{{elevated_id:int}}/clues/{{elevated_clue_id:int}}/referral",
      opt={"action": "elevated_cross:write"}, include_in_schema=False, status_code=200)
async def refer_form(request: Form, state: State, work: CurrentWork, elevated_id: Id,
                     elevated_clue_id: Id) -> Template | Response[Any]:
    """Refer a clue to the city's discipline body from the detail page."""
    try:
        await parse_form(request, EmptyForm)
        await elevated_clues.refer_clue(work, elevated_id, elevated_clue_id)
    except DomainError as exc:
        errors, status = refusal_of(exc)
        return Template("elevated_cross/elevated.html", status_code=status,
                        context=await _detail_context(state, work, elevated_id, errors=errors))
    return done(request, f"/t/{work.tenant.code}/elevated-cross/elevated/{elevated_id}")


elevated_cross_pages: list[Any] = [overview_page, county_page, plan_form, elevated_page,
                                   finding_form, handover_form, allow_form, verify_form,
                                   cross_form, decision_form, cancel_elevated_form,
                                   resubmit_form, cancel_cross_form, guest_password_form,
                                   clue_form, refer_form]
"""Every page handler of the plugin."""
