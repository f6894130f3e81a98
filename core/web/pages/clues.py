"""Clue pages (问题线索): record, edit, refer (移交), receipt (签收回执) and outcome (办理结果).

A clue's persons are confidential. The clue page shows them only to an
account that may take ``clue:read_persons`` (the leader, the office head,
the receiving body's liaison), and reads them through
:func:`core.inspection.clues.read_persons`, which audits every read as the
API does; to anyone else the page says how many there are and no more.
The record and edit forms take the persons as rows (name, position, unit;
a row left blank is dropped), so rows can be added and removed.

Every write calls :mod:`core.inspection.clues`, as the JSON API does;
refusals come back beside their fields (:mod:`core.web.pages.forms`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Template

from core.errors import Invalid
from core.fields import IdField
from core.inspection.clue_query import ClueOut, read_clue
from core.inspection.clues import (
    MAX_PERSONS,
    RECORD_STAGES,
    REFERRAL_STAGES,
    ClueCreate,
    ClueOutcome,
    ClueReceipt,
    ClueReferral,
    ClueUpdate,
    conclude_clue,
    read_persons,
    receive_clue,
    record_clue,
    refer_clue,
    update_clue,
)
from core.inspection.common import load_inspection
from core.inspection.model import (
    CLUE_GRADE_LABELS,
    RECEIVING_BODY_LABELS,
    ClueGrade,
    ClueStatus,
    ReceivingBody,
)
from core.web.deps import CurrentWork
from core.web.errors import FieldError, InputError
from core.web.pages.forms import FormErrors, done, form_errors, is_htmx, may, parse_form
from core.web.pages.home import page_context
from core.web.pages.onsite_forms import options, struct_of, target_options
from core.web.pages.views import moment, stage_badge
from core.web.params import Id
from core.work import Work

__all__ = [
    "ClueEditForm",
    "ClueForm",
    "OutcomeForm",
    "ReceiptForm",
    "ReferralForm",
    "clue_form_context",
    "clue_page_handlers",
]

Req = Request[Any, Any, Any]

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Summary = Annotated[str, msgspec.Meta(max_length=5000)]
Row = Annotated[list[Annotated[str, msgspec.Meta(max_length=200)]],
                msgspec.Meta(max_length=MAX_PERSONS + 10)]
BLANK_ROWS = 2
"""Empty person rows the forms offer besides the filled ones (more come with 添加一行)."""


class ClueForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The record form: the clue and its persons as rows (``person_*`` fields)."""

    title: Title
    grade: ClueGrade
    org_id: IdField
    summary: Summary = ""
    city_managed: bool = False
    person_name: Row = []
    person_position: Row = []
    person_unit: Row = []


class ClueEditForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The edit form; the persons change only when the form showed them (``persons_shown``)."""

    title: Title
    grade: ClueGrade
    summary: Summary = ""
    city_managed: bool = False
    persons_shown: bool = False
    person_name: Row = []
    person_position: Row = []
    person_unit: Row = []


class ReferralForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Referral (移交): the receiving body, its name for 其他, the day."""

    receiving_body: ReceivingBody
    receiving_body_name: Annotated[str, msgspec.Meta(max_length=100)] = ""
    referred_on: date | None = None


class ReceiptForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The receiving body signed for the clue (签收回执) on a day."""

    received_on: date | None = None


class OutcomeForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The receiving body's outcome (办理结果) and the day the clue concluded."""

    outcome: Annotated[str, msgspec.Meta(min_length=2, max_length=2000)]
    concluded_on: date | None = None


_CLUE_FIELDS = ("title", "grade", "org_id", "summary", "city_managed")


async def _posted_rows(request: Req) -> list[dict[str, str]]:
    """The posted person rows, aligned by position; rows left wholly blank are dropped."""
    form = await request.form()
    columns = [[str(v).strip() for v in form.getall(f"person_{key}", [])]
               for key in ("name", "position", "unit")]
    rows = []
    for i in range(max((len(c) for c in columns), default=0)):
        name, position, unit = (c[i] if i < len(c) else "" for c in columns)
        if name or position or unit:
            rows.append({"name": name, "position": position, "unit": unit})
    return rows


async def _person_rows(request: Req) -> list[dict[str, str]]:
    """The posted person rows, each with a name and a position, at most :data:`MAX_PERSONS`."""
    rows = await _posted_rows(request)
    if len(rows) > MAX_PERSONS:
        raise InputError([FieldError("persons", f"涉及人员最多 {MAX_PERSONS} 人")])
    errors = []
    for n, row in enumerate(rows, 1):
        for key, what, longest in (("name", "姓名", 64), ("position", "职务", 100),
                                   ("unit", "工作单位", 200)):
            if not row[key] and key != "unit":
                errors.append(FieldError("persons", f"第 {n} 行：{what}不能为空"))
            elif len(row[key]) > longest:
                errors.append(FieldError("persons", f"第 {n} 行：{what}不能超过 {longest} 个字"))
    if errors:
        raise InputError(errors)
    return rows


