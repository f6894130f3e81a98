"""Pages of appraisals (考核) and secondment (上挂下派), in Chinese.

The appraisal form of a round posts one ``grade_<member id>`` (blank: not
graded now) and ``note_<member id>`` per member; the secondment request form
posts one ``need_<specialty>`` count per specialty. These names depend on
the data, so the two forms are read here field by field (unknown fields and
bad values refused in Chinese); the other forms go through ``parse_form``.
A refusal shows the page again with its status; success answers 303.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State as AppState
from litestar.params import QueryParameter
from litestar.response import Template

from core.api import (
    CurrentWork,
    DomainError,
    FieldError,
    Id,
    Invalid,
    Round,
    Work,
    done,
    form_errors,
    may,
    page_context,
    parse_form,
    runtime_of,
    translate,
)
from plugins.talent_pool import secondment
from plugins.talent_pool.appraisal import (
    AppraisalIn,
    AppraisalsIn,
    appraise,
    round_label,
    round_sheet,
)
from plugins.talent_pool.model import GRADE_LABELS, Grade, Status, specialty_options
from plugins.talent_pool.secondment import DecisionIn, NominationIn, RequestIn
from plugins.talent_pool.tables import TalentPerson

__all__ = ["work_pages"]

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
Filter = Annotated[str, QueryParameter(max_length=64)]
NOTICES = {"appraised": "已保存考核等次。", "requested": "已提出上挂需求并下发各县（市、区）。",
           "nominated": "已推荐，人选信息已报送上级。", "decided": "已作出决定并通知推荐单位。"}
_GRADE_FIELD = re.compile(r"^(grade|note)_(\d{1,10})$")


async def _form(request: Request[Any, Any, Any]) -> Any:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media not in FORM_TYPES:
        raise Invalid.on("", "请通过页面表单提交")
    return await request.form()


@get("/t/{tenant:str}/talent/appraisals", opt={"action": "talent:appraise"},
     include_in_schema=False)
async def rounds_page(state: AppState, work: CurrentWork) -> Template:
    """巡察干部考核: the tenant's rounds, each linking to its appraisal form."""
    rows = await work.session.list(Round, order_by=("-year", "-number"), limit=200)
    context = await page_context(state, work.tenant,
                                 rounds=[{"id": r["id"], "label": round_label(r)} for r in rows])
    return Template("talent_pool/appraisal_rounds.html", context=context)


async def _sheet_page(request: Request[Any, Any, Any], state: AppState, work: Work,
                      round_id: int, status: int = 200, **extra: Any) -> Template:
    sheet = await round_sheet(work, round_id)
    context = await page_context(
        state, work.tenant, s=sheet, grades=[(g.value, label) for g, label in GRADE_LABELS.items()],
        may_appraise=await may(request, "talent:appraise"),
        **{"errors": None, "values": {}, "notice": "", **extra})
    return Template("talent_pool/appraisals.html", context=context, status_code=status)


@get("/t/{tenant:str}/talent/rounds/{round_id:int}/appraisals",
     opt={"action": "talent:appraise"}, include_in_schema=False)
async def appraisal_page(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                         round_id: Id, done: Filter = "") -> Template:
    """本轮考核: each inspection of the round with its members and the grade form."""
    return await _sheet_page(request, state, work, round_id, notice=NOTICES.get(done, ""))


def _appraisals_of(form: Any) -> AppraisalsIn:
    entries: dict[int, dict[str, str]] = {}
    for name in form:
        if name == "_csrf":
            continue
        found = _GRADE_FIELD.match(name)
        if found is None:
            raise Invalid.on(name[:40], "表单包含未知字段")
        value = str(form.get(name) or "").strip()
        entries.setdefault(int(found[2]), {})[found[1]] = value
    out = []
    for member_id, values in entries.items():
        grade, note = values.get("grade", ""), values.get("note", "")
        if not grade:
            continue
        if grade not in Grade.__members__:
            raise Invalid.on(f"grade_{member_id}", "考核等次应为优秀、称职、基本称职或不称职")
        if len(note) > 500:
            raise Invalid.on(f"note_{member_id}", "说明不能超过 500 个字符")
        if not 1 <= member_id < 2**31:
            raise Invalid.on(f"grade_{member_id}", "此人不是本轮巡察组成员")
        out.append(AppraisalIn(member_id=member_id, grade=Grade(grade), note=note))
    if not out:
        raise Invalid.on("", "请至少为一名成员选择考核等次")
    return AppraisalsIn(appraisals=out)


