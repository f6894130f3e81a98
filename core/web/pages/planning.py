"""Planning pages: terms (届), term and yearly plans, rounds (轮次), with their forms.

Every write calls the service the JSON API calls (:mod:`core.inspection.rounds`);
a refusal comes back next to its field (:mod:`core.web.pages.forms`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Template

from core.errors import Invalid
from core.inspection import rounds
from core.inspection.model import PLAN_KIND_LABELS, PlanKind
from core.inspection.rounds import (
    PlanIn,
    PlanPatch,
    RoundIn,
    RoundPatch,
    TermIn,
    TermPatch,
)
from core.inspection.tables import Plan, Round, Term
from core.web.deps import CurrentWork
from core.web.guard import also_requires
from core.web.pages.formpage import posted_values, render_form
from core.web.pages.forms import done, form_errors, may, parse_form
from core.web.pages.home import page_context
from core.web.params import Id
from core.work import Work

__all__ = ["PlanEditForm", "RoundEditForm", "planning_pages"]

UNSET: Any = msgspec.UNSET


class PlanEditForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The plan edit form: a blank approval date clears it."""

    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    rounds_planned: Annotated[int, msgspec.Meta(ge=1, le=12)] | None = None
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    approved_on: date | None = None


class RoundEditForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The round edit form: blank dates clear them."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    start_date: date | None = None
    end_date: date | None = None


class TermEditForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The term edit form (a term always has both dates)."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    start_date: date
    end_date: date


async def _choices(work: Work) -> dict[str, Any]:
    """Terms and plans for the selects of the forms."""
    terms = await work.session.list(Term, order_by=("-start_date", "id"), limit=None)
    plans = await work.session.list(Plan, order_by=("kind", "year", "id"), limit=None)
    return {
        "term_options": [(t["id"], t["name"]) for t in terms],
        "plan_options": [(p["id"], p["title"]) for p in plans],
        "plan_kinds": [(k.value, PLAN_KIND_LABELS[k]) for k in PlanKind],
    }


def _row_values(row: dict[str, Any]) -> dict[str, Any]:
    return {k: ("" if v is None else v) for k, v in row.items()}


# ---------------------------------------------------------------- terms and plans


@get("/t/{tenant:str}/plans", opt={"action": "page:view"}, include_in_schema=False,
     guards=[also_requires("plan:read")])
async def plans_page(request: Request[Any, Any, Any], state: State,
                     work: CurrentWork) -> Template:
    """Terms with their term and yearly plans, and the forms to add both."""
    terms = await rounds.list_terms(work.session)
    plans = await rounds.list_plans(work.session)
    counts: dict[int, int] = {}
    for r in await work.session.list(Round, limit=None):
        if r["plan_id"] is not None:
            counts[r["plan_id"]] = counts.get(r["plan_id"], 0) + 1
    by_term: dict[int, list[Any]] = {t.id: [] for t in terms}
    for p in plans:
        by_term.setdefault(p.term_id, []).append(p)
    context = await page_context(state, work.tenant, terms=terms, by_term=by_term,
                                 round_counts=counts, **await _choices(work),
                                 term_values={}, plan_values={}, term_errors=None,
                                 plan_errors=None, may_plan=await may(request, "plan:write"))
    return Template("planning/plans.html", context=context)


@post("/t/{tenant:str}/terms", opt={"action": "plan:write"}, include_in_schema=False,
      status_code=200)
async def term_create(request: Request[Any, Any, Any], state: State,
                      work: CurrentWork) -> Response[Any] | Template:
    """Open a term."""
    try:
        data = await parse_form(request, TermIn)
        await rounds.create_term(work, data)
    except Invalid as exc:
        return await render_form(
            request, state, work, "planning/term_form.html", "新建届",
            status=form_errors(exc, TermIn).status, errors=form_errors(exc, TermIn),
            values=await posted_values(request), term=None, back=f"/t/{work.tenant.code}/plans")
    return done(request, f"/t/{work.tenant.code}/plans")


@get("/t/{tenant:str}/terms/{term_id:int}/edit", opt={"action": "plan:write"},
     include_in_schema=False)
async def term_edit_page(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                         term_id: Id) -> Template:
    """The form to rename a term or change its dates."""
    term = await rounds.read_term(work.session, term_id)
    return await render_form(request, state, work, "planning/term_form.html", "修改届",
                             errors=None, values=msgspec.to_builtins(term), term=term,
                             back=f"/t/{work.tenant.code}/plans")


@post("/t/{tenant:str}/terms/{term_id:int}", opt={"action": "plan:write"},
      include_in_schema=False, status_code=200)
async def term_update(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                      term_id: Id) -> Response[Any] | Template:
    """Save a term's name and dates."""
    term = await rounds.read_term(work.session, term_id)
    try:
        data = await parse_form(request, TermEditForm)
        await rounds.update_term(work, term_id, TermPatch(
            name=data.name, start_date=data.start_date, end_date=data.end_date))
    except Invalid as exc:
        errors = form_errors(exc, TermEditForm)
        return await render_form(request, state, work, "planning/term_form.html", "修改届",
                                 status=errors.status, errors=errors,
                                 values=await posted_values(request), term=term,
                                 back=f"/t/{work.tenant.code}/plans")
    return done(request, f"/t/{work.tenant.code}/plans")


@post("/t/{tenant:str}/plans", opt={"action": "plan:write"}, include_in_schema=False,
      status_code=200)