def _rows_for_form(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Filled rows and a few blank ones, at most :data:`MAX_PERSONS` in all."""
    blank = {"name": "", "position": "", "unit": ""}
    return [*rows, *[blank] * max(0, min(BLANK_ROWS, MAX_PERSONS - len(rows)))]


async def _raw(request: Req) -> dict[str, Any]:
    form = await request.form()
    return {name: form.get(name, "") for name in _CLUE_FIELDS}


async def clue_form_context(work: Work, inspection: dict[str, Any], *,
                            values: dict[str, Any] | None = None,
                            persons: list[dict[str, Any]] | None = None,
                            errors: FormErrors | None = None) -> dict[str, Any]:
    """What the record form shows: the targets, the grades, the values and person rows."""
    return {
        "insp": inspection, "clue_orgs": await target_options(work, inspection["id"]),
        "grades": options(CLUE_GRADE_LABELS), "clue_values": values or {},
        "clue_persons": _rows_for_form(persons or []), "clue_errors": errors,
        "max_persons": MAX_PERSONS,
        "clues_open": inspection["stage"] in {s.value for s in RECORD_STAGES},
    }


@get("/t/{tenant:str}/inspections/{inspection_id:int}/clues/new",
     opt={"action": "clue:write"}, include_in_schema=False)
async def new_clue_page(state: State, work: CurrentWork, inspection_id: Id) -> Template:
    """The record form of a clue on a page of its own."""
    inspection = await load_inspection(work.session, inspection_id)
    context = await clue_form_context(work, inspection)
    return Template("inspection/clue_new.html", context=await page_context(
        state, work.tenant, **context, badge=stage_badge(inspection["stage"])))


@post("/t/{tenant:str}/inspections/{inspection_id:int}/clues",
      opt={"action": "clue:write"}, include_in_schema=False, status_code=200)
async def create_clue_form(request: Req, state: State, work: CurrentWork,
                           inspection_id: Id) -> Response[Any] | Template:
    """Record a clue with its persons (confidential); go to its page."""
    inspection = await load_inspection(work.session, inspection_id)
    persons: list[dict[str, str]] = []
    try:
        form = await parse_form(request, ClueForm)
        persons = await _person_rows(request)
        values = {k: getattr(form, k) for k in _CLUE_FIELDS}
        row = await record_clue(work, inspection_id, struct_of({**values, "persons": persons},
                                                               ClueCreate))
    except Invalid as exc:
        errors = form_errors(exc, (*_CLUE_FIELDS, "persons"))
        persons = persons or await _rows_quietly(request)
        context = await clue_form_context(work, inspection, values=await _raw(request),
                                          persons=persons, errors=errors)
        if is_htmx(request):
            return Template("inspection/clue_form.html", status_code=errors.status,
                            context={**context, "tenant": work.tenant})
        return Template("inspection/clue_new.html", status_code=errors.status,
                        context=await page_context(state, work.tenant, **context,
                                                   badge=stage_badge(inspection["stage"])))
    return done(request, f"/t/{work.tenant.code}/clues/{row['id']}")


async def _rows_quietly(request: Req) -> list[dict[str, str]]:
    """The posted rows to show again (the first :data:`MAX_PERSONS`), whatever their state."""
    return (await _posted_rows(request))[:MAX_PERSONS]


# ---------------------------------------------------------------- the clue page


async def _clue_context(request: Req, state: State, work: Work, clue: ClueOut, *,
                        errors: dict[str, FormErrors] | None = None,
                        values: dict[str, dict[str, Any]] | None = None,
                        persons: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The clue page: its facts, its persons if the reader may see them, its forms."""
    errors, values = errors or {}, values or {}
    inspection = await load_inspection(work.session, clue.inspection_id)
    data = msgspec.structs.asdict(clue)
    sees_persons = await may(request, "clue:read_persons")
    shown = await read_persons(work, clue.id) if sees_persons else []
    status = ClueStatus(clue.status)
    today = work.clock.today().isoformat()
    in_referral = inspection["stage"] in {s.value for s in REFERRAL_STAGES}
    return await page_context(
        state, work.tenant, clue=data, inspection=inspection,
        badge=stage_badge(inspection["stage"]), recorded=moment(clue.recorded_at),
        sees_persons=sees_persons, persons=shown, today=today,
        grades=options(CLUE_GRADE_LABELS), bodies=options(RECEIVING_BODY_LABELS),
        can_edit=status is ClueStatus.recorded and await may(request, "clue:write"),
        can_refer=status is ClueStatus.recorded and await may(request, "clue:refer"),
        in_referral=in_referral,
        can_receive=status is ClueStatus.referred and await may(request, "clue:answer"),
        can_conclude=status in (ClueStatus.referred, ClueStatus.received)
        and await may(request, "clue:answer"),
        edit_values=values.get("edit") or data,
        edit_persons=_rows_for_form(persons if persons is not None else shown),
        max_persons=MAX_PERSONS,
        referral_values=values.get("referral") or {"referred_on": today},
        receipt_values=values.get("receipt") or {"received_on": today},
        outcome_values=values.get("outcome") or {"concluded_on": today},
        edit_errors=errors.get("edit"), referral_errors=errors.get("referral"),
        receipt_errors=errors.get("receipt"), outcome_errors=errors.get("outcome"))


@get("/t/{tenant:str}/clues/{clue_id:int}", opt={"action": "clue:read"},
     include_in_schema=False)
async def clue_page(request: Req, state: State, work: CurrentWork, clue_id: Id) -> Template:
    """One clue: its facts, referral, receipt and outcome, and the forms of its next step."""
    clue = await read_clue(work, clue_id)
    return Template("inspection/clue.html",
                    context=await _clue_context(request, state, work, clue))


async def _refused(request: Req, state: State, work: Work, clue_id: int, box: str,
                   exc: Invalid, fields: tuple[str, ...] | type[msgspec.Struct],
                   persons: list[dict[str, Any]] | None = None) -> Template:
    """The refusal of one of the clue page's forms: that form again, or the whole page."""
    errors = form_errors(exc, fields)
    form = await request.form()
    raw = {name: form.get(name, "") for name in form if name != "_csrf"}
    clue = await read_clue(work, clue_id)
    context = await _clue_context(request, state, work, clue, errors={box: errors},
                                  values={box: raw}, persons=persons)
    template = f"inspection/clue_{box}.html" if is_htmx(request) else "inspection/clue.html"
    return Template(template, context=context, status_code=errors.status)


@post("/t/{tenant:str}/clues/{clue_id:int}", opt={"action": "clue:write"},
      include_in_schema=False, status_code=200)
async def edit_clue_form(request: Req, state: State, work: CurrentWork,
                         clue_id: Id) -> Response[Any] | Template:
    """Change a clue while it is only recorded (persons only if the form showed them)."""
    persons: list[dict[str, str]] | None = None
    try:
        form = await parse_form(request, ClueEditForm)
        values: dict[str, Any] = {k: getattr(form, k) for k in ("title", "grade", "summary",
                                                                "city_managed")}
        if form.persons_shown:
            if not await may(request, "clue:read_persons"):
                raise InputError([FieldError("persons", "您无权查看和修改涉及人员")], 403)
            persons = await _person_rows(request)
            values["persons"] = persons
        await update_clue(work, clue_id, struct_of(values, ClueUpdate))
    except Invalid as exc:
        if persons is None and await may(request, "clue:read_persons"):
            persons = await _rows_quietly(request)
        return await _refused(request, state, work, clue_id, "edit", exc,
                              (*_CLUE_FIELDS, "persons"), persons)
    return done(request, f"/t/{work.tenant.code}/clues/{clue_id}")


@post("/t/{tenant:str}/clues/{clue_id:int}/referral", opt={"action": "clue:refer"},
      include_in_schema=False, status_code=200)
async def referral_form(request: Req, state: State, work: CurrentWork,
                        clue_id: Id) -> Response[Any] | Template:
    """Refer a recorded clue to a receiving body (移交)."""
    try:
        form = await parse_form(request, ReferralForm)
        await refer_clue(work, clue_id, struct_of(msgspec.structs.asdict(form), ClueReferral))
    except Invalid as exc:
        return await _refused(request, state, work, clue_id, "referral", exc, ReferralForm)
    return done(request, f"/t/{work.tenant.code}/clues/{clue_id}")


@post("/t/{tenant:str}/clues/{clue_id:int}/receipt", opt={"action": "clue:answer"},
      include_in_schema=False, status_code=200)
async def receipt_form(request: Req, state: State, work: CurrentWork,
                       clue_id: Id) -> Response[Any] | Template:
    """Record that the receiving body signed for the clue (签收回执)."""
    try:
        form = await parse_form(request, ReceiptForm)
        await receive_clue(work, clue_id, struct_of(msgspec.structs.asdict(form), ClueReceipt))
    except Invalid as exc:
        return await _refused(request, state, work, clue_id, "receipt", exc, ReceiptForm)
    return done(request, f"/t/{work.tenant.code}/clues/{clue_id}")


@post("/t/{tenant:str}/clues/{clue_id:int}/outcome", opt={"action": "clue:answer"},
      include_in_schema=False, status_code=200)
async def outcome_form(request: Req, state: State, work: CurrentWork,
                       clue_id: Id) -> Response[Any] | Template:
    """Record the receiving body's outcome; the clue is concluded (办结)."""
    try:
        form = await parse_form(request, OutcomeForm)
        await conclude_clue(work, clue_id, struct_of(msgspec.structs.asdict(form),
                                                     ClueOutcome))
    except Invalid as exc:
        return await _refused(request, state, work, clue_id, "outcome", exc, OutcomeForm)
    return done(request, f"/t/{work.tenant.code}/clues/{clue_id}")


clue_page_handlers: list[Any] = [new_clue_page, create_clue_form, clue_page, edit_clue_form,
                                 referral_form, receipt_form, outcome_form]
"""The clue pages and their form posts."""
