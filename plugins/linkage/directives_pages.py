"""Web pages of directives and shared findings (Chinese, server-rendered).

``/t/{tenant}/directives`` is, in a city, its directives with a form to
issue one and a button to withdraw; in a county, "上级部署": what its city
sent. ``/t/{tenant}/directives/{id}`` shows, in a city, each county's
progress; in a county, its ledger items answering a common problem and a
form to add one. ``/t/{tenant}/shared-findings`` lists shared findings (a
county: its siblings'; a city: its counties'). Forms post URL-encoded
bodies and are redirected after success (303); a refusal shows the page
again with every reason and the refusal's status.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from core.api import (
    ITEM_STAGES,
    CurrentWork,
    Id,
    Inspection,
    InspectionTarget,
    Invalid,
    MenuItem,
    Offset,
    Org,
    TenantInfo,
    Work,
    etag_of,
    inspection_kinds,
    is_htmx,
    live_headers,
    moment,
    not_modified,
    page_context,
    refusal_of,
    runtime_of,
    sync_version,
    translate,
    unchanged,
)
from plugins.linkage import answers, directives
from plugins.linkage.answers import AnswerItemsIn
from plugins.linkage.directives import DirectiveIn, WithdrawIn
from plugins.linkage.model import DIRECTIVE_KIND_LABELS, is_county
from plugins.linkage.shared import list_shared_findings

__all__ = ["AnswerForm", "DirectiveForm", "directive_pages", "menu_items"]

PAGE = 50
"""Rows per page of the lists."""

Short = Annotated[str, msgspec.Meta(max_length=200)]
Code = Annotated[str, msgspec.Meta(max_length=64)]


class DirectiveForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The issue form; no ``targets`` ticked means every county."""

    kind: Annotated[str, msgspec.Meta(max_length=32)] = ""
    title: Short = ""
    body: Annotated[str, msgspec.Meta(max_length=20000)] = ""
    due_date: Annotated[str, msgspec.Meta(max_length=32)] = ""
    targets: Annotated[list[Code], msgspec.Meta(max_length=500)] | Code = ""
    inspection_kind: Annotated[str, msgspec.Meta(max_length=32)] = ""


class WithdrawForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The withdraw button, with an optional reason."""

    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


class AnswerForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A ledger item answering a common problem: ``target`` is ``<inspection>:<org>``."""

    target: Annotated[str, msgspec.Meta(max_length=32)] = ""
    problem: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    measures: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    deadline: Annotated[str, msgspec.Meta(max_length=32)] = ""
    responsible_person: Annotated[str, msgspec.Meta(max_length=64)] = ""
    responsible_leader: Annotated[str, msgspec.Meta(max_length=64)] = ""
    lead_office: Annotated[str, msgspec.Meta(max_length=100)] = ""


Form = RequestEncodingType.URL_ENCODED


def menu_items(tenant: TenantInfo) -> list[MenuItem]:
    """The linkage entries of a tenant's menu: a county's differ from a city's."""
    if is_county(tenant):
        return [MenuItem(label="上级部署", path="directives", order=30),
                MenuItem(label="兄弟县（市、区）共享问题", path="shared-findings", order=31)]
    return [MenuItem(label="下级巡察机构", path="counties", order=29),
            MenuItem(label="下发部署", path="directives", order=30),
            MenuItem(label="县（市、区）共享问题", path="shared-findings", order=31)]


def _day(value: str, field: str, required: bool = False) -> date | None:
    value = value.strip()
    if not value:
        if required:
            raise Invalid.on(field, "请填写日期")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid.on(field, "日期格式应为 YYYY-MM-DD") from None


def _convert(values: dict[str, Any], cls: type[Any]) -> Any:
    """``values`` as ``cls``, or 400 naming the field in Chinese."""
    try:
        return msgspec.convert(values, cls)
    except msgspec.ValidationError as exc:
        at = re.search(r"at `\$\.(\w+)", str(exc))
        raise Invalid.on(at[1] if at else "body", translate(str(exc))) from None


async def _counties(state: State, work: Work) -> dict[str, str]:
    return await directives.known_counties(work, runtime_of(state).tenants)


