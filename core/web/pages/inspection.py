"""Web pages of the workflow (Chinese, server-rendered, htmx): rounds, an inspection, the ledger.

Forms post URL-encoded bodies. A request from htmx (``HX-Request``) gets the
re-rendered fragment back, with every refusal reason in an alert box; a plain
form post is redirected after success (303) and shown the whole page with the
reasons (and the refusal's status) otherwise. The working paper pages live in
:mod:`core.web.pages.papers`.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Template

from core.errors import Invalid
from core.inspection.inspections import target_org_ids
from core.inspection.ledger_query import LedgerFilter, list_items
from core.inspection.model import ITEM_STATUS_LABELS, STAGE_LABELS, ItemStatus, Retention, Stage
from core.inspection.rounds import round_rows, round_years
from core.inspection.stages import advance
from core.inspection.tables import Inspection, InspectionTarget, Round
from core.runtime import runtime_of
from core.web.api.inspections import kind_labels
from core.web.deps import CurrentWork
from core.web.errors import FieldError, InputError, refusal_of
from core.web.guard import also_requires
from core.web.pages.closing_views import closing_view
from core.web.pages.forms import is_htmx, may
from core.web.pages.home import page_context
from core.web.pages.onsite import onsite_context
from core.web.pages.papers import paper_page_handlers
from core.web.pages.views import inspection_view, org_names, stage_badge
from core.web.params import MAX_ID, Id, Offset
from core.web.read_cache import READ_CACHE_SECONDS
from core.work import Work

__all__ = ["LEDGER_PAGE", "ROUNDS_PAGE", "StageForm", "inspection_context", "workflow_pages"]

ROUNDS_PAGE = 10
"""Rounds per page of the rounds page."""
LEDGER_PAGE = 50
"""Items per page of the ledger page."""

QueryText = Annotated[str, QueryParameter(max_length=12)]


class StageForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The stage form: the stage to enter, a remark, and the options of that move."""

    to: Annotated[str, msgspec.Meta(max_length=32)] = ""
    remark: Annotated[str, msgspec.Meta(max_length=500)] = ""
    carry_over: bool = False
    retention: Annotated[str, msgspec.Meta(max_length=16)] = ""


def _query_id(value: str, field: str) -> int | None:
    """An optional id from a GET form (an empty select sends ``""``)."""
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise InputError([FieldError(field, "应为正整数编号", "query")])
    return int(value)


# ---------------------------------------------------------------- rounds


# The pages show what the API guards with finer actions: they ask for those too, or a
# role allowed only page:view (a city supervisor) would read here what the API refuses it.
@get("/t/{tenant:str}/rounds", opt={"action": "page:view"}, include_in_schema=False,
     guards=[also_requires("plan:read", "inspection:read")], cache=READ_CACHE_SECONDS)
async def rounds_page(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                      year: QueryText = "", offset: Offset = 0) -> Template:
    """The tenant's rounds, newest first, each with its inspections; filtered by year."""
    session = work.session
    picked = year.strip()
    if picked and not (picked.isdigit() and 1900 <= int(picked) <= 2999):
        raise InputError([FieldError("year", "年份无效", "query")])
    shown, total = await round_rows(session, year=int(picked) if picked else None,
                                    limit=ROUNDS_PAGE, offset=offset)
    years = await round_years(session)
    inspections = await session.list(Inspection, {"round_id": [r["id"] for r in shown]},
                                     order_by=("id",), limit=None) if shown else []
    links = await session.list(InspectionTarget, {
        "inspection_id": [i["id"] for i in inspections]}, limit=None) if inspections else []
    names = await org_names(work, {link["org_id"] for link in links})
    targets: dict[int, list[str]] = {}
    for link in links:
        targets.setdefault(link["inspection_id"], []).append(names.get(link["org_id"], ""))
    kinds = await kind_labels(work)
    by_round: dict[int, list[dict[str, Any]]] = {r["id"]: [] for r in shown}
    for insp in inspections:
        by_round[insp["round_id"]].append({
            **insp, "badge": stage_badge(insp["stage"]), "targets": targets.get(insp["id"], []),
            "kind_label": kinds[insp["kind"]].label if insp["kind"] in kinds else insp["kind"]})

    def page_url(to: int) -> str:
        query = {k: v for k, v in (("year", picked), ("offset", to)) if v}
        return f"/t/{work.tenant.code}/rounds" + (f"?{urlencode(query)}" if query else "")

    context = await page_context(
        state, work.tenant, rounds=shown, by_round=by_round, years=years, year=picked,
        may_plan=await may(request, "plan:write"),
        may_plan_inspections=await may(request, "inspection:write"),
        total=total, offset=offset,
        prev=page_url(max(offset - ROUNDS_PAGE, 0)) if offset else "",
        next=page_url(offset + ROUNDS_PAGE) if offset + ROUNDS_PAGE < total else "")
    return Template("inspection/rounds.html", context=context)


