"""The team page (组建巡察组): members, recusal declarations and the team's authorisation.

Writes call the services of the JSON API (:mod:`core.inspection.team`). Before
a person is added, the recusal conflicts the tenant's plugins name
(``xuncha_recusal_conflicts``) can be checked (``/team/check``, nothing is
written); a conflicted person joins only with an exception approved by an
office admin (``team:override_recusal``), whose field only such a user sees.
The team is authorised for this inspection only (一次一授权) when the
inspection enters 组建授权; the page shows what still stands in the way and
each member's grant.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Template

from core.contributions import CadreAppraisal, RecusalConflict
from core.errors import Forbidden, Invalid
from core.inspection import team
from core.inspection.common import load_inspection
from core.inspection.inspections import EDITABLE
from core.inspection.model import STAGE_LABELS, TEAM_ROLE_LABELS, Stage, TeamRole
from core.inspection.recusal import OVERRIDE_ACTION, RecusalOverride
from core.inspection.stages import grant_end
from core.inspection.tables import InspectionTarget
from core.inspection.team import MemberIn, MemberPatch
from core.runtime import runtime_of
from core.web.deps import CurrentWork
from core.web.guard import also_requires
from core.web.pages.formpage import posted_values
from core.web.pages.forms import FormErrors, done, form_errors, is_htmx, may, parse_form
from core.web.pages.home import page_context
from core.web.pages.views import moment, org_names, stage_badge
from core.web.params import Id
from core.work import Work

__all__ = ["MemberEditForm", "MemberForm", "team_pages"]

APPRAISALS_HOOK = "xuncha_cadre_appraisals"
"""Plugins answer the appraisals of the team's members after the round (考核结果)."""
CHECK_BOX = "recusal-check"
"""The id of the box the recusal check fills when it runs by itself."""
Person = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[\w.@-]+$")]


class MemberForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A person joining the team; ``recusal_override`` is the office admin's written reason."""

    person: Person
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    role: TeamRole
    home_tenant: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    home_unit: Annotated[str, msgspec.Meta(max_length=200)] = ""
    recusal_declared: bool = False
    recusal_override: Annotated[str, msgspec.Meta(max_length=1000)] = ""

    def member_in(self) -> MemberIn:
        """The service's input."""
        return MemberIn(
            person=self.person, name=self.name, role=self.role, home_tenant=self.home_tenant,
            home_unit=self.home_unit, recusal_declared=self.recusal_declared,
            recusal_override=(RecusalOverride(justification=self.recusal_override)
                              if self.recusal_override else None))


class MemberEditForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A member's role, unit and recusal declaration."""

    role: TeamRole
    home_unit: Annotated[str, msgspec.Meta(max_length=200)] = ""
    recusal_declared: bool = False


async def _approve(request: Request[Any, Any, Any]) -> None:
    """Refuse (403, beside the reason field) unless the user may approve an exception."""
    if not await may(request, OVERRIDE_ACTION):
        raise Forbidden.on("recusal_override", "只有巡察办主任可以批准回避例外")


def _blockers(insp: dict[str, Any], members: list[Any], targets: int) -> list[str]:
    """What keeps the team from being authorised (the stage move checks the same)."""
    current = [m for m in members if m.released_at is None]
    out = []
    if not targets:
        out.append("尚未确定被巡察对象")
    if len([m for m in current if m.role == TeamRole.leader.value]) != 1:
        out.append("巡察组须有且仅有一名组长")
    undeclared = [m.name for m in current if not m.recusal_declared]
    if undeclared:
        out.append(f"以下人员尚未提交回避声明：{'、'.join(undeclared)}")
    if insp["onsite_start"] is None:
        out.append("尚未确定进驻日期")
    return out


