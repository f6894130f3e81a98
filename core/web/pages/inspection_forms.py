"""Inspection forms: plan an inspection in a round, edit it, record the notice.

The services are those of the JSON API: :func:`core.inspection.planning.create_inspection`,
:func:`core.inspection.inspections.update_inspection` and
:func:`core.inspection.inspections.record_notice`. Target orgs are picked from
the tenant's org directory, grouped (departments, state-owned enterprises...,
each township with its villages) and filtered by a search box
(``data-filter-list`` in ``app.js``), never a select per row.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Template

from core.errors import Invalid, NotFound
from core.fields import IdField
from core.inspection import inspections
from core.inspection.inspections import EDITABLE, InspectionPatch, NoticeIn
from core.inspection.model import Stage
from core.inspection.planning import create_inspection, kind_labels
from core.inspection.tables import InspectionTarget, Round
from core.tenancy.model import ORG_KIND_LABELS
from core.tenancy.tables import Org, OrgKind
from core.web.deps import CurrentWork
from core.web.pages.formpage import posted_values, render_form
from core.web.pages.forms import done, form_errors, parse_form
from core.web.params import Id
from core.work import Work

__all__ = ["InspectionEditForm", "InspectionForm", "inspection_form_pages", "org_groups"]

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Topic = Annotated[str, msgspec.Meta(max_length=200)]
TeamName = Annotated[str, msgspec.Meta(max_length=64)]
PickedOrgs = Annotated[list[IdField], msgspec.Meta(max_length=50)]
UNSET: Any = msgspec.UNSET
_UNDER_TOWNSHIP = (OrgKind.village.value, OrgKind.community.value)


class InspectionForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new inspection of a round (the round is in the path)."""

    kind: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    org_ids: PickedOrgs = []
    title: Title | None = None
    topic: Topic = ""
    team_name: TeamName = ""
    onsite_start: date | None = None
    onsite_end: date | None = None


class InspectionEditForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to an inspection; blank dates clear them, targets only while planned."""

    title: Title
    topic: Topic = ""
    team_name: TeamName = ""
    onsite_start: date | None = None
    onsite_end: date | None = None
    org_ids: PickedOrgs = []


async def org_groups(work: Work) -> list[dict[str, Any]]:
    """The tenant's active orgs for the picker: each kind, and each township with its
    villages and communities (those whose township is inactive or unknown go last)."""
    rows = await work.session.list(Org, {"active": True}, order_by=("code", "id"), limit=None)
    townships = {r["id"]: r for r in rows if r["kind"] == OrgKind.township.value}
    under: dict[int, list[dict[str, Any]]] = {t: [] for t in townships}
    by_kind: dict[str, list[dict[str, Any]]] = {}
    loose: list[dict[str, Any]] = []
    for row in rows:
        entry = {"id": row["id"], "name": row["name"], "code": row["code"]}
        if row["kind"] == OrgKind.township.value:
            continue
        if row["kind"] in _UNDER_TOWNSHIP:
            under.get(row["parent"], loose).append(entry)
        else:
            by_kind.setdefault(row["kind"], []).append(entry)
    groups: list[dict[str, Any]] = [
        {"label": ORG_KIND_LABELS.get(kind, kind), "head": None, "orgs": by_kind[kind]}
        for kind in (k.value for k in OrgKind) if kind in by_kind]
    groups += [{"label": t["name"], "head": {"id": t["id"], "name": t["name"],
                                             "code": t["code"]}, "orgs": under[t_id]}
               for t_id, t in townships.items()]
    if loose:
        groups.append({"label": "其他村（社区）", "head": None, "orgs": loose})
    return groups


async def _kind_options(work: Work) -> list[tuple[str, str]]:
    kinds = await kind_labels(work)
    return [(code, k.label + ("（须填写专项主题）" if k.needs_topic else ""))
            for code, k in kinds.items()]


async def _round(work: Work, round_id: int) -> dict[str, Any]:
    row = await work.session.get(Round, round_id)
    if row is None:
        raise NotFound("巡察轮次不存在")
    return row


def _selected(values: dict[str, Any]) -> list[str]:
    picked = values.get("org_ids", [])
    return [str(v) for v in (picked if isinstance(picked, list) else [picked])]


async def _form_context(work: Work, values: dict[str, Any]) -> dict[str, Any]:
    return {"kinds": await _kind_options(work), "groups": await org_groups(work),
            "values": values, "selected": _selected(values)}


@get("/t/{tenant:str}/rounds/{round_id:int}/inspections/new",
     opt={"action": "inspection:write"}, include_in_schema=False)
async def inspection_new_page(request: Request[Any, Any, Any], state: State,
                              work: CurrentWork, round_id: Id) -> Template:
    """The form to plan an inspection in a round."""
    found = await _round(work, round_id)
    return await render_form(request, state, work, "inspection/inspection_form.html",
                             f"新建巡察任务 · {found['name']}", errors=None, round=found,
                             insp=None, back=f"/t/{work.tenant.code}/rounds?year={found['year']}",
                             **await _form_context(work, {"kind": "regular"}))


@post("/t/{tenant:str}/rounds/{round_id:int}/inspections",
      opt={"action": "inspection:write"}, include_in_schema=False, status_code=200)
async def inspection_create(request: Request[Any, Any, Any], state: State,
                            work: CurrentWork, round_id: Id) -> Response[Any] | Template:
    """Plan the inspection; its page follows."""
    found = await _round(work, round_id)
    try:
        data = await parse_form(request, InspectionForm)
        new_id = await create_inspection(
            work, round_id=round_id, kind=data.kind, org_ids=data.org_ids, title=data.title,
            topic=data.topic, team_name=data.team_name, onsite_start=data.onsite_start,
            onsite_end=data.onsite_end)
    except Invalid as exc:
        errors = form_errors(exc, InspectionForm)
        return await render_form(
            request, state, work, "inspection/inspection_form.html",
            f"新建巡察任务 · {found['name']}", status=errors.status, errors=errors,
            round=found, insp=None, back=f"/t/{work.tenant.code}/rounds?year={found['year']}",
            **await _form_context(work, await posted_values(request)))
    return done(request, f"/t/{work.tenant.code}/inspections/{new_id}")


async def _edit_values(work: Work, insp: Any) -> dict[str, Any]:
    links = await work.session.list(InspectionTarget, {"inspection_id": insp.id}, limit=None)
    values = {k: ("" if v is None else v) for k, v in msgspec.to_builtins(insp).items()}
    values["org_ids"] = [str(link["org_id"]) for link in links]
    return values


@get("/t/{tenant:str}/inspections/{inspection_id:int}/edit",
     opt={"action": "inspection:write"}, include_in_schema=False)
async def inspection_edit_page(request: Request[Any, Any, Any], state: State,
                               work: CurrentWork, inspection_id: Id) -> Template:
    """The form to change an inspection's title, topic, team name, dates and targets."""
    insp = await inspections.read_inspection(work, inspection_id)
    return await render_form(
        request, state, work, "inspection/inspection_form.html", f"修改巡察任务 · {insp.title}",
        errors=None, round=None, insp=insp, editable=Stage(insp.stage) in EDITABLE,
        back=f"/t/{work.tenant.code}/inspections/{inspection_id}",
        **await _form_context(work, await _edit_values(work, insp)))