async def plan_create(request: Request[Any, Any, Any], state: State,
                      work: CurrentWork) -> Response[Any] | Template:
    """Add a term plan or a yearly plan."""
    try:
        data = await parse_form(request, PlanIn)
        await rounds.create_plan(work, data)
    except Invalid as exc:
        errors = form_errors(exc, PlanIn)
        return await render_form(request, state, work, "planning/plan_form.html", "新建计划",
                                 status=errors.status, errors=errors,
                                 values=await posted_values(request), plan=None,
                                 back=f"/t/{work.tenant.code}/plans", **await _choices(work))
    return done(request, f"/t/{work.tenant.code}/plans")


@get("/t/{tenant:str}/plans/{plan_id:int}/edit", opt={"action": "plan:write"},
     include_in_schema=False)
async def plan_edit_page(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                         plan_id: Id) -> Template:
    """The form to change a plan's title, rounds, note or approval date."""
    plan = await rounds.read_plan(work.session, plan_id)
    return await render_form(request, state, work, "planning/plan_form.html", "修改计划",
                             errors=None, values=_row_values(msgspec.to_builtins(plan)),
                             plan=plan, back=f"/t/{work.tenant.code}/plans",
                             **await _choices(work))


@post("/t/{tenant:str}/plans/{plan_id:int}", opt={"action": "plan:write"},
      include_in_schema=False, status_code=200)
async def plan_update(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                      plan_id: Id) -> Response[Any] | Template:
    """Save a plan."""
    plan = await rounds.read_plan(work.session, plan_id)
    try:
        data = await parse_form(request, PlanEditForm)
        await rounds.update_plan(work, plan_id, PlanPatch(
            title=data.title, note=data.note, approved_on=data.approved_on,
            rounds_planned=data.rounds_planned if data.rounds_planned is not None else UNSET))
    except Invalid as exc:
        errors = form_errors(exc, PlanEditForm)
        return await render_form(request, state, work, "planning/plan_form.html", "修改计划",
                                 status=errors.status, errors=errors,
                                 values=await posted_values(request), plan=plan,
                                 back=f"/t/{work.tenant.code}/plans", **await _choices(work))
    return done(request, f"/t/{work.tenant.code}/plans")


# ---------------------------------------------------------------- rounds


@get("/t/{tenant:str}/rounds/new", opt={"action": "plan:write"}, include_in_schema=False)
async def round_new_page(request: Request[Any, Any, Any], state: State,
                         work: CurrentWork) -> Template:
    """The form to add a round."""
    choices = await _choices(work)
    values: dict[str, Any] = {"year": work.clock.today().year}
    if choices["term_options"]:
        values["term_id"] = choices["term_options"][0][0]
    return await render_form(request, state, work, "planning/round_form.html", "新建巡察轮次",
                             errors=None, values=values, round=None,
                             back=f"/t/{work.tenant.code}/rounds", **choices)


@post("/t/{tenant:str}/rounds", opt={"action": "plan:write"}, include_in_schema=False,
      status_code=200)
async def round_create(request: Request[Any, Any, Any], state: State,
                       work: CurrentWork) -> Response[Any] | Template:
    """Add a round."""
    try:
        data = await parse_form(request, RoundIn)
        made = await rounds.create_round(work, data)
    except Invalid as exc:
        errors = form_errors(exc, RoundIn)
        return await render_form(request, state, work, "planning/round_form.html",
                                 "新建巡察轮次", status=errors.status, errors=errors,
                                 values=await posted_values(request), round=None,
                                 back=f"/t/{work.tenant.code}/rounds", **await _choices(work))
    return done(request, f"/t/{work.tenant.code}/rounds?year={made.year}")


@get("/t/{tenant:str}/rounds/{round_id:int}/edit", opt={"action": "plan:write"},
     include_in_schema=False)
async def round_edit_page(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                          round_id: Id) -> Template:
    """The form to rename a round or change its dates."""
    found = await rounds.read_round(work.session, round_id)
    return await render_form(request, state, work, "planning/round_form.html", "修改巡察轮次",
                             errors=None, values=_row_values(msgspec.to_builtins(found)),
                             round=found, back=f"/t/{work.tenant.code}/rounds",
                             **await _choices(work))


@post("/t/{tenant:str}/rounds/{round_id:int}", opt={"action": "plan:write"},
      include_in_schema=False, status_code=200)
async def round_update(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                       round_id: Id) -> Response[Any] | Template:
    """Save a round's name and dates."""
    found = await rounds.read_round(work.session, round_id)
    try:
        data = await parse_form(request, RoundEditForm)
        await rounds.update_round(work, round_id, RoundPatch(
            name=data.name, start_date=data.start_date, end_date=data.end_date))
    except Invalid as exc:
        errors = form_errors(exc, RoundEditForm)
        return await render_form(request, state, work, "planning/round_form.html",
                                 "修改巡察轮次", status=errors.status, errors=errors,
                                 values=await posted_values(request), round=found,
                                 back=f"/t/{work.tenant.code}/rounds", **await _choices(work))
    return done(request, f"/t/{work.tenant.code}/rounds?year={found.year}")


planning_pages: list[Any] = [
    plans_page, term_create, term_edit_page, term_update, plan_create, plan_edit_page,
    plan_update, round_new_page, round_create, round_edit_page, round_update,
]
"""Every page handler of planning."""
