"""Pages of the talent pool (Chinese, server-rendered): the roster, nomination, a
person's record with its forms, and the team suggestion of an inspection.

Forms post URL-encoded bodies read with the core's ``parse_form``; a refusal
shows the page again with each message beside its field and the refusal's
status; success answers 303 (``HX-Redirect`` for htmx) back to the page.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State as AppState
from litestar.params import QueryParameter
from litestar.response import Template

from core.api import (
    TEAM_ROLE_LABELS,
    CurrentWork,
    DomainError,
    Forbidden,
    Id,
    Invalid,
    TeamRole,
    Work,
    done,
    form_errors,
    may,
    page_context,
    parse_form,
    require_action,
    runtime_of,
)
from plugins.talent_pool import persons
from plugins.talent_pool.forming import FormTeamIn, Pick, form_team
from plugins.talent_pool.model import (
    HISTORY_LABELS,
    NOMINATION_LABELS,
    POLITICAL_LABELS,
    POOL_LABELS,
    RELATION_LABELS,
    STATUS_LABELS,
    Nomination,
    Political,
    Pool,
    Status,
    specialty_options,
)
from plugins.talent_pool.persons import (
    AvailabilityIn,
    Decision,
    HistoryIn,
    Leave,
    PersonIn,
    PersonPatch,
    RelationIn,
)
from plugins.talent_pool.roster import HEADERS, MAX_BYTES, import_roster
from plugins.talent_pool.suggest import suggest
from plugins.talent_pool.views import record_out, suggestion_out, summary_out

__all__ = ["EditForm", "talent_pages"]

Filter = Annotated[str, QueryParameter(max_length=64)]
Page = Annotated[int, QueryParameter(ge=0, le=1_000_000)]
NOTICES = {
    "nominated": "已提交推荐，资格审查结果见下方。",
    "saved": "已保存。",
    "decided": "已记录领导小组的审批意见。",
    "left": "已办理出库。",
    "checked": "已重新进行资格审查。",
    "formed": "已按推荐组建巡察组。",
}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
PAGE_SIZE = 50
LINE_FORMS: dict[str, type[msgspec.Struct]] = {
    "history": HistoryIn, "relations": RelationIn, "availability": AvailabilityIn}


class EditForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The record's own fields as the edit form posts them (blank clears a field)."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    gender: Annotated[str, msgspec.Meta(max_length=8)] = ""
    birth_date: date | None = None
    political_status: Political = Political.cpc
    party_joined_on: date | None = None
    home_unit: Annotated[str, msgspec.Meta(max_length=200)] = ""
    post: Annotated[str, msgspec.Meta(max_length=100)] = ""
    rank: Annotated[str, msgspec.Meta(max_length=64)] = ""
    phone: Annotated[str, msgspec.Meta(max_length=32)] = ""
    specialties: Annotated[list[Annotated[str, msgspec.Meta(max_length=32)]],
                           msgspec.Meta(max_length=20)] = []
    pools: Annotated[list[Pool], msgspec.Meta(max_length=4)] = []
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class TeamForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The ticked suggestions: ``pick`` values ``<person id>:<role>``."""

    pick: Annotated[list[Annotated[str, msgspec.Meta(max_length=40)]],
                    msgspec.Meta(max_length=30)] = []


def _choices(work: Work) -> dict[str, Any]:
    return {
        "specialty_options": specialty_options(work.tenant.settings),
        "pool_options": [(p.value, label) for p, label in POOL_LABELS.items()],
        "political_options": [(p.value, label) for p, label in POLITICAL_LABELS.items()],
        "status_options": [(s.value, label) for s, label in STATUS_LABELS.items()],
        "nomination_options": [(n.value, label) for n, label in NOMINATION_LABELS.items()
                               if n != Nomination.imported],
        "history_options": [(k.value, label) for k, label in HISTORY_LABELS.items()],
        "relation_options": [(k.value, label) for k, label in RELATION_LABELS.items()],
    }


