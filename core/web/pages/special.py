"""Pages of a special inspection: its checklist (检查清单) and its kind's extra fields."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Template

from core.errors import Invalid
from core.inspection.checklist import (
    MARK_LABELS,
    MarkIn,
    inspection_statistics,
    mark_item,
    read_checklist,
)
from core.inspection.extra import ExtraField, check_extra, extra_fields, extra_rows
from core.inspection.inspections import InspectionPatch, read_inspection, update_inspection
from core.web.api.special import ItemCode
from core.web.deps import CurrentWork
from core.web.pages.forms import done, form_errors, may, parse_form
from core.web.pages.home import page_context
from core.web.params import Id

__all__ = ["extra_form_values", "special_pages"]

_PAGE = "/t/{tenant:str}/inspections/{inspection_id:int}"


def extra_form_values(form: Any, fields: list[ExtraField]) -> dict[str, Any]:
    """The posted extra fields as text (a flag as ``True``/``False``).

    Raises:
        Invalid: the form holds a field the kind does not declare.
    """
    known = {f.name: f for f in fields}
    unknown = [n for n in form if n not in known and n != "_csrf"]
    if unknown:
        raise Invalid.on(f"extra.{unknown[0]}", f"表单包含未知字段：{unknown[0]}")
    return {name: (str(form.get(name, "")).strip() == "1") if field.type == "boolean"
            else str(form.get(name, "")).strip() for name, field in known.items()}


async def _checklist_context(request: Request[Any, Any, Any], work: CurrentWork,
                             inspection_id: int) -> dict[str, Any]:
    insp = await read_inspection(work, inspection_id)
    fields = extra_fields(work.plugins, insp.kind, "inspection")
    return {"insp": insp, "checklist": await read_checklist(work, inspection_id),
            "marks": list(MARK_LABELS.items()), "may_mark": await may(request, "finding:write"),
            "may_edit": await may(request, "inspection:write"),
            "extra": extra_rows(fields, insp.extra), "has_extra": bool(fields),
            "statistics": await inspection_statistics(work, inspection_id, insp.kind)}


@get(f"{_PAGE}/checklist", opt={"action": "inspection:read"}, include_in_schema=False)
async def checklist_page(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                         inspection_id: Id) -> Template:
    """The inspection's checklist with its problem library, extra fields and statistics."""
    context = await _checklist_context(request, work, inspection_id)
    return Template("special/checklist.html", context=await page_context(
        state, work.tenant, **context))


@post(f"{_PAGE}/checklist/{{item_code:str}}", opt={"action": "finding:write"},
      include_in_schema=False, status_code=200)
async def checklist_mark(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                         inspection_id: Id,
                         item_code: ItemCode) -> Response[Any] | Template:
    """Mark one checklist item; refusals show above the checklist."""
    try:
        await mark_item(work, inspection_id, item_code, await parse_form(request, MarkIn))
    except Invalid as exc:
        context = await _checklist_context(request, work, inspection_id)
        errors = form_errors(exc, ())
        return Template("special/checklist.html", status_code=errors.status,
                        context=await page_context(state, work.tenant, **context,
                                                   errors=errors))
    return done(request, f"/t/{work.tenant.code}/inspections/{inspection_id}/checklist")


async def _extra_context(work: CurrentWork, inspection_id: int,
                         values: dict[str, Any] | None = None) -> dict[str, Any]:
    insp = await read_inspection(work, inspection_id)
    return {"insp": insp, "fields": extra_fields(work.plugins, insp.kind, "inspection"),
            "values": values if values is not None else insp.extra}


@get(f"{_PAGE}/extra", opt={"action": "inspection:write"}, include_in_schema=False)
async def extra_page(state: State, work: CurrentWork, inspection_id: Id) -> Template:
    """The form of the kind's extra fields of the inspection."""
    context = await _extra_context(work, inspection_id)
    return Template("special/extra.html", context=await page_context(
        state, work.tenant, **context))


@post(f"{_PAGE}/extra", opt={"action": "inspection:write"}, include_in_schema=False,
      status_code=200)
async def extra_save(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                     inspection_id: Id) -> Response[Any] | Template:
    """Save the extra fields (text is converted: numbers, dates, 是/否)."""
    insp = await read_inspection(work, inspection_id)
    form = await request.form()
    values: dict[str, Any] = {}
    try:
        values = extra_form_values(form, extra_fields(work.plugins, insp.kind, "inspection"))
        clean = check_extra(work.plugins, insp.kind, "inspection", values, lenient=True)
        await update_inspection(work, inspection_id, InspectionPatch(extra=clean))
    except Invalid as exc:
        errors = form_errors(exc, ())
        context = await _extra_context(work, inspection_id, values)
        return Template("special/extra.html", status_code=errors.status,
                        context=await page_context(state, work.tenant, **context,
                                                   errors=errors))
    return done(request, f"/t/{work.tenant.code}/inspections/{inspection_id}/checklist")


special_pages: list[Any] = [checklist_page, checklist_mark, extra_page, extra_save]
"""Every special-inspection page handler."""