@post("/t/{tenant:str}/inspections/{inspection_id:int}/edit",
      opt={"action": "inspection:write"}, include_in_schema=False, status_code=200)
async def inspection_update(request: Request[Any, Any, Any], state: State,
                            work: CurrentWork, inspection_id: Id) -> Response[Any] | Template:
    """Save the inspection (targets only while it is planned)."""
    insp = await inspections.read_inspection(work, inspection_id)
    try:
        data = await parse_form(request, InspectionEditForm)
        await inspections.update_inspection(work, inspection_id, InspectionPatch(
            title=data.title, topic=data.topic, team_name=data.team_name,
            onsite_start=data.onsite_start, onsite_end=data.onsite_end,
            org_ids=data.org_ids if insp.stage == Stage.planned.value else UNSET))
    except Invalid as exc:
        errors = form_errors(exc, InspectionEditForm)
        values = await posted_values(request)
        if insp.stage != Stage.planned.value:
            values["org_ids"] = (await _edit_values(work, insp))["org_ids"]
        return await render_form(
            request, state, work, "inspection/inspection_form.html",
            f"修改巡察任务 · {insp.title}", status=errors.status, errors=errors, round=None,
            insp=insp, editable=Stage(insp.stage) in EDITABLE,
            back=f"/t/{work.tenant.code}/inspections/{inspection_id}",
            **await _form_context(work, values))
    return done(request, f"/t/{work.tenant.code}/inspections/{inspection_id}")


@post("/t/{tenant:str}/inspections/{inspection_id:int}/notice",
      opt={"action": "inspection:write"}, include_in_schema=False, status_code=200)
async def notice_form(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                      inspection_id: Id) -> Response[Any] | Template:
    """Record the date the inspection notice went to the inspected unit."""
    insp = await inspections.read_inspection(work, inspection_id)
    try:
        data = await parse_form(request, NoticeIn)
        await inspections.record_notice(work, inspection_id, data)
    except Invalid as exc:
        errors = form_errors(exc, NoticeIn)
        return await render_form(
            request, state, work, "inspection/notice_form.html", f"登记巡察通知 · {insp.title}",
            status=errors.status, errors=errors, insp=insp,
            notice_errors=errors, notice_values=await posted_values(request),
            back=f"/t/{work.tenant.code}/inspections/{inspection_id}")
    return done(request, f"/t/{work.tenant.code}/inspections/{inspection_id}")


inspection_form_pages: list[Any] = [
    inspection_new_page, inspection_create, inspection_edit_page, inspection_update,
    notice_form,
]
"""Every inspection form handler."""