async def _posted(request: Request[Any, Any, Any]) -> dict[str, Any]:
    form = await request.form()
    out: dict[str, Any] = {}
    for name in form:
        values = form.getall(name, [])
        out[name] = values if name in ("specialties", "pools", "pick") else (
            values[-1] if values else "")
    return out


@get("/t/{tenant:str}/talent", opt={"action": "talent:read"}, include_in_schema=False)
async def roster_page(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                      status: Filter = "", pool: Filter = "", specialty: Filter = "",
                      q: Filter = "", page: Page = 0, done: Filter = "") -> Template:
    """巡察人才库: the roster with filters; names link to the record for those who may read it."""
    rows, total = await persons.list_persons(
        work.session, status=status if status in Status.__members__ else None,
        pool=pool if pool in Pool.__members__ else None, specialty=specialty or None,
        query=q, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    context = await page_context(
        state, work.tenant, rows=[summary_out(r) for r in rows], total=total, page=page,
        pages=max(1, -(-total // PAGE_SIZE)), filters={"status": status, "pool": pool,
                                                        "specialty": specialty, "q": q},
        may_record=await may(request, "talent:record"),
        may_nominate=await may(request, "talent:nominate"),
        may_appraise=await may(request, "talent:appraise"),
        notice=NOTICES.get(done, ""), **_choices(work))
    return Template("talent_pool/roster.html", context=context)


async def _new_page(state: AppState, work: Work, status: int = 200, **extra: Any) -> Template:
    context = await page_context(state, work.tenant, **_choices(work),
                                 **{"errors": None, "values": {"kind": "nomination",
                                                               "political_status": "cpc",
                                                               "pools": ["general"]},
                                    **extra})
    return Template("talent_pool/new.html", context=context, status_code=status)


@get("/t/{tenant:str}/talent/new", opt={"action": "talent:nominate"}, include_in_schema=False)
async def new_page(state: AppState, work: CurrentWork) -> Template:
    """推荐入库: the nomination (or self-nomination) form."""
    return await _new_page(state, work)


@post("/t/{tenant:str}/talent", opt={"action": "talent:nominate"}, include_in_schema=False,
      status_code=200)
async def nominate_form(request: Request[Any, Any, Any], state: AppState,
                        work: CurrentWork) -> Template | Response[Any]:
    """Nominate a person; the eligibility check runs at once."""
    try:
        data = await parse_form(request, PersonIn)
        person = await persons.nominate(work, data)
    except DomainError as exc:
        errors = form_errors(exc, PersonIn)
        return await _new_page(state, work, errors.status, errors=errors,
                               values=await _posted(request))
    if await may(request, "talent:record"):
        return done(request, f"/t/{work.tenant.code}/talent/{person['id']}?done=nominated")
    return done(request, f"/t/{work.tenant.code}/talent?done=nominated")


async def _record_page(request: Request[Any, Any, Any], state: AppState, work: Work,
                       person_id: int, status: int = 200, **extra: Any) -> Template:
    record = record_out(await persons.read_record(work, person_id))
    context = await page_context(
        state, work.tenant, p=record, **_choices(work),
        may_write=await may(request, "talent:write"),
        may_approve=await may(request, "talent:approve"),
        **{"errors": {}, "values": {}, "notice": "", **extra})
    return Template("talent_pool/record.html", context=context, status_code=status)


@get("/t/{tenant:str}/talent/{talent_person_id:int}", opt={"action": "talent:record"},
     include_in_schema=False)
async def record_page(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                      talent_person_id: Id, done: Filter = "") -> Template:
    """人员档案: the whole record (this read is audited) and the forms that change it."""
    return await _record_page(request, state, work, talent_person_id,
                              notice=NOTICES.get(done, ""))


async def _record_write(request: Request[Any, Any, Any], state: AppState, work: Work,
                        person_id: int, form: str, kind: type[msgspec.Struct], action: Any,
                        notice: str = "saved") -> Template | Response[Any]:
    await persons.load_person(work.session, person_id)
    try:
        data = await parse_form(request, kind)
        await action(data)
    except DomainError as exc:
        errors = form_errors(exc, kind)
        return await _record_page(request, state, work, person_id, errors.status,
                                  errors={form: errors}, values={form: await _posted(request)})
    return done(request, f"/t/{work.tenant.code}/talent/{person_id}?done={notice}")


def _patch(form: EditForm) -> PersonPatch:
    return PersonPatch(**{f: getattr(form, f) for f in form.__struct_fields__})


@post("/t/{tenant:str}/talent/{talent_person_id:int}", opt={"action": "talent:write"},
      include_in_schema=False, status_code=200)
async def edit_form(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                    talent_person_id: Id) -> Template | Response[Any]:
    """Change the record's own fields."""
    return await _record_write(
        request, state, work, talent_person_id, "edit", EditForm,
        lambda data: persons.update_person(work, talent_person_id, _patch(data)))


def _line_routes(kind: str, label: str) -> list[Any]:
    form_type = LINE_FORMS[kind]

    async def add(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                  talent_person_id: Id) -> Template | Response[Any]:
        return await _record_write(
            request, state, work, talent_person_id, kind, form_type,
            lambda data: persons.add_line(work, talent_person_id, kind, data))

    async def remove(request: Request[Any, Any, Any], work: CurrentWork,
                     talent_person_id: Id, talent_line_id: Id) -> Response[Any]:
        await persons.delete_line(work, talent_person_id, kind, talent_line_id)
        return done(request, f"/t/{work.tenant.code}/talent/{talent_person_id}?done=saved")

    add.__doc__ = f"Add {label} to the record."
    remove.__doc__ = f"Remove {label} from the record."
    add.__name__, remove.__name__ = f"add_{kind}_form", f"delete_{kind}_form"
    return [
        post(f"/t/{{tenant:str}}/talent/{{talent_person_id:int}}/{kind}",
             opt={"action": "talent:write"}, include_in_schema=False, status_code=200,
             name=f"talent_add_{kind}")(add),
        post(f"/t/{{tenant:str}}/talent/{{talent_person_id:int}}/{kind}/"
             f"{{talent_line_id:int}}/delete", opt={"action": "talent:write"},
             include_in_schema=False, status_code=200, name=f"talent_delete_{kind}")(remove),
    ]


@post("/t/{tenant:str}/talent/{talent_person_id:int}/decision",
      opt={"action": "talent:approve"}, include_in_schema=False, status_code=200)
async def decision_form(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                        talent_person_id: Id) -> Template | Response[Any]:
    """The leading group approves or refuses a nomination."""
    return await _record_write(request, state, work, talent_person_id, "decision", Decision,
                               lambda data: persons.decide(work, talent_person_id, data),
                               "decided")


@post("/t/{tenant:str}/talent/{talent_person_id:int}/leave", opt={"action": "talent:write"},
      include_in_schema=False, status_code=200)
async def leave_form(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                     talent_person_id: Id) -> Template | Response[Any]:
    """Take the person out of the pool with the reason."""
    return await _record_write(request, state, work, talent_person_id, "leave", Leave,
                               lambda data: persons.leave(work, talent_person_id, data),
                               "left")


class _Nothing(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A form with no fields but the CSRF token."""


@post("/t/{tenant:str}/talent/{talent_person_id:int}/eligibility",
      opt={"action": "talent:write"}, include_in_schema=False, status_code=200)
async def eligibility_form(request: Request[Any, Any, Any], state: AppState,
                           work: CurrentWork, talent_person_id: Id) -> Template | Response[Any]:
    """Run the eligibility check again."""
    return await _record_write(request, state, work, talent_person_id, "eligibility",
                               _Nothing, lambda _: persons.recheck(work, talent_person_id),
                               "checked")


async def _suggest_page(request: Request[Any, Any, Any], state: AppState, work: Work,
                        inspection_id: int, specialty: list[str], status: int = 200,
                        **extra: Any) -> Template:
    found = suggestion_out(await suggest(work, inspection_id, specialty))
    context = await page_context(
        state, work.tenant, s=found, asked=specialty, **_choices(work),
        may_form=await may(request, "team:write"),
        roles=[(r.value, TEAM_ROLE_LABELS[r]) for r in TeamRole],
        **{"errors": None, "notice": "", **extra})
    return Template("talent_pool/suggest.html", context=context, status_code=status)


@get("/t/{tenant:str}/inspections/{inspection_id:int}/talent",
     opt={"action": "talent:suggest"}, include_in_schema=False)
async def suggest_page(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                       inspection_id: Id,
                       specialty: Annotated[list[str] | None, QueryParameter(max_items=20)]
                       = None, done: Filter = "") -> Template:
    """巡察组人选推荐: the proposed team and the ranked candidates, with the reasons."""
    asked = [s[:32] for s in specialty or []]
    return await _suggest_page(request, state, work, inspection_id, asked,
                               notice=NOTICES.get(done, ""))


def _picks(form: TeamForm) -> list[Pick]:
    picks = []
    for value in form.pick:
        person, _, role = value.partition(":")
        if not person.isdigit() or role not in TeamRole.__members__:
            raise Invalid.on("pick", "所选人员无效，请刷新页面后重新选择")
        picks.append(Pick(person_id=int(person), role=TeamRole(role)))
    if not picks:
        raise Invalid.on("pick", "请至少勾选一名人选")
    return picks


@post("/t/{tenant:str}/inspections/{inspection_id:int}/talent",
      opt={"action": "talent:suggest"}, include_in_schema=False, status_code=200)
async def form_team_form(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                         inspection_id: Id) -> Template | Response[Any]:
    """Put the ticked suggestions on the team in one step (all or nothing)."""
    try:
        data = await parse_form(request, TeamForm)
        await require_action(request, "team:write")
        await form_team(work, inspection_id, FormTeamIn(members=_picks(data)),
                        runtime=runtime_of(state))
    except (DomainError, Forbidden) as exc:
        errors = form_errors(exc, ())  # the ticks are rows of a table: all in the summary
        return await _suggest_page(request, state, work, inspection_id, [], errors.status,
                                   errors=errors)
    return done(request, f"/t/{work.tenant.code}/inspections/{inspection_id}/team")


async def _import_page(request: Request[Any, Any, Any], state: AppState, work: Work,
                       status: int = 200, **extra: Any) -> Template:
    context = await page_context(
        state, work.tenant, headers=HEADERS, max_mb=MAX_BYTES // 1024 // 1024,
        may_export=await may(request, "talent:record"),
        **{"refused": [], "report": None, **extra})
    return Template("talent_pool/import.html", context=context, status_code=status)


@get("/t/{tenant:str}/talent/import", opt={"action": "talent:write"}, include_in_schema=False)
async def import_page(request: Request[Any, Any, Any], state: AppState,
                      work: CurrentWork) -> Template:
    """导入名册: the upload form and the columns the sheet needs."""
    return await _import_page(request, state, work)


@post("/t/{tenant:str}/talent/import", opt={"action": "talent:write"}, include_in_schema=False,
      status_code=200, request_max_body_size=MAX_BYTES + 64 * 1024)
async def import_form(request: Request[Any, Any, Any], state: AppState,
                      work: CurrentWork) -> Template:
    """Import the uploaded roster; a refusal lists every refused row and why, and nothing
    is written."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    try:
        if media not in FORM_TYPES:
            raise Invalid.on("file", "请通过页面表单提交")
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
            raise Invalid.on("file", "请选择要导入的 Excel（.xlsx）名册文件")
        content = await upload.read()
        report = await import_roster(work, content)
    except DomainError as exc:
        return await _import_page(request, state, work, form_errors(exc, ()).status,
                                  refused=[e.message for e in exc.errors] or [str(exc)])
    return await _import_page(request, state, work, report=report)


talent_pages: list[Any] = [
    import_page, import_form,
    roster_page, new_page, nominate_form, record_page, edit_form, decision_form, leave_form,
    eligibility_form, suggest_page, form_team_form,
    *_line_routes("history", "a line of history"),
    *_line_routes("relations", "a relation"),
    *_line_routes("availability", "an availability period"),
]
"""Every page handler of the plugin."""