async def _context(request: Request[Any, Any, Any], work: Work, inspection_id: int, *,
                   errors: FormErrors | None = None, values: dict[str, Any] | None = None,
                   member_errors: dict[int, FormErrors] | None = None,
                   conflicts: list[RecusalConflict] | None = None,
                   checked: bool = False) -> dict[str, Any]:
    insp = await load_inspection(work.session, inspection_id)
    members = await team.list_team(work.session, inspection_id)
    targets = await work.session.list(InspectionTarget, {"inspection_id": inspection_id},
                                      limit=None)
    names = await org_names(work, {t["org_id"] for t in targets})
    tenants = {t.code: t.name for t in await runtime_of(request.app.state).tenants.all()}
    planned = insp["stage"] == Stage.planned.value
    end = grant_end(work, insp)
    now = work.clock.now()
    may_override = await may(request, OVERRIDE_ACTION)
    appraisals = await _appraisals(work, inspection_id)
    if errors is not None and not may_override:  # the field is not shown: say it above
        errors.general.extend(errors.by_field.pop("recusal_override", []))
    return {
        "insp": insp, "badge": stage_badge(insp["stage"]),
        "targets": [names.get(t["org_id"], "") for t in targets],
        "members": [{**msgspec.structs.asdict(m), "home": tenants.get(m.home_tenant,
                                                                      m.home_tenant),
                     "authorized": moment(m.authorized_at), "released": moment(m.released_at),
                     "active": m.released_at is None or m.released_at > now}
                    for m in members],
        "roles": [(r.value, TEAM_ROLE_LABELS[r]) for r in TeamRole],
        "role_labels": {r.value: label for r, label in TEAM_ROLE_LABELS.items()},
        "stage_editable": Stage(insp["stage"]) in EDITABLE,
        "editable": Stage(insp["stage"]) in EDITABLE and await may(request, "team:write"),
        "planned": planned,
        "blockers": _blockers(insp, members, len(targets)) if planned else [],
        "grant_until": moment(end) if end else "",
        "authorized_label": STAGE_LABELS[Stage.authorized],
        "may_override": may_override,
        "may_advance": await may(request, "inspection:advance"),
        "errors": errors, "values": values or {"role": "member"},
        "member_errors": member_errors or {}, "conflicts": conflicts or [],
        "checked": checked, "appraisals": appraisals,
    }


async def _appraisals(work: Work, inspection_id: int) -> list[dict[str, Any]]:
    """The appraisals of the team's members the tenant's plugins keep (none: not yet)."""
    found = await work.plugins.gather(APPRAISALS_HOOK, work.tenant.plugins, work=work,
                                      inspection_id=inspection_id)
    return [{**msgspec.structs.asdict(a), "when": moment(a.appraised_at)}
            for a in found if isinstance(a, CadreAppraisal)]


async def _answer(request: Request[Any, Any, Any], state: State, work: Work,
                  inspection_id: int, status: int = 200, **extra: Any) -> Template:
    context = await _context(request, work, inspection_id, **extra)
    if is_htmx(request):
        return Template("inspection/team_body.html", status_code=status,
                        context={"tenant": work.tenant, **context})
    return Template("inspection/team.html", status_code=status,
                    context=await page_context(state, work.tenant, **context))


@get("/t/{tenant:str}/inspections/{inspection_id:int}/team", opt={"action": "page:view"},
     include_in_schema=False, guards=[also_requires("inspection:read")])
async def team_page(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                    inspection_id: Id) -> Template:
    """The team with its recusal declarations and grants, and the forms to change it."""
    context = await _context(request, work, inspection_id)
    return Template("inspection/team.html", context=await page_context(state, work.tenant,
                                                                        **context))


@post("/t/{tenant:str}/inspections/{inspection_id:int}/team", opt={"action": "team:write"},
      include_in_schema=False, status_code=200)