async def _list_context(state: State, work: Work, offset: int, *,
                        errors: list[str] | None = None,
                        form: DirectiveForm | None = None) -> dict[str, Any]:
    county = is_county(work.tenant)
    if county:
        page = await answers.received_directives(work, None, limit=PAGE, offset=offset)
        counties: dict[str, str] = {}
    else:
        page = await directives.list_directives(work, None, limit=PAGE, offset=offset)
        counties = await _counties(state, work)
    base = f"/t/{work.tenant.code}/directives"
    picked = form.targets if form else []
    return await page_context(
        state, work.tenant, page=page, county=county, counties=counties,
        kinds=list(DIRECTIVE_KIND_LABELS.items()), form=form or DirectiveForm(),
        inspection_kinds=[(code, k.label) for code, k in (await inspection_kinds(work)).items()],
        picked=[picked] if isinstance(picked, str) else picked,
        errors=errors or [], offset=offset, today=work.clock.today(),
        prev=f"{base}?offset={max(offset - PAGE, 0)}" if offset else "",
        next=f"{base}?offset={offset + PAGE}" if offset + PAGE < page.total else "")


@get("/t/{tenant:str}/directives", opt={"action": "directive:read"}, include_in_schema=False)
async def directives_page(state: State, work: CurrentWork, offset: Offset = 0) -> Template:
    """A city's directives and the issue form, or a county's directives received."""
    context = await _list_context(state, work, offset)
    return Template("linkage/directives.html", context=context)


@post("/t/{tenant:str}/directives", opt={"action": "directive:write"},
      include_in_schema=False, status_code=200)
async def issue_form(state: State, work: CurrentWork,
                     data: Annotated[DirectiveForm, Body(media_type=Form)]
                     ) -> Template | Redirect:
    """Issue a directive from the form; refusals come back with every reason."""
    directives.require_city(work.tenant)
    try:
        targets = [data.targets] if isinstance(data.targets, str) else data.targets
        data_in = DirectiveIn(kind=data.kind, title=data.title, body=data.body,
                              due_date=_day(data.due_date, "due_date"),
                              targets=[t for t in targets if t.strip()],
                              inspection_kind=data.inspection_kind)
        out = await directives.create_directive(work, data_in, await _counties(state, work))
    except Invalid as exc:
        errors, status = refusal_of(exc)
        context = await _list_context(state, work, 0, errors=errors, form=data)
        return Template("linkage/directives.html", context=context, status_code=status)
    return Redirect(f"/t/{work.tenant.code}/directives/{out.id}", status_code=303)


@post("/t/{tenant:str}/directives/{directive_id:int}/withdraw",
      opt={"action": "directive:write"}, include_in_schema=False, status_code=200)
async def withdraw_form(state: State, work: CurrentWork, directive_id: Id,
                        data: Annotated[WithdrawForm, Body(media_type=Form)]
                        ) -> Template | Redirect:
    """Withdraw a directive (the counties addressed are told)."""
    try:
        await directives.withdraw_directive(work, directive_id, WithdrawIn(reason=data.reason))
    except Invalid as exc:
        errors, status = refusal_of(exc)
        context = await _detail_context(state, work, directive_id, errors=errors)
        return Template("linkage/directive.html", context=context, status_code=status)
    return Redirect(f"/t/{work.tenant.code}/directives/{directive_id}", status_code=303)


async def _answer_targets(work: Work) -> list[dict[str, Any]]:
    """Orgs the county may put ledger items on: targets of inspections in rectification."""
    session = work.session
    inspections = await session.list(Inspection, {"stage": [s.value for s in ITEM_STAGES]},
                                     order_by=("-id",), limit=None)
    if not inspections:
        return []
    links = await session.list(InspectionTarget,
                               {"inspection_id": [i["id"] for i in inspections]}, limit=None)
    orgs = {o["id"]: o["name"] for o in await session.list(
        Org, {"id": sorted({link["org_id"] for link in links})}, limit=None)} if links else {}
    titles = {i["id"]: i["title"] for i in inspections}
    return [{"value": f"{link['inspection_id']}:{link['org_id']}",
             "label": f"{titles[link['inspection_id']]} · {orgs.get(link['org_id'], '')}"}
            for link in sorted(links, key=lambda k: (-k["inspection_id"], k["org_id"]))]


