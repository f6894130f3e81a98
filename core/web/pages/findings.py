"""Finding pages (问题): record a finding (citing its working paper), read and edit it.

Every write calls :mod:`core.inspection.findings`, as the JSON API does;
refusals come back beside their fields (:mod:`core.web.pages.forms`). The
category, severity and source are chosen by their Chinese labels; the
categories offered are those of the plugins the tenant enabled.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Template

from core.errors import Invalid
from core.fields import IdField
from core.inspection.checklist import checklist_items
from core.inspection.common import load_inspection
from core.inspection.extra import check_extra, extra_fields, extra_rows
from core.inspection.findings import (
    CHANGE_STAGES,
    RECORD_STAGES,
    FindingCreate,
    FindingOut,
    FindingUpdate,
    categories,
    create_finding,
    read_finding,
    update_finding,
)
from core.inspection.model import SEVERITY_LABELS, SOURCE_LABELS, Severity, Source
from core.inspection.tables import WorkingPaper
from core.web.deps import CurrentWork
from core.web.errors import status_of
from core.web.pages.forms import FormErrors, done, form_errors, is_htmx, may, parse_form
from core.web.pages.home import page_context
from core.web.pages.onsite_forms import options, struct_of, target_options
from core.web.pages.special import extra_form_values
from core.web.pages.views import moment, stage_badge
from core.web.params import Id
from core.work import Work

__all__ = ["FindingEditForm", "FindingForm", "finding_form_context", "finding_page_handlers"]

Req = Request[Any, Any, Any]

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Description = Annotated[str, msgspec.Meta(max_length=20000)]
Category = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
ItemCode = Annotated[str, msgspec.Meta(max_length=64)]


async def _checklist_options(work: Work, kind: str) -> list[tuple[str, str]]:
    return [(i.code, f"{i.group}｜{i.label}" if i.group else i.label)
            for i in await checklist_items(work, kind)]


class FindingForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The record form of a finding."""

    category: Category
    source: Source
    org_id: IdField
    title: Title
    severity: Severity = Severity.general
    paper_id: IdField | None = None
    description: Description = ""
    fix_now: bool = False
    shared: bool = False
    checklist_item: ItemCode = ""


class FindingEditForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The edit form: classification, text and the two marks."""

    category: Category
    severity: Severity
    title: Title
    description: Description = ""
    fix_now: bool = False
    shared: bool = False
    checklist_item: ItemCode = ""


_FIELDS = ("category", "source", "org_id", "title", "severity", "paper_id", "description",
           "fix_now", "shared", "checklist_item")


async def _category_options(work: Work) -> list[tuple[str, str]]:
    found = await categories(work, enabled_only=True)
    return [(c.code, c.label if c.parent is None else f"　{c.label}") for c in found.values()]


async def finding_form_context(work: Work, inspection: dict[str, Any], *,
                               values: dict[str, Any] | None = None,
                               errors: FormErrors | None = None) -> dict[str, Any]:
    """What the record form shows: targets, categories, labels, the inspection's papers."""
    papers = await work.session.list(WorkingPaper, {"inspection_id": inspection["id"]},
                                     order_by=("number", "id"), limit=None)
    return {
        "insp": inspection, "finding_orgs": await target_options(work, inspection["id"]),
        "categories": await _category_options(work), "sources": options(SOURCE_LABELS),
        "severities": options(SEVERITY_LABELS),
        "paper_options": [(str(p["id"]), f"{p['number']} {p['title']}") for p in papers],
        "finding_values": values or {"severity": Severity.general.value},
        "finding_errors": errors,
        "findings_open": inspection["stage"] in {s.value for s in RECORD_STAGES},
        "checklist_options": await _checklist_options(work, inspection["kind"]),
    }


def _raw(form: Any) -> dict[str, Any]:
    return {name: form.get(name, "") for name in _FIELDS}


@get("/t/{tenant:str}/inspections/{inspection_id:int}/findings/new",
     opt={"action": "finding:write"}, include_in_schema=False)
async def new_finding_page(state: State, work: CurrentWork, inspection_id: Id) -> Template:
    """The record form of a finding on a page of its own."""
    inspection = await load_inspection(work.session, inspection_id)
    context = await finding_form_context(work, inspection)
    return Template("inspection/finding_new.html", context=await page_context(
        state, work.tenant, **context, badge=stage_badge(inspection["stage"])))


@post("/t/{tenant:str}/inspections/{inspection_id:int}/findings",
      opt={"action": "finding:write"}, include_in_schema=False, status_code=200)
