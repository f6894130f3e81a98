"""Pages of village coverage (Chinese, server-rendered): progress, planner, city roll-up.

Forms post URL-encoded bodies and are redirected back (303) with a fixed
notice after success; a refusal shows the page again with every reason and
the refusal's status. Charts are inline SVG drawn on the server.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State as AppState
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Template

from core.api import (
    READ_CACHE_SECONDS,
    CurrentWork,
    FieldError,
    Id,
    IdField,
    Invalid,
    MenuItem,
    Work,
    data_version,
    done,
    etag_of,
    form_errors,
    is_htmx,
    list_terms,
    live_headers,
    not_modified,
    page_context,
    parse_form,
    refusal_of,
    require_action,
    runtime_of,
    translate,
    unchanged,
)
from plugins.village_coverage import service
from plugins.village_coverage.api import CountyCode, require_city
from plugins.village_coverage.charts import rate_chart, year_chart
from plugins.village_coverage.directives import (
    DIRECTIVE_KINDS,
    DirectiveIn,
    apply_directive,
    issue_directive,
    list_directives,
)
from plugins.village_coverage.model import (
    CLASSIFICATION_LABELS,
    MODE_LABELS,
    POPULATION_LABELS,
    Classification,
    Mode,
)
from plugins.village_coverage.rollup import rollup
from plugins.village_coverage.service import EntryChange, TargetChange
from plugins.village_coverage.status import current_term, load_coverage
from plugins.village_coverage.tables import CoverageCountyReport, CoverageDirective
from plugins.village_coverage.views import directive_out, plan_out, progress_out

__all__ = ["coverage_pages", "menu_items"]

TermQuery = Annotated[str, QueryParameter(max_length=12)]
Done = Annotated[str, QueryParameter(max_length=16)]

NOTICES = {
    "propose": "已按规则生成建议方案，可在下方逐个调整。",
    "entry": "已调整计划。",
    "created": "已按规划创建本轮巡察任务，请到“巡察轮次”中组建巡察组。",
    "target": "已保存对象分类和巡察方式。",
    "directive": "已下发全覆盖工作指示。",
    "applied": "已应用上级指示：相关村（社区）已标为重点村。",
}


class TermForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A form naming the term."""

    term_id: int


class EntryForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Move orgs (one, or those ticked in a township's group) to a round (``slot``
    ``2025-2``) or out of the plan (empty)."""

    term_id: IdField
    org_id: Annotated[list[IdField],
                      msgspec.Meta(min_length=1, max_length=2000)]
    slot: Annotated[str, msgspec.Meta(max_length=16)] = ""


class SlotForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Create the inspections of one round."""

    term_id: int
    slot: Annotated[str, msgspec.Meta(max_length=16)]


class TargetForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Classify a village and set its mode."""

    term_id: int
    org_id: int
    classification: Annotated[str, msgspec.Meta(max_length=16)]
    mode: Annotated[str, msgspec.Meta(max_length=32)] = ""


class DirectiveForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A directive to one county; codes separated by commas, spaces or lines."""

    county: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    kind: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    village_codes: Annotated[str, msgspec.Meta(min_length=1, max_length=20000)]
    body: Annotated[str, msgspec.Meta(max_length=5000)] = ""


_FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
TermBody = Annotated[TermForm, _FORM]
SlotBody = Annotated[SlotForm, _FORM]
TargetBody = Annotated[TargetForm, _FORM]


def menu_items(tenant: Any) -> list[MenuItem]:
    """County: progress and planner; city: the roll-up."""
    if tenant.parent_code:
        return [MenuItem(label="村居全覆盖", path="coverage", order=40),
                MenuItem(label="全覆盖规划", path="coverage/plan", order=41)]
    return [MenuItem(label="全覆盖汇总", path="coverage/counties", order=40)]


async def _term(work: Work, raw: str) -> dict[str, Any] | None:
    raw = raw.strip()
    if not raw:
        return await current_term(work)
    if not raw.isdigit():
        raise Invalid([FieldError("term_id", "届编号无效", "query")])
    return await service.load_term(work, int(raw))


async def _terms(work: Work) -> list[dict[str, Any]]:
    return await list_terms(work.session, newest_first=True)


async def _progress_context(state: AppState, work: Work, term: dict[str, Any] | None,
                            **extra: Any) -> dict[str, Any]:
    progress = progress_out(await load_coverage(work, term)) if term else None
    directives = [directive_out(r) for r in await list_directives(work)]
    return await page_context(
        state, work.tenant, progress=progress, terms=await _terms(work), term=term,
        directives=directives, population_labels=POPULATION_LABELS, **extra)


@get("/t/{tenant:str}/coverage", opt={"action": "coverage:read"}, include_in_schema=False,
     cache=READ_CACHE_SECONDS)
