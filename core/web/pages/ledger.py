"""Pages of the rectification ledger (整改台账): an item's page and every write of the ledger.

On the inspection page's rectification section: add an item by hand or from
findings, submit an org's rectification report (整改报告), record a
disclosure (整改公开). On an item's page: edit it, move its status the way
the unit may (start, submit, take back), and the office's verdicts (accept,
return with a reason, close 销号). Each post calls the service the JSON API
calls (:mod:`core.inspection.ledger`, :mod:`core.inspection.rectification`)
with the API's action, so the rules and the guard are the same.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Template

from core.errors import Invalid
from core.fields import IdField
from core.inspection.escalation import scan_overdue
from core.inspection.ledger import (
    VERIFY_MOVES,
    WRITE_MOVES,
    ItemPatch,
    ItemsIn,
    StatusIn,
    VerifyIn,
    change_status,
    create_items,
    update_item,
)
from core.inspection.rectification import DisclosureIn, ReportIn, record_disclosure, submit_report
from core.web.deps import CurrentWork
from core.web.pages.closing_views import item_view
from core.web.pages.forms import FormErrors, done, form_errors, is_htmx, may, parse_form
from core.web.pages.home import page_context
from core.web.pages.sections import form_values, section_refusal
from core.web.params import Id
from core.work import Work

__all__ = ["ItemForm", "ItemsForm", "ScanForm", "ledger_page_handlers"]

SECTION = "inspection/rectification_section.html"

LongText = Annotated[str, msgspec.Meta(max_length=4000)]
Person = Annotated[str, msgspec.Meta(max_length=64)]
Office = Annotated[str, msgspec.Meta(max_length=100)]


class ItemsForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The add-item form: one item written out, or items from the chosen findings.

    ``mode`` says which (``written`` or ``findings``); the service checks the rest.
    """

    mode: Annotated[str, msgspec.Meta(max_length=16)] = "written"
    deadline: date
    finding_ids: list[IdField] = []
    org_id: IdField | None = None
    problem: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    finding_id: IdField | None = None
    measures: LongText = ""
    responsible_person: Person = ""
    responsible_leader: Person = ""
    lead_office: Office = ""

    def to_service(self) -> ItemsIn:
        """The service's input: what this form's mode sends."""
        common: dict[str, Any] = {
            "deadline": self.deadline, "measures": self.measures,
            "responsible_person": self.responsible_person,
            "responsible_leader": self.responsible_leader, "lead_office": self.lead_office}
        if self.mode == "findings":
            if not self.finding_ids:
                raise Invalid.on("finding_ids", "请至少勾选一个问题")
            return ItemsIn(finding_ids=self.finding_ids, **common)
        if self.mode != "written":
            raise Invalid.on("mode", "新增方式无效")
        if self.org_id is None:
            raise Invalid.on("org_id", "请选择整改单位")
        if not self.problem:
            raise Invalid.on("problem", "请填写存在的问题")
        return ItemsIn(org_id=self.org_id, problem=self.problem, finding_id=self.finding_id,
                       **common)


class ItemForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The edit form of an item: every field as it should be (blank clears it)."""

    deadline: date
    measures: LongText = ""
    responsible_person: Person = ""
    responsible_leader: Person = ""
    lead_office: Office = ""
    progress: LongText = ""


class ScanForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The ledger page's overdue scan: the whole tenant, or one inspection's items."""

    scope: Literal["tenant", "inspection"]
    inspection_id: IdField | None = None


# ---------------------------------------------------------------- the inspection page


@post("/t/{tenant:str}/inspections/{inspection_id:int}/rectification/items",
      opt={"action": "rectification:write"}, include_in_schema=False, status_code=200)
async def items_form(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                     inspection_id: Id) -> Response[Any]:
    """Add ledger items (one written out, or one per chosen finding)."""
    try:
        data = await parse_form(request, ItemsForm)
        made = await create_items(work, inspection_id, data.to_service())
    except Invalid as exc:
        return await section_refusal(request, state, work, inspection_id, exc, form="items",
                                     fields=ItemsForm, section=SECTION)
    if len(made.items) == 1:
        return done(request, f"/t/{work.tenant.code}/rectification/items/{made.items[0].id}")
    return done(request, f"/t/{work.tenant.code}/inspections/{inspection_id}#rectification")


@post("/t/{tenant:str}/inspections/{inspection_id:int}/rectification/reports",
      opt={"action": "rectification:write"}, include_in_schema=False, status_code=200)
async def report_submit_form(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                             inspection_id: Id) -> Response[Any]:
    """Record an inspected org's rectification report."""
    try:
        data = await parse_form(request, ReportIn)
        await submit_report(work, inspection_id, data)
    except Invalid as exc:
        return await section_refusal(request, state, work, inspection_id, exc,
                                     form="rect_report", fields=ReportIn, section=SECTION)
    return done(request, f"/t/{work.tenant.code}/inspections/{inspection_id}#rectification")


@post("/t/{tenant:str}/inspections/{inspection_id:int}/disclosures",
      opt={"action": "disclosure:write"}, include_in_schema=False, status_code=200)