@post("/t/{tenant:str}/talent/rounds/{round_id:int}/appraisals",
      opt={"action": "talent:appraise"}, include_in_schema=False, status_code=200)
async def appraisal_form(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                         round_id: Id) -> Template | Response[Any]:
    """Save the grades chosen (all or none; at most 20% 优秀 in the round)."""
    await round_sheet(work, round_id)  # an unknown round: 404 before the body is read
    try:
        form = await _form(request)
        await appraise(work, round_id, _appraisals_of(form))
    except DomainError as exc:
        errors = form_errors(exc, ())
        posted = {k: str(v) for k, v in (await request.form()).items()} \
            if request.headers.get("content-type", "").startswith(FORM_TYPES) else {}
        return await _sheet_page(request, state, work, round_id, errors.status, errors=errors,
                                 values=posted)
    return done(request, f"/t/{work.tenant.code}/talent/rounds/{round_id}/appraisals"
                         "?done=appraised")


async def _list_page(request: Request[Any, Any, Any], state: AppState, work: Work,
                     status: int = 200, **extra: Any) -> Template:
    city = secondment.is_city(work.tenant)
    rounds = await work.session.list(Round, order_by=("-year", "-number"), limit=200) \
        if city else []
    counties = await secondment.counties_of(work, runtime_of(state).tenants) if city else {}
    context = await page_context(
        state, work.tenant, city=city, requests=await secondment.list_requests(work),
        secondees=await secondment.seconded_people(work) if city else [],
        rounds=[(str(r["id"]), round_label(r)) for r in rounds],
        counties=list(counties.items()), county_names=counties, specialty_options=specialty_options(
            work.tenant.settings), may_second=await may(request, "talent:second"),
        **{"errors": None, "values": {}, "notice": "", **extra})
    return Template("talent_pool/secondments.html", context=context, status_code=status)


@get("/t/{tenant:str}/talent/secondments", opt={"action": "talent:read"},
     include_in_schema=False)
async def secondments_page(request: Request[Any, Any, Any], state: AppState,
                           work: CurrentWork, done: Filter = "") -> Template:
    """上挂下派: a city's requests, the form for a new one and its seconded people; a
    county's requests received from its city."""
    return await _list_page(request, state, work, notice=NOTICES.get(done, ""))


def _request_of(form: Any) -> RequestIn:
    raw: dict[str, Any] = {"needs": [], "targets": []}
    for name in form:
        values = [str(v).strip() for v in form.getall(name, [])]
        if name == "_csrf":
            continue
        if name.startswith("need_"):
            count = values[-1] if values else ""
            if count and count != "0":
                if not count.isdigit():
                    raise Invalid.on(name[:40], "人数应为 1 到 50 的整数")
                raw["needs"].append({"specialty": name[5:], "count": int(count)})
        elif name == "targets":
            raw["targets"] = [v for v in values if v]
        elif name in ("round_id", "title", "start_date", "end_date", "note"):
            if values and values[-1]:
                raw[name] = values[-1]
        else:
            raise Invalid.on(name[:40], "表单包含未知字段")
    if not raw["needs"]:
        raise Invalid.on("needs", "请至少填写一项专业特长的需要人数")
    try:
        return msgspec.convert(raw, RequestIn, strict=False)
    except msgspec.ValidationError as exc:
        raise Invalid([FieldError("", translate(str(exc)))]) from exc


@post("/t/{tenant:str}/talent/secondments", opt={"action": "talent:second"},
      include_in_schema=False, status_code=200)