async def progress_page(state: AppState, work: CurrentWork, term_id: TermQuery = "",
                        done: Done = "") -> Template:
    """村居全覆盖: rates, years, townships, orgs at risk, directives received."""
    context = await _progress_context(state, work, await _term(work, term_id),
                                      notice=NOTICES.get(done, ""), errors=[])
    return Template("village_coverage/progress.html", context=context)


async def _plan_context(state: AppState, work: Work, term: dict[str, Any] | None,
                        **extra: Any) -> dict[str, Any]:
    plan = plan_out(await load_coverage(work, term)) if term else None
    return await page_context(
        state, work.tenant, plan=plan, terms=await _terms(work), term=term,
        classes=list(CLASSIFICATION_LABELS.items()), modes=list(MODE_LABELS.items()), **extra)


@get("/t/{tenant:str}/coverage/plan", opt={"action": "coverage:read"}, include_in_schema=False)
async def plan_page(state: AppState, work: CurrentWork, term_id: TermQuery = "",
                    done: Done = "") -> Template:
    """全覆盖规划: the rounds of the term with their orgs; propose, adjust, create."""
    context = await _plan_context(state, work, await _term(work, term_id),
                                  notice=NOTICES.get(done, ""), errors=[])
    return Template("village_coverage/plan.html", context=context)


async def _plan_action(state: AppState, work: Work, term_id: int, done: str,
                       action: Any) -> Template | Redirect:
    term = await service.load_term(work, term_id)
    try:
        await action(term)
    except Invalid as exc:
        context = await _plan_context(state, work, term, errors=[e.message for e in exc.errors],
                                      notice="")
        return Template("village_coverage/plan.html", context=context,
                        status_code=refusal_of(exc)[1])
    return Redirect(f"/t/{work.tenant.code}/coverage/plan?term_id={term_id}&done={done}",
                    status_code=303)


@post("/t/{tenant:str}/coverage/plan/propose", opt={"action": "coverage:plan"},
      include_in_schema=False, status_code=200)
async def propose_form(state: AppState, work: CurrentWork,
                       data: TermBody) -> Template | Redirect:
    """Replace the unfixed plan with a new proposal."""
    return await _plan_action(state, work, data.term_id, "propose",
                              lambda term: service.propose_plan(work, term))


@post("/t/{tenant:str}/coverage/plan/entries", opt={"action": "coverage:plan"},
      include_in_schema=False, status_code=200)
async def entry_form(request: Request[Any, Any, Any], state: AppState,
                     work: CurrentWork) -> Template | Redirect:
    """Move orgs to another round, or out of the plan: one, or a township's ticked rows."""
    try:
        data = await parse_form(request, EntryForm)
    except Invalid as exc:
        context = await _plan_context(state, work, await current_term(work),
                                      errors=refusal_of(exc)[0], notice="")
        return Template("village_coverage/plan.html", context=context, status_code=400)
    slot = data.slot.strip() or None
    changes = [EntryChange(org_id=org_id, slot=slot) for org_id in dict.fromkeys(data.org_id)]
    return await _plan_action(state, work, data.term_id, "entry",
                              lambda term: service.set_entries(work, term, changes))


@post("/t/{tenant:str}/coverage/plan/inspections", opt={"action": "coverage:schedule"},
      include_in_schema=False, status_code=200)
async def inspections_form(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                           data: SlotBody) -> Template | Redirect:
    """Create the round's inspections from the plan."""
    await require_action(request, "inspection:write")
    return await _plan_action(state, work, data.term_id, "created",
                              lambda term: service.create_round_inspections(work, term,
                                                                            data.slot))


@post("/t/{tenant:str}/coverage/targets", opt={"action": "coverage:plan"},
      include_in_schema=False, status_code=200)
async def target_form(state: AppState, work: CurrentWork,
                      data: TargetBody) -> Template | Redirect:
    """Classify a village and set its mode (empty mode: the class's default)."""
    errors = []
    if data.classification not in Classification.__members__:
        errors.append(FieldError("classification", "分类应为重点村、关注村或一般村"))
    if data.mode and data.mode not in Mode.__members__:
        errors.append(FieldError("mode", "巡察方式无效"))

    async def change(term: dict[str, Any]) -> None:
        if errors:
            raise Invalid(errors)
        values: dict[str, Any] = {"classification": Classification(data.classification)}
        if data.mode:
            values["mode"] = Mode(data.mode)
        await service.update_target(work, term, data.org_id, TargetChange(**values))

    return await _plan_action(state, work, data.term_id, "target", change)


async def _rollup_etag(request: Request[Any, Any, Any], state: AppState, work: Work) -> str:
    """The roll-up's ETag: the reports and directives held, the counties registered, today."""
    version = await data_version(work.session, {
        CoverageCountyReport: ("received_at", "version"), CoverageDirective: ("id",)})
    counties = sorted((t.code, t.name, t.plugins) for t in await runtime_of(state).tenants.all()
                      if t.parent_code == work.tenant.code or t.parent_id == work.tenant.id)
    return etag_of(request, version, counties, work.clock.today())


@get("/t/{tenant:str}/coverage/counties", opt={"action": "coverage:rollup"},
     include_in_schema=False)