# ---------------------------------------------------------------- one inspection


async def _inspection_context(request: Request[Any, Any, Any], state: State, work: Work,
                              inspection_id: int, *, errors: list[str] | None = None,
                              notice: str = "", form: StageForm | None = None,
                              **extra: Any) -> dict[str, Any]:
    view = await inspection_view(work, runtime_of(state), inspection_id)
    closing = await closing_view(work, view["insp"], request)
    onsite = await onsite_context(request, work, view["insp"])
    extra = {"fe": {}, "fv": {}, **extra}
    return await page_context(state, work.tenant, **{**onsite, **view}, **closing,
                              errors=errors or [], notice=notice, form=form or StageForm(),
                              may_write=await may(request, "inspection:write"),
                              may_team=await may(request, "team:write"),
                              may_advance=await may(request, "inspection:advance"), **extra)


async def inspection_context(request: Request[Any, Any, Any], state: State, work: Work,
                             inspection_id: int, **extra: Any) -> dict[str, Any]:
    """Everything the inspection page shows to this request's account, plus ``extra``
    (a refused form's ``fe`` errors and ``fv`` values by form name)."""
    return await _inspection_context(request, state, work, inspection_id, **extra)


@get("/t/{tenant:str}/inspections/{inspection_id:int}", opt={"action": "page:view"},
     include_in_schema=False, guards=[also_requires("inspection:read")],
     cache=READ_CACHE_SECONDS)
async def inspection_page(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                          inspection_id: Id) -> Template:
    """One inspection: stages, deadlines, timeline, team, papers, findings, clues, forms."""
    context = await _inspection_context(request, state, work, inspection_id)
    return Template("inspection/inspection.html", context=context)


def _stage_choice(form: StageForm) -> tuple[Stage, Retention | None]:
    """The stage and retention named by the form, or 400 with the reason."""
    errors = []
    to = form.to.strip()
    if not to:
        errors.append(FieldError("to", "请选择要转入的环节"))
    elif to not in Stage.__members__:
        errors.append(FieldError("to", "所选环节不存在"))
    retention = form.retention.strip()
    if retention and retention not in Retention.__members__:
        errors.append(FieldError("retention", "保管期限无效"))
    if errors:
        raise InputError(errors)
    return Stage(to), Retention(retention) if retention else None


@post("/t/{tenant:str}/inspections/{inspection_id:int}/stage",
      opt={"action": "inspection:advance"}, include_in_schema=False, status_code=200)