async def request_form(request: Request[Any, Any, Any], state: AppState,
                       work: CurrentWork) -> Template | Response[Any]:
    """A city's request for cadres for a round, sent down to its counties."""
    try:
        data = _request_of(await _form(request))
        counties = await secondment.counties_of(work, runtime_of(state).tenants)
        made = await secondment.create_request(work, data, counties)
    except DomainError as exc:
        errors = form_errors(exc, ())  # need_<code> fields are many: all in the summary
        return await _list_page(request, state, work, errors.status, errors=errors)
    return done(request, f"/t/{work.tenant.code}/talent/secondments/{made['id']}?done=requested")


async def _detail_page(request: Request[Any, Any, Any], state: AppState, work: Work,
                       request_id: int, status: int = 200, **extra: Any) -> Template:
    detail = await secondment.request_detail(work, request_id)
    candidates: list[tuple[str, str]] = []
    county_names: dict[str, str] = {}
    if secondment.is_city(work.tenant):
        county_names = await secondment.counties_of(work, runtime_of(state).tenants)
    else:
        wanted = {n["specialty"] for n in detail["needs"]}
        rows = await work.session.list(TalentPerson, {"status": Status.active.value},
                                       order_by=("name", "id"), limit=None)
        candidates = [(str(r["id"]), f"{r['name']}（{r['home_unit']}）") for r in rows
                      if wanted & set(r["specialties"] or [])]
    context = await page_context(
        state, work.tenant, r=detail, city=secondment.is_city(work.tenant),
        candidates=candidates, county_names=county_names,
        may_second=await may(request, "talent:second"),
        **{"errors": None, "values": {}, "notice": "", **extra})
    return Template("talent_pool/secondment.html", context=context, status_code=status)


@get("/t/{tenant:str}/talent/secondments/{secondment_request_id:int}",
     opt={"action": "talent:read"}, include_in_schema=False)
async def secondment_page(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                          secondment_request_id: Id, done: Filter = "") -> Template:
    """一项上挂需求: the nominees and decisions (city), or the nominations (county)."""
    return await _detail_page(request, state, work, secondment_request_id,
                              notice=NOTICES.get(done, ""))


@post("/t/{tenant:str}/talent/secondments/{secondment_request_id:int}/nominations",
      opt={"action": "talent:second"}, include_in_schema=False, status_code=200)
async def nomination_form(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                          secondment_request_id: Id) -> Template | Response[Any]:
    """A county nominates a person of its pool for the city's request."""
    await secondment.request_detail(work, secondment_request_id)
    try:
        data = await parse_form(request, NominationIn)
        await secondment.nominate(work, secondment_request_id, data)
    except DomainError as exc:
        errors = form_errors(exc, NominationIn)
        return await _detail_page(request, state, work, secondment_request_id, errors.status,
                                  errors=errors)
    return done(request, f"/t/{work.tenant.code}/talent/secondments/{secondment_request_id}"
                         "?done=nominated")


@post("/t/{tenant:str}/talent/secondments/{secondment_request_id:int}/nominees/"
      "{secondment_nominee_id:int}/decision", opt={"action": "talent:second"},
      include_in_schema=False, status_code=200)
async def decision_form(request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                        secondment_request_id: Id,
                        secondment_nominee_id: Id) -> Template | Response[Any]:
    """The city accepts or declines a nominee (declining needs a reason)."""
    await secondment.request_detail(work, secondment_request_id)
    try:
        data = await parse_form(request, DecisionIn)
        await secondment.decide_nominee(work, secondment_request_id, secondment_nominee_id,
                                        data)
    except DomainError as exc:
        errors = form_errors(exc, ())  # one form per nominee: the refusal in the summary
        return await _detail_page(request, state, work, secondment_request_id, errors.status,
                                  errors=errors, failed=secondment_nominee_id)
    return done(request, f"/t/{work.tenant.code}/talent/secondments/{secondment_request_id}"
                         "?done=decided")


work_pages: list[Any] = [rounds_page, appraisal_page, appraisal_form, secondments_page,
                         request_form, secondment_page, nomination_form, decision_form]
"""The page handlers of appraisals and secondment."""
