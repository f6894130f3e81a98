"""Pages of the evaluation plugin (Chinese, server-rendered), one form per job.

- 整改评估: inspections whose units may be evaluated, their evaluations, the
  form to start one; an evaluation's form (deductions with evidence, the
  pre-filled ones and why), submit, sign off or send back, the exports;
- 回头看: candidates and the form creating a lookback; a lookback's page with
  the earlier open ledger items beside the new findings;
- 巡察组工作成效 per round; for a city, the comparison of its counties.

Forms post URL-encoded bodies and are redirected back (303) after success; a
refusal shows the page again with every reason and the refusal's status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.datastructures import State as AppState
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from core.api import (
    STAGE_LABELS,
    CurrentWork,
    DomainError,
    FieldError,
    Id,
    Invalid,
    MenuItem,
    Stage,
    Work,
    inspections_with_targets,
    list_rounds,
    may,
    org_names,
    page_context,
    parse_form,
    refusal_of,
    runtime_of,
    stage_rank,
)
from plugins.evaluation import lookback, office, service
from plugins.evaluation.api import city_only, require_city
from plugins.evaluation.charts import average_chart
from plugins.evaluation.indicators import Indicator, office_indicators, unit_indicators
from plugins.evaluation.interview import InterviewIn, record
from plugins.evaluation.model import STATUS_LABELS
from plugins.evaluation.performance import round_performance
from plugins.evaluation.rollup import compare_counties, county_names
from plugins.evaluation.scoring import Deduction
from plugins.evaluation.tables import OfficeEvaluation, UnitEvaluation
from plugins.evaluation.views import evaluation_out, list_out

__all__ = ["evaluation_pages", "menu_items"]

Done = Annotated[str, QueryParameter(max_length=16)]
RoundQuery = Annotated[int | None, QueryParameter(ge=1)]

NOTICES = {
    "created": "已建立整改评估，系统已按台账预填可计算的扣分项，请评估组核实。",
    "saved": "已保存扣分和证据。",
    "submitted": "已提交评分，请另一名同志审核签发。",
    "signed": "已审核签发，评估结果已上报。",
    "sent_back": "已退回评估组重新评分。",
    "lookback": "已建立“回头看”任务，请到“巡察轮次”中组建巡察组。",
    "interviewed": "已登记约谈。",
    "office_created": "已建立巡察工作评估，请评估组登记扣分和证据。",
}


class CreateForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Start an evaluation: ``target`` is ``<inspection id>:<org id>``."""

    target: Annotated[str, msgspec.Meta(min_length=3, max_length=24)]
    group_members: Annotated[str, msgspec.Meta(max_length=500)] = ""


class SendBackForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Why the score goes back."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class InterviewForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The interview (约谈): day, who interviewed whom, notes."""

    held_on: date
    interviewer: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    interviewee: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    notes: Annotated[str, msgspec.Meta(max_length=5000)] = ""


class OfficeForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Start the evaluation of a county office's inspection work."""

    county: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    year: Annotated[int, msgspec.Meta(ge=2000, le=2100)]
    group_members: Annotated[str, msgspec.Meta(max_length=500)] = ""


class LookbackForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The earlier inspection and the round of the lookback."""

    earlier_id: int
    round_id: int


def menu_items(tenant: Any) -> list[MenuItem]:
    """整改评估, 回头看 and 工作成效; a city also compares its counties."""
    items = [MenuItem(label="整改评估", path="evaluation", order=50, action="evaluation:read"),
             MenuItem(label="巡察“回头看”", path="evaluation/lookback", order=51,
                      action="evaluation:read"),
             MenuItem(label="巡察组工作成效", path="evaluation/performance", order=52,
                      action="evaluation:performance")]
    if not tenant.parent_code:
        items.append(MenuItem(label="整改评估汇总", path="evaluation/counties", order=53,
                              action="evaluation:rollup"))
    return items


async def _index_context(request: Request[Any, Any, Any], state: AppState, work: Work,
                         **extra: Any) -> dict[str, Any]:
    found = sorted((i for i in await inspections_with_targets(work.session)
                    if stage_rank(i["stage"]) >= stage_rank(Stage.rectification_reported)),
                   key=lambda i: i["id"])
    names = await org_names(work.session, [o for i in found for o in i["org_ids"]])
    inspections = [{**i, "targets": [{"id": o, "name": names.get(o, "")}
                                     for o in i["org_ids"]]} for i in found]
    rows = await work.session.list(UnitEvaluation, order_by=("id",), limit=None)
    evaluations = await list_out(work, rows)
    by_target = {(e["inspection_id"], e["org_id"]): e for e in evaluations}
    return await page_context(
        state, work.tenant, inspections=inspections, by_target=by_target,
        stage_labels=STAGE_LABELS, may_score=await may(request, "evaluation:score"),
        **{"errors": [], "notice": "", **extra})


@get("/t/{tenant:str}/evaluation", opt={"action": "evaluation:read"}, include_in_schema=False)
async def index_page(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                     done: Done = "") -> Template:
    """整改评估: the units that may be evaluated and their evaluations."""
    context = await _index_context(request, state, work, notice=NOTICES.get(done, ""))
    return Template("evaluation/index.html", context=context)


@post("/t/{tenant:str}/evaluation", opt={"action": "evaluation:score"},
      include_in_schema=False, status_code=200)
async def create_form(request: Request[Any, Any, Any], state: AppState,
                      work: CurrentWork) -> Template | Redirect:
    """Start the evaluation of one unit (pre-filled from the records)."""
    try:
        data = await parse_form(request, CreateForm)
        inspection_id, _, org_id = data.target.partition(":")
        if not (inspection_id.isdigit() and org_id.isdigit()):
            raise Invalid([FieldError("target", "请选择被巡察单位")])
        row = await service.create(work, int(inspection_id), int(org_id), data.group_members)
    except DomainError as exc:
        errors, status = refusal_of(exc)
        context = await _index_context(request, state, work, errors=errors)
        return Template("evaluation/index.html", context=context, status_code=status)
    return Redirect(f"/t/{work.tenant.code}/evaluation/{row['id']}?done=created",
                    status_code=303)


async def _form_context(request: Request[Any, Any, Any], state: AppState, work: Work,
                        evaluation_id: int, **extra: Any) -> dict[str, Any]:
    found = await evaluation_out(work, await service.load(work, evaluation_id))
    return await page_context(
        state, work.tenant, evaluation=found, status_labels=STATUS_LABELS,
        may_score=await may(request, "evaluation:score"),
        may_sign=await may(request, "evaluation:sign"), actor=work.actor,
        may_interview=await may(request, "evaluation:interview"),
        **{"errors": [], "notice": "", "posted": None, **extra})


@get("/t/{tenant:str}/evaluation/{unit_evaluation_id:int}", opt={"action": "evaluation:read"},
     include_in_schema=False)
async def form_page(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                    unit_evaluation_id: Id, done: Done = "") -> Template:
    """整改评估表: every indicator's items, the deductions, pre-filled ones and why."""
    context = await _form_context(request, state, work, unit_evaluation_id,
                                  notice=NOTICES.get(done, ""))
    return Template("evaluation/form.html", context=context)


async def _act(request: Request[Any, Any, Any], state: AppState, work: Work,
               evaluation_id: int, done: str, action: Callable[[], Awaitable[Any]],
               posted: dict[str, str] | None = None) -> Template | Redirect:
    try:
        await action()
    except DomainError as exc:
        errors, status = refusal_of(exc)
        context = await _form_context(request, state, work, evaluation_id, errors=errors,
                                      posted=posted)
        return Template("evaluation/form.html", context=context, status_code=status)
    return Redirect(f"/t/{work.tenant.code}/evaluation/{evaluation_id}?done={done}",
                    status_code=303)