async def stage_form(
    request: Request[Any, Any, Any], state: State, work: CurrentWork, inspection_id: Id,
    data: Annotated[StageForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template | Redirect:
    """Move the inspection to the next stage; refusals come back with every reason."""
    errors: list[str] = []
    status, notice = 200, ""
    try:
        to, retention = _stage_choice(data)
        await advance(work, inspection_id, to, data.remark.strip(), carry_over=data.carry_over,
                      retention=retention)
        notice = f"已转入“{STAGE_LABELS[to]}”环节。"
    except Invalid as exc:
        errors, status = refusal_of(exc)
    if not is_htmx(request):
        if not errors:
            return Redirect(f"/t/{work.tenant.code}/inspections/{inspection_id}",
                            status_code=303)
        context = await _inspection_context(request, state, work, inspection_id,
                                            errors=errors, form=data)
        return Template("inspection/inspection.html", context=context, status_code=status)
    context = await _inspection_context(request, state, work, inspection_id, errors=errors,
                                        notice=notice, form=data if errors else None)
    # A refusal keeps its status: htmx swaps 4xx form answers in (base.html).
    return Template("inspection/inspection_body.html", context=context, status_code=status)


# ---------------------------------------------------------------- the ledger


def _ledger_filter(inspection_id: str, round_id: str, org_id: str, status: str,
                   overdue: str) -> LedgerFilter:
    status = status.strip()
    if status and status not in ItemStatus.__members__:
        raise InputError([FieldError("status", "整改状态无效", "query")])
    if overdue.strip() not in ("", "true"):
        raise InputError([FieldError("overdue", "应为 true 或留空", "query")])
    return LedgerFilter(
        inspection_id=_query_id(inspection_id, "inspection_id"),
        round_id=_query_id(round_id, "round_id"), org_id=_query_id(org_id, "org_id"),
        status=ItemStatus(status) if status else None,
        overdue=True if overdue.strip() else None)


def _ledger_query(spec: LedgerFilter, **extra: Any) -> dict[str, Any]:
    """The non-empty filters as query parameters."""
    values = {"inspection_id": spec.inspection_id, "round_id": spec.round_id,
              "org_id": spec.org_id, "status": spec.status.value if spec.status else None,
              "overdue": "true" if spec.overdue else None, **extra}
    return {k: v for k, v in values.items() if v}


@get("/t/{tenant:str}/ledger", opt={"action": "page:view"}, include_in_schema=False,
     guards=[also_requires("rectification:read")], cache=READ_CACHE_SECONDS)
async def ledger_page(
    request: Request[Any, Any, Any], state: State, work: CurrentWork,
    inspection_id: QueryText = "", round_id: QueryText = "", org_id: QueryText = "",
    status: QueryText = "", overdue: QueryText = "", offset: Offset = 0,
) -> Template:
    """The rectification ledger with filters, overdue marks and pages (htmx: the table only)."""
    session, today = work.session, work.clock.today()
    spec = _ledger_filter(inspection_id, round_id, org_id, status, overdue)
    page = await list_items(session, spec, today, limit=LEDGER_PAGE, offset=offset)
    base = f"/t/{work.tenant.code}/ledger"

    def link(to: int) -> str:
        query = _ledger_query(spec, offset=to)
        return base + (f"?{urlencode(query)}" if query else "")

    ids = sorted({item.inspection_id for item in page.items})
    titles = {r["id"]: r["title"] for r in await session.list(
        Inspection, {"id": ids}, limit=None)} if ids else {}
    export = {k: v for k, v in _ledger_query(spec).items()
              if k in ("inspection_id", "round_id", "org_id")}
    context: dict[str, Any] = {
        "page": page, "titles": titles, "spec": spec, "today": today, "offset": offset,
        "prev": link(max(offset - LEDGER_PAGE, 0)) if offset else "",
        "next": link(offset + LEDGER_PAGE) if offset + LEDGER_PAGE < page.total else "",
        "export_url": f"/t/{work.tenant.code}/api/rectification/ledger.xlsx"
        + (f"?{urlencode(export)}" if export else ""),
        "export_partial": spec.status is not None or spec.overdue is not None,
        "base": base,
    }
    if is_htmx(request):
        return Template("inspection/ledger_table.html", context={
            **context, "tenant": work.tenant})
    rounds = await session.list(Round, order_by=("-year", "-number", "-id"), limit=None)
    orgs = await org_names(work, await target_org_ids(session))
    inspection = (await session.get(Inspection, spec.inspection_id)
                  if spec.inspection_id is not None else None)
    context.update(
        rounds=rounds, orgs=sorted(orgs.items(), key=lambda kv: kv[1]),
        statuses=list(ITEM_STATUS_LABELS.items()), inspection=inspection,
        can_scan=await may(request, "rectification:scan"))
    return Template("inspection/ledger.html",
                    context=await page_context(state, work.tenant, **context))


workflow_pages: list[Any] = [rounds_page, inspection_page, stage_form, ledger_page,
                             *paper_page_handlers]
"""Every page handler of the workflow."""