async def _detail_context(state: State, work: Work, directive_id: int, *,
                          errors: list[str] | None = None,
                          form: AnswerForm | None = None) -> dict[str, Any]:
    county = is_county(work.tenant)
    if county:
        detail = await answers.received_detail(work, directive_id)
        choices = await _answer_targets(work)
        names: dict[str, str] = {}
    else:
        names = await _counties(state, work)
        detail = await directives.directive_detail(work, directive_id, names)
        choices = []
    return await page_context(
        state, work.tenant, detail=detail, d=detail.directive, county=county, counties=names,
        choices=choices, errors=errors or [], today=work.clock.today(), moment=moment,
        form=form or AnswerForm(problem=detail.directive.title))


@get("/t/{tenant:str}/directives/{directive_id:int}", opt={"action": "directive:read"},
     include_in_schema=False)
async def directive_page(state: State, work: CurrentWork, directive_id: Id) -> Template:
    """One directive: each county's progress (city), or the county's own answer."""
    context = await _detail_context(state, work, directive_id)
    return Template("linkage/directive.html", context=context)


def _answer_in(data: AnswerForm) -> AnswerItemsIn:
    inspection, _, org = data.target.partition(":")
    if not (inspection.isdigit() and org.isdigit()):
        raise Invalid.on("target", "请选择整改单位（巡察任务中的被巡察单位）")
    values: dict[str, Any] = {
        "inspection_id": int(inspection), "org_id": int(org),
        "deadline": _day(data.deadline, "deadline", required=True),
        "measures": data.measures.strip(),
        "responsible_person": data.responsible_person.strip(),
        "responsible_leader": data.responsible_leader.strip(),
        "lead_office": data.lead_office.strip()}
    if data.problem.strip():
        values["problem"] = data.problem.strip()
    answer: AnswerItemsIn = _convert(values, AnswerItemsIn)
    return answer


@post("/t/{tenant:str}/directives/{directive_id:int}/items",
      opt={"action": "directive:answer"}, include_in_schema=False, status_code=200)
async def answer_form(state: State, work: CurrentWork, directive_id: Id,
                      data: Annotated[AnswerForm, Body(media_type=Form)]
                      ) -> Template | Redirect:
    """Add a ledger item answering a common problem; refusals come back with the reasons."""
    try:
        await answers.answer_with_items(work, directive_id, _answer_in(data))
    except Invalid as exc:
        errors, status = refusal_of(exc)
        context = await _detail_context(state, work, directive_id, errors=errors, form=data)
        return Template("linkage/directive.html", context=context, status_code=status)
    return Redirect(f"/t/{work.tenant.code}/directives/{directive_id}", status_code=303)


@get("/t/{tenant:str}/shared-findings", opt={"action": "shared_finding:read"},
     include_in_schema=False)
async def shared_findings_page(request: Request[Any, Any, Any], state: State,
                               work: CurrentWork, offset: Offset = 0
                               ) -> Template | Response[bytes]:
    """Shared findings: a county's siblings' (through the city), or a city's counties';
    htmx polls the list (304 while nothing arrived)."""
    etag = etag_of(request, await sync_version(work.session))
    if unchanged(request, etag):
        return not_modified(etag)
    page = await list_shared_findings(work, source=None, limit=PAGE, offset=offset)
    base = f"/t/{work.tenant.code}/shared-findings"
    context = await page_context(
        state, work.tenant, page=page, county=is_county(work.tenant), offset=offset,
        moment=moment,
        prev=f"{base}?offset={max(offset - PAGE, 0)}" if offset else "",
        next=f"{base}?offset={offset + PAGE}" if offset + PAGE < page.total else "")
    name = ("linkage/shared_findings_live.html" if is_htmx(request)
            else "linkage/shared_findings.html")
    return Template(name, context=context, headers=live_headers(etag))


directive_pages: list[Any] = [directives_page, issue_form, withdraw_form, directive_page,
                              answer_form, shared_findings_page]
"""Every page handler of directives and shared findings."""