def _number(text: str, where: str, label: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise Invalid([FieldError(where, f"“{label}”的扣分应为数字")]) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Invalid([FieldError(where, f"“{label}”的扣分应为数字")])
    return value


async def _draft(work: Work, posted: dict[str, str],
                 indicators: list[Indicator] | None = None) -> service.Draft:
    """The deductions typed on the form: ``points.<item>`` and ``evidence.<item>``."""
    indicators = indicators if indicators is not None else await unit_indicators(work)
    known = {item.code: item for ind in indicators for item in ind.items}
    allowed = {"group_members", "remark", "_csrf"} | \
        {f"{kind}.{code}" for code in known for kind in ("points", "evidence")}
    unknown = sorted(k for k in posted if k not in allowed)
    if unknown:
        raise Invalid([FieldError(unknown[0], f"表单字段 {unknown[0][:40]} 无效")])
    deductions = []
    for code, item in known.items():
        raw = posted.get(f"points.{code}", "").strip()
        if not raw or raw in ("0", "0.0"):
            continue
        evidence = posted.get(f"evidence.{code}", "")[:2000]
        deductions.append(Deduction(
            item=code, points=_number(raw, f"points.{code}", item.label), evidence=evidence))
    return service.Draft(deductions=deductions,
                         group_members=posted.get("group_members", "")[:500],
                         remark=posted.get("remark", "")[:5000])


@post("/t/{tenant:str}/evaluation/{unit_evaluation_id:int}/deductions",
      opt={"action": "evaluation:score"}, include_in_schema=False, status_code=200)
async def deductions_form(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                          unit_evaluation_id: Id) -> Template | Redirect:
    """Save the deductions and evidence typed on the form."""
    form = await request.form()
    posted = {k: str(v) for k, v in form.items()}

    async def action() -> None:
        await service.save(work, unit_evaluation_id, await _draft(work, posted))

    return await _act(request, state, work, unit_evaluation_id, "saved", action, posted)


@post("/t/{tenant:str}/evaluation/{unit_evaluation_id:int}/submit",
      opt={"action": "evaluation:score"}, include_in_schema=False, status_code=200)
async def submit_form(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                      unit_evaluation_id: Id) -> Template | Redirect:
    """The scorer submits the score."""
    return await _act(request, state, work, unit_evaluation_id, "submitted",
                      lambda: service.submit(work, unit_evaluation_id))


@post("/t/{tenant:str}/evaluation/{unit_evaluation_id:int}/sign",
      opt={"action": "evaluation:sign"}, include_in_schema=False, status_code=200)
async def sign_form(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                    unit_evaluation_id: Id) -> Template | Redirect:
    """A second person signs off."""
    return await _act(request, state, work, unit_evaluation_id, "signed",
                      lambda: service.sign(work, unit_evaluation_id))


@post("/t/{tenant:str}/evaluation/{unit_evaluation_id:int}/send-back",
      opt={"action": "evaluation:sign"}, include_in_schema=False, status_code=200)
async def send_back_form(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                         unit_evaluation_id: Id) -> Template | Redirect:
    """Send the score back to the group with the reason."""
    async def action() -> None:
        data = await parse_form(request, SendBackForm)
        await service.send_back(work, unit_evaluation_id, data.reason)

    return await _act(request, state, work, unit_evaluation_id, "sent_back", action)


@post("/t/{tenant:str}/evaluation/{unit_evaluation_id:int}/interview",
      opt={"action": "evaluation:interview"}, include_in_schema=False, status_code=200)
async def interview_form(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                         unit_evaluation_id: Id) -> Template | Redirect:
    """Record the interview (约谈) of a unit graded 一般/差."""
    form = await request.form()
    posted = {k: str(v) for k, v in form.items()}

    async def action() -> None:
        data = await parse_form(request, InterviewForm)
        await record(work, unit_evaluation_id, InterviewIn(
            held_on=data.held_on, interviewer=data.interviewer, interviewee=data.interviewee,
            notes=data.notes))

    return await _act(request, state, work, unit_evaluation_id, "interviewed", action, posted)


async def _lookback_context(request: Request[Any, Any, Any], state: AppState, work: Work,
                            **extra: Any) -> dict[str, Any]:
    rounds = await list_rounds(work.session)
    return await page_context(
        state, work.tenant, candidates=await lookback.candidates(work), rounds=rounds,
        weak=service.scheme_of(work).weak,
        stage_labels=STAGE_LABELS, may_create=await may(request, "evaluation:lookback"),
        **{"errors": [], "notice": "", **extra})


@get("/t/{tenant:str}/evaluation/lookback", opt={"action": "evaluation:read"},
     include_in_schema=False)
async def lookback_page(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                        done: Done = "") -> Template:
    """巡察“回头看”: candidates and the form creating a lookback."""
    context = await _lookback_context(request, state, work, notice=NOTICES.get(done, ""))
    return Template("evaluation/lookback.html", context=context)


@post("/t/{tenant:str}/evaluation/lookback", opt={"action": "evaluation:lookback"},
      include_in_schema=False, status_code=200)
async def lookback_form(request: Request[Any, Any, Any], state: AppState,
                        work: CurrentWork) -> Template | Redirect:
    """Create a lookback inspection linked to the earlier one."""
    try:
        data = await parse_form(request, LookbackForm)
        made = await lookback.create_lookback(work, data.earlier_id, data.round_id)
    except DomainError as exc:
        errors, status = refusal_of(exc)
        context = await _lookback_context(request, state, work, errors=errors)
        return Template("evaluation/lookback.html", context=context, status_code=status)
    return Redirect(f"/t/{work.tenant.code}/evaluation/lookback/{made['inspection_id']}"
                    "?done=lookback", status_code=303)


@get("/t/{tenant:str}/evaluation/lookback/{inspection_id:int}",
     opt={"action": "evaluation:read"}, include_in_schema=False)
async def compare_page(state: AppState, work: CurrentWork, inspection_id: Id,
                       done: Done = "") -> Template:
    """A lookback: the earlier open ledger items beside the new findings, per unit."""
    found = await lookback.side_by_side(work, inspection_id)
    context = await page_context(state, work.tenant, found=found, stage_labels=STAGE_LABELS,
                                 notice=NOTICES.get(done, ""), errors=[])
    return Template("evaluation/compare.html", context=context)


@get("/t/{tenant:str}/evaluation/performance", opt={"action": "evaluation:performance"},
     include_in_schema=False)
async def performance_page(state: AppState, work: CurrentWork,
                           round_id: RoundQuery = None) -> Template:
    """巡察组工作成效 of one round (the latest by default)."""
    rounds = await list_rounds(work.session)
    chosen = round_id or (max(r["id"] for r in rounds) if rounds else None)
    found = await round_performance(work, chosen) if chosen else None
    context = await page_context(state, work.tenant, rounds=rounds, found=found,
                                 round_id=chosen, stage_labels=STAGE_LABELS, errors=[],
                                 notice="")
    return Template("evaluation/performance.html", context=context)


async def _counties_context(request: Request[Any, Any, Any], state: AppState, work: Work,
                           **extra: Any) -> dict[str, Any]:
    scheme = service.scheme_of(work)
    found = await compare_counties(work, runtime_of(state), scheme.labels)
    rows = await work.session.list(OfficeEvaluation, order_by=("year", "id"), limit=None)
    return await page_context(
        state, work.tenant, counties=found, scheme=scheme,
        chart=average_chart(found, list(service.cutoffs(work).values())),
        offices=[await office.office_out(work, r) for r in rows],
        latest=await office.latest_signed(work), this_year=work.clock.today().year,
        may_score=await may(request, "evaluation:score"),
        **{"errors": [], "notice": "", **extra})


@get("/t/{tenant:str}/evaluation/counties", opt={"action": "evaluation:rollup"},
     include_in_schema=False)
async def counties_page(request: Request[Any, Any, Any], state: AppState,
                        work: CurrentWork) -> Template:
    """整改评估汇总: each county's results as received, a table and a bar chart, and the
    city's evaluations of the county offices' own inspection work."""
    require_city(work)
    context = await _counties_context(request, state, work)
    return Template("evaluation/counties.html", context=context)


@post("/t/{tenant:str}/evaluation/offices", guards=[city_only], opt={"action": "evaluation:score"},
      include_in_schema=False, status_code=200)
async def office_create_form(request: Request[Any, Any, Any], state: AppState,
                             work: CurrentWork) -> Template | Redirect:
    """Start the evaluation of a county office's inspection work."""
    require_city(work)
    try:
        data = await parse_form(request, OfficeForm)
        counties = await county_names(work, runtime_of(state))
        row = await office.create(work, counties, data.county, data.year, data.group_members)
    except DomainError as exc:
        errors, status = refusal_of(exc)
        context = await _counties_context(request, state, work, errors=errors)
        return Template("evaluation/counties.html", context=context, status_code=status)
    return Redirect(f"/t/{work.tenant.code}/evaluation/offices/{row['id']}?done=office_created",
                    status_code=303)


async def _office_context(request: Request[Any, Any, Any], state: AppState, work: Work,
                          office_evaluation_id: int, **extra: Any) -> dict[str, Any]:
    found = await office.office_out(work, await office.load(work, office_evaluation_id))
    return await page_context(
        state, work.tenant, evaluation=found, may_score=await may(request, "evaluation:score"),
        may_sign=await may(request, "evaluation:sign"), actor=work.actor,
        **{"errors": [], "notice": "", "posted": None, **extra})


@get("/t/{tenant:str}/evaluation/offices/{office_evaluation_id:int}", guards=[city_only],
     opt={"action": "evaluation:rollup"}, include_in_schema=False)
async def office_page(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                      office_evaluation_id: Id, done: Done = "") -> Template:
    """巡察工作评估表 of one county office."""
    require_city(work)
    context = await _office_context(request, state, work, office_evaluation_id,
                                    notice=NOTICES.get(done, ""))
    return Template("evaluation/office.html", context=context)


async def _office_act(request: Request[Any, Any, Any], state: AppState, work: Work,
                      office_evaluation_id: int, done: str,
                      action: Callable[[], Awaitable[Any]],
                      posted: dict[str, str] | None = None) -> Template | Redirect:
    require_city(work)
    try:
        await action()
    except DomainError as exc:
        errors, status = refusal_of(exc)
        context = await _office_context(request, state, work, office_evaluation_id,
                                        errors=errors, posted=posted)
        return Template("evaluation/office.html", context=context, status_code=status)
    return Redirect(f"/t/{work.tenant.code}/evaluation/offices/{office_evaluation_id}"
                    f"?done={done}", status_code=303)


@post("/t/{tenant:str}/evaluation/offices/{office_evaluation_id:int}/deductions",
      guards=[city_only],
      opt={"action": "evaluation:score"}, include_in_schema=False, status_code=200)
async def office_deductions_form(request: Request[Any, Any, Any], state: AppState,
                                 work: CurrentWork,
                                 office_evaluation_id: Id) -> Template | Redirect:
    """Save the deductions and evidence of a county office's evaluation."""
    form = await request.form()
    posted = {k: str(v) for k, v in form.items()}

    async def action() -> None:
        draft = await _draft(work, posted, await office_indicators(work))
        await office.save(work, office_evaluation_id, draft.deductions, draft.group_members,
                          draft.remark)

    return await _office_act(request, state, work, office_evaluation_id, "saved", action,
                             posted)


@post("/t/{tenant:str}/evaluation/offices/{office_evaluation_id:int}/submit", guards=[city_only],
      opt={"action": "evaluation:score"}, include_in_schema=False, status_code=200)
async def office_submit_form(request: Request[Any, Any, Any], state: AppState,
                             work: CurrentWork, office_evaluation_id: Id
                             ) -> Template | Redirect:
    """The scorer submits the score."""
    return await _office_act(request, state, work, office_evaluation_id, "submitted",
                             lambda: office.submit(work, office_evaluation_id))


@post("/t/{tenant:str}/evaluation/offices/{office_evaluation_id:int}/sign", guards=[city_only],
      opt={"action": "evaluation:sign"}, include_in_schema=False, status_code=200)
async def office_sign_form(request: Request[Any, Any, Any], state: AppState,
                           work: CurrentWork, office_evaluation_id: Id
                           ) -> Template | Redirect:
    """Another person signs off."""
    return await _office_act(request, state, work, office_evaluation_id, "signed",
                             lambda: office.sign(work, office_evaluation_id))


@post("/t/{tenant:str}/evaluation/offices/{office_evaluation_id:int}/send-back", guards=[city_only],
      opt={"action": "evaluation:sign"}, include_in_schema=False, status_code=200)
async def office_send_back_form(request: Request[Any, Any, Any], state: AppState,
                                work: CurrentWork, office_evaluation_id: Id
                                ) -> Template | Redirect:
    """Send the score back to the group with the reason."""
    async def action() -> None:
        data = await parse_form(request, SendBackForm)
        await office.send_back(work, office_evaluation_id, data.reason)

    return await _office_act(request, state, work, office_evaluation_id, "sent_back", action)


evaluation_pages: list[Any] = [index_page, create_form, lookback_page, lookback_form,
                               compare_page, performance_page, counties_page, form_page,
                               deductions_form, submit_form, sign_form, send_back_form,
                               interview_form, office_create_form, office_page,
                               office_deductions_form, office_submit_form, office_sign_form,
                               office_send_back_form]
"""Every page handler of the plugin."""