async def rollup_page(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                      done: Done = "") -> Template | Response[bytes]:
    """全市巡察全覆盖汇总: a table and a chart per county; htmx polls it (304 while no
    report arrived)."""
    require_city(work)
    etag = await _rollup_etag(request, state, work)
    if unchanged(request, etag):
        return not_modified(etag)
    found = await rollup(work, runtime_of(state))
    years = found.years()
    context = await page_context(
        state, work.tenant, rollup=found, chart=rate_chart(found.counties),
        sparks={c.code: year_chart(c, years) for c in found.counties}, years=years,
        population_labels=POPULATION_LABELS, notice=NOTICES.get(done, ""),
        names={c.code: c.name for c in found.counties},
        directives=[directive_out(r) for r in await list_directives(work)])
    name = ("village_coverage/rollup_live.html" if is_htmx(request)
            else "village_coverage/rollup.html")
    return Template(name, context=context, headers=live_headers(etag))


async def _county_context(state: AppState, work: Work, county: str, **extra: Any
                          ) -> dict[str, Any]:
    found = await rollup(work, runtime_of(state))
    match = next((c for c in found.counties if c.code == county), None)
    if match is None:
        raise NotFoundException(f"{county[:64]} 不是本机构的下级巡察机构")
    return await page_context(state, work.tenant, county=match,
                              chart=year_chart(match, found.years()),
                              kinds=list(DIRECTIVE_KINDS.items()),
                              classes=CLASSIFICATION_LABELS, modes=MODE_LABELS, **extra)


@get("/t/{tenant:str}/coverage/counties/{county:str}", opt={"action": "coverage:rollup"},
     include_in_schema=False)
async def county_page(state: AppState, work: CurrentWork, county: CountyCode) -> Template:
    """One county's report: its villages by state, and the directive form."""
    require_city(work)
    context = await _county_context(state, work, county, errors=[], form=None,
                                    form_errors=None)
    return Template("village_coverage/county.html", context=context)


def _codes(text: str) -> list[str]:
    """Village codes typed with commas (either width), 、, spaces or lines between them."""
    for mark in ("，", "、", ","):
        text = text.replace(mark, " ")
    return text.split()


def _directive_in(form: DirectiveForm) -> DirectiveIn:
    """The service's input from the form; its refusals in Chinese by field, never msgspec's."""
    try:
        return msgspec.convert({"county": form.county, "kind": form.kind,
                                "title": form.title.strip(), "village_codes": _codes(
                                    form.village_codes), "body": form.body}, DirectiveIn)
    except msgspec.ValidationError as exc:
        message = str(exc)
        at = re.search(r"at `\$\.(\w+)", message)
        raise Invalid([FieldError(at[1] if at else "village_codes",
                                  translate(message))]) from exc


@post("/t/{tenant:str}/coverage/directives", opt={"action": "coverage:direct"},
      include_in_schema=False, status_code=200)
async def directive_form(request: Request[Any, Any, Any], state: AppState,
                         work: CurrentWork) -> Template | Response[Any]:
    """Send a county a coverage directive naming its villages (htmx or a plain form)."""
    posted = await request.form()
    try:
        form = await parse_form(request, DirectiveForm)
        require_city(work)  # after the form is read, as the API reads its body first
        await issue_directive(work, runtime_of(state), _directive_in(form))
    except Invalid as exc:
        if work.tenant.parent_code:
            raise  # a county has no county page to show the form on: the error page
        errors = form_errors(exc, DirectiveForm)
        county = str(posted.get("county", ""))[:64]
        values = {name: str(posted.get(name, "")) for name in
                  ("kind", "title", "village_codes", "body")}
        context = await _county_context(state, work, county, errors=[], form=values,
                                        form_errors=errors)
        name = ("village_coverage/directive_form.html" if is_htmx(request)
                else "village_coverage/county.html")
        return Template(name, context=context, status_code=errors.status)
    return done(request, f"/t/{work.tenant.code}/coverage/counties?done=directive")


@post("/t/{tenant:str}/coverage/directives/{coverage_directive_id:int}/apply",
      opt={"action": "coverage:plan"}, include_in_schema=False, status_code=200)
async def apply_form(state: AppState, work: CurrentWork, coverage_directive_id: Id
                     ) -> Template | Redirect:
    """Apply a directive of the city to the current term."""
    try:
        await apply_directive(work, coverage_directive_id)
    except Invalid as exc:
        context = await _progress_context(state, work, await current_term(work),
                                          errors=[e.message for e in exc.errors], notice="")
        return Template("village_coverage/progress.html", context=context,
                        status_code=refusal_of(exc)[1])
    return Redirect(f"/t/{work.tenant.code}/coverage?done=applied", status_code=303)


coverage_pages: list[Any] = [progress_page, plan_page, propose_form, entry_form,
                             inspections_form, target_form, rollup_page, county_page,
                             directive_form, apply_form]
"""Every page handler of the plugin."""