async def member_add(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                     inspection_id: Id) -> Response[Any] | Template:
    """Add a person to the team; conflicts refuse with every reason beside the person."""
    await load_inspection(work.session, inspection_id)
    runtime = runtime_of(state)
    try:
        data = await parse_form(request, MemberForm)
        await team.add_member(work, inspection_id, data.member_in(), db=runtime.db,
                              tenants=runtime.tenants,
                              approve_override=lambda: _approve(request))
    except (Invalid, Forbidden) as exc:
        errors = form_errors(exc, MemberForm)
        return await _answer(request, state, work, inspection_id, errors.status,
                             errors=errors, values=await posted_values(request))
    return done(request, f"/t/{work.tenant.code}/inspections/{inspection_id}/team")


@post("/t/{tenant:str}/inspections/{inspection_id:int}/team/check",
      opt={"action": "team:write"}, include_in_schema=False, status_code=200)
async def member_check(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                       inspection_id: Id) -> Template:
    """The recusal conflicts of the person typed into the form (nothing is written)."""
    insp = await load_inspection(work.session, inspection_id)
    runtime = runtime_of(state)
    values = await posted_values(request)
    only_box = is_htmx(request) and request.headers.get("hx-target") == CHECK_BOX
    try:
        data = await parse_form(request, MemberForm)
        conflicts = await team.candidate_conflicts(work, inspection_id, data.member_in(),
                                                   db=runtime.db, tenants=runtime.tenants)
    except Invalid as exc:
        if only_box:  # checked by itself while the form is being filled: no result yet
            return _check_box(work, insp, values, [], checked=False, may_override=False)
        errors = form_errors(exc, MemberForm)
        return await _answer(request, state, work, inspection_id, errors.status,
                             errors=errors, values=values)
    if only_box:
        return _check_box(work, insp, values, conflicts, checked=True,
                          may_override=await may(request, OVERRIDE_ACTION))
    return await _answer(request, state, work, inspection_id, values=values,
                         conflicts=conflicts, checked=True)


def _check_box(work: Work, insp: dict[str, Any], values: dict[str, Any],
               conflicts: list[RecusalConflict], *, checked: bool,
               may_override: bool) -> Template:
    """The recusal check box alone (``recusal_check.html``)."""
    return Template("inspection/recusal_check.html", context={
        "tenant": work.tenant, "insp": insp, "values": values, "conflicts": conflicts,
        "checked": checked, "may_override": may_override})


@post("/t/{tenant:str}/inspections/{inspection_id:int}/team/{member_id:int}",
      opt={"action": "team:write"}, include_in_schema=False, status_code=200)
async def member_update(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                        inspection_id: Id, member_id: Id) -> Response[Any] | Template:
    """Change a member's role, unit or recusal declaration."""
    await load_inspection(work.session, inspection_id)
    try:
        data = await parse_form(request, MemberEditForm)
        await team.update_member(work, inspection_id, member_id, MemberPatch(
            role=data.role, home_unit=data.home_unit, recusal_declared=data.recusal_declared))
    except Invalid as exc:
        errors = form_errors(exc, MemberEditForm)
        return await _answer(request, state, work, inspection_id, errors.status,
                             member_errors={member_id: errors})
    return done(request, f"/t/{work.tenant.code}/inspections/{inspection_id}/team")


@post("/t/{tenant:str}/inspections/{inspection_id:int}/team/{member_id:int}/remove",
      opt={"action": "team:write"}, include_in_schema=False, status_code=200)
async def member_remove(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                        inspection_id: Id, member_id: Id) -> Response[Any] | Template:
    """Take a person off the team (an authorised person's access ends now)."""
    await load_inspection(work.session, inspection_id)
    try:
        await team.remove_member(work, inspection_id, member_id)
    except Invalid as exc:
        errors = form_errors(exc, ())
        return await _answer(request, state, work, inspection_id, errors.status,
                             member_errors={member_id: errors})
    return done(request, f"/t/{work.tenant.code}/inspections/{inspection_id}/team")


team_pages: list[Any] = [team_page, member_add, member_check, member_update, member_remove]
"""Every handler of the team page."""