async def disclosure_form(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                          inspection_id: Id) -> Response[Any]:
    """Record a disclosure, or its withholding with a listed reason and the approver."""
    try:
        data = await parse_form(request, DisclosureIn)
        await record_disclosure(work, inspection_id, data)
    except Invalid as exc:
        return await section_refusal(request, state, work, inspection_id, exc,
                                     form="disclosure", fields=DisclosureIn, section=SECTION)
    return done(request, f"/t/{work.tenant.code}/inspections/{inspection_id}#rectification")


# ---------------------------------------------------------------- the ledger page


@post("/t/{tenant:str}/rectification/scan", opt={"action": "rectification:scan"},
      include_in_schema=False, status_code=200)
async def scan_form(request: Request[Any, Any, Any], work: CurrentWork) -> Response[Any]:
    """Escalate overdue items one level now (the daily scan, at once); htmx gets the
    counts, a plain form goes back to the ledger."""
    try:
        data = await parse_form(request, ScanForm)
        if data.scope == "inspection" and data.inspection_id is None:
            raise Invalid.on("inspection_id", "请指定巡察任务")
        inspection_id = data.inspection_id if data.scope == "inspection" else None
        result = await scan_overdue(work, inspection_id)
    except Invalid as exc:
        errors = form_errors(exc)
        return Template("inspection/scan_result.html", status_code=errors.status, context={
            "errors": [m for ms in errors.by_field.values() for m in ms] + errors.general})
    if is_htmx(request):
        return Template("inspection/scan_result.html", context={"summary": result.summary()})
    back = f"/t/{work.tenant.code}/ledger"
    return done(request, back + (f"?inspection_id={inspection_id}" if inspection_id else ""))


# ---------------------------------------------------------------- an item's page


def _item_url(work: Work, item_id: int) -> str:
    return f"/t/{work.tenant.code}/rectification/items/{item_id}"


async def _item_context(request: Request[Any, Any, Any], state: State, work: Work, item_id: int,
                        **extra: Any) -> dict[str, Any]:
    """The item page; its forms only for who may post them (the unit does not verify)."""
    view = await item_view(work, item_id)
    can = {"write": await may(request, "rectification:write"),
           "verify": await may(request, "rectification:verify"),
           "inspection": await may(request, "inspection:read")}
    return await page_context(state, work.tenant, **view,
                              **{"fe": {}, "fv": {}, "can": can, **extra})


@get("/t/{tenant:str}/rectification/items/{item_id:int}", opt={"action": "rectification:read"},
     include_in_schema=False)
async def item_page(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                    item_id: Id) -> Template:
    """One ledger item: its problem, measures, people, deadline, status, history and forms."""
    context = await _item_context(request, state, work, item_id)
    return Template("inspection/item.html", context=context)


async def _item_refusal(request: Request[Any, Any, Any], state: State, work: Work,
                        item_id: int, exc: Invalid, form: str,
                        fields: type[msgspec.Struct]) -> Template:
    errors: FormErrors = form_errors(exc, fields)
    context = await _item_context(request, state, work, item_id, fe={form: errors},
                                  fv={form: await form_values(request)})
    template = "inspection/item_body.html" if is_htmx(request) else "inspection/item.html"
    return Template(template, context=context, status_code=errors.status)


@post("/t/{tenant:str}/rectification/items/{item_id:int}",
      opt={"action": "rectification:write"}, include_in_schema=False, status_code=200)
async def item_edit_form(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                         item_id: Id) -> Response[Any]:
    """Edit measures, deadline, people, lead office and progress (not once verified)."""
    try:
        data = await parse_form(request, ItemForm)
        await update_item(work, item_id, ItemPatch(**msgspec.structs.asdict(data)))
    except Invalid as exc:
        return await _item_refusal(request, state, work, item_id, exc, "edit", ItemForm)
    return done(request, _item_url(work, item_id))


@post("/t/{tenant:str}/rectification/items/{item_id:int}/status",
      opt={"action": "rectification:write"}, include_in_schema=False, status_code=200)
async def item_status_form(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                           item_id: Id) -> Response[Any]:
    """The unit's moves: start, submit for verification, take a submission back."""
    try:
        data = await parse_form(request, StatusIn)
        await change_status(work, item_id, data.to, data.remark, WRITE_MOVES)
    except Invalid as exc:
        return await _item_refusal(request, state, work, item_id, exc, "status", StatusIn)
    return done(request, _item_url(work, item_id))


@post("/t/{tenant:str}/rectification/items/{item_id:int}/verify",
      opt={"action": "rectification:verify"}, include_in_schema=False, status_code=200)
async def item_verify_form(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                           item_id: Id) -> Response[Any]:
    """The office's verdicts: accept, return (with the reason), close (销号)."""
    try:
        data = await parse_form(request, VerifyIn)
        await change_status(work, item_id, data.to, data.remark, VERIFY_MOVES)
    except Invalid as exc:
        return await _item_refusal(request, state, work, item_id, exc, "verify", VerifyIn)
    return done(request, _item_url(work, item_id))


ledger_page_handlers: list[Any] = [items_form, report_submit_form, disclosure_form, scan_form,
                                   item_page, item_edit_form, item_status_form,
                                   item_verify_form]
"""The ledger's pages and form posts."""