async def create_finding_form(request: Req, state: State, work: CurrentWork,
                              inspection_id: Id) -> Response[Any] | Template:
    """Record a finding; go to its page."""
    inspection = await load_inspection(work.session, inspection_id)
    try:
        form = await parse_form(request, FindingForm)
        finding = await create_finding(work, inspection_id, struct_of(
            msgspec.structs.asdict(form), FindingCreate))
    except Invalid as exc:
        errors = form_errors(exc, FindingForm)
        context = await finding_form_context(work, inspection, values=_raw(
            await request.form()), errors=errors)
        if is_htmx(request):
            return Template("inspection/finding_form.html", status_code=errors.status,
                            context={**context, "tenant": work.tenant})
        return Template("inspection/finding_new.html", status_code=errors.status,
                        context=await page_context(state, work.tenant, **context,
                                                   badge=stage_badge(inspection["stage"])))
    return done(request, f"/t/{work.tenant.code}/findings/{finding.id}")


async def _finding_context(request: Req, state: State, work: Work, finding: FindingOut, *,
                           values: dict[str, Any] | None = None,
                           errors: FormErrors | None = None,
                           extra_values: dict[str, Any] | None = None,
                           extra_errors: FormErrors | None = None) -> dict[str, Any]:
    inspection = await load_inspection(work.session, finding.inspection_id)
    data = msgspec.structs.asdict(finding)
    paper = (await work.session.get(WorkingPaper, finding.paper_id)
             if finding.paper_id is not None else None)
    reads_papers = paper is not None and await may(request, "paper:read")
    open_ = inspection["stage"] in {s.value for s in CHANGE_STAGES}
    checklist = await _checklist_options(work, inspection["kind"])
    fields = extra_fields(work.plugins, inspection["kind"], "finding")
    return await page_context(
        state, work.tenant, finding=data, inspection=inspection, paper=paper,
        reads_papers=reads_papers,
        badge=stage_badge(inspection["stage"]), recorded=moment(finding.recorded_at),
        updated=moment(finding.updated_at),
        can_edit=open_ and await may(request, "finding:write"),
        categories=await _category_options(work), severities=options(SEVERITY_LABELS),
        edit_values=values or data, edit_errors=errors, checklist_options=checklist,
        checklist_label=dict(checklist).get(finding.checklist_item, finding.checklist_item),
        extra_fields=fields, extra=extra_rows(fields, finding.extra),
        extra_values=extra_values if extra_values is not None else finding.extra,
        extra_errors=extra_errors)


@get("/t/{tenant:str}/findings/{finding_id:int}", opt={"action": "finding:read"},
     include_in_schema=False)
async def finding_page(request: Req, state: State, work: CurrentWork,
                       finding_id: Id) -> Template:
    """One finding with its paper and its edit form."""
    finding = await read_finding(work, finding_id)
    return Template("inspection/finding.html",
                    context=await _finding_context(request, state, work, finding))


@post("/t/{tenant:str}/findings/{finding_id:int}", opt={"action": "finding:write"},
      include_in_schema=False, status_code=200)
async def edit_finding_form(request: Req, state: State, work: CurrentWork,
                            finding_id: Id) -> Response[Any] | Template:
    """Reclassify or edit a finding, or mark it fix-now (立行立改) or shared (共性问题)."""
    try:
        form = await parse_form(request, FindingEditForm)
        await update_finding(work, finding_id, struct_of(msgspec.structs.asdict(form),
                                                         FindingUpdate))
    except Invalid as exc:
        errors = form_errors(exc, FindingEditForm)
        finding = await read_finding(work, finding_id)
        context = await _finding_context(request, state, work, finding,
                                         values=_raw(await request.form()), errors=errors)
        template = "inspection/finding_edit.html" if is_htmx(request) else "inspection/finding.html"
        return Template(template, context=context, status_code=errors.status)
    return done(request, f"/t/{work.tenant.code}/findings/{finding_id}")


@post("/t/{tenant:str}/findings/{finding_id:int}/extra", opt={"action": "finding:write"},
      include_in_schema=False, status_code=200)
async def finding_extra_form(request: Req, state: State, work: CurrentWork,
                             finding_id: Id) -> Response[Any] | Template:
    """Save the extra fields of the finding's kind (text converted: numbers, 是/否)."""
    finding = await read_finding(work, finding_id)
    inspection = await load_inspection(work.session, finding.inspection_id)
    form = await request.form()
    values: dict[str, Any] = {}
    try:
        values = extra_form_values(form, extra_fields(work.plugins, inspection["kind"],
                                                      "finding"))
        clean = check_extra(work.plugins, inspection["kind"], "finding", values, lenient=True)
        await update_finding(work, finding_id, FindingUpdate(extra=clean))
    except Invalid as exc:
        context = await _finding_context(request, state, work, finding, extra_values=values,
                                         extra_errors=form_errors(exc, ()))
        return Template("inspection/finding.html", context=context,
                        status_code=status_of(exc))
    return done(request, f"/t/{work.tenant.code}/findings/{finding_id}")


finding_page_handlers: list[Any] = [new_finding_page, create_finding_form, finding_page,
                                    edit_finding_form, finding_extra_form]
"""The finding pages and their form posts."""
