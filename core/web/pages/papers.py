"""Working paper pages (问题底稿): write a new paper, edit it, attach evidence, sign it off.

Viewing a paper is a confidential read, audited as ``paper.read`` by
:func:`core.inspection.papers.read_paper`. Every write calls the paper
service the JSON API calls; its refusals come back beside their fields
(:mod:`core.web.pages.forms`): an htmx post gets the form fragment with the
refusal's 4xx status, a plain post the whole page. The sign-off box says
before anyone tries who may review (a deputy leader or the leader of this
inspection's team, not the author) and who may sign (its leader); the
buttons of a step the reader may not take are disabled with the reason.

Uploads are multipart: the tenant's size limit is enforced before the body
is read (``limit_upload``), and the file's name, type and content by the
attachment service.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.response import Template

from core.errors import Forbidden, Invalid, TooLarge
from core.fields import IdField
from core.inspection.common import get_or_not_found, load_inspection
from core.inspection.model import PAPER_STATUS_LABELS, SOURCE_LABELS, PaperStatus, Source
from core.inspection.papers import (
    PAPER_STAGES,
    REVISION_STAGES,
    PaperCreate,
    PaperOut,
    PaperUpdate,
    attach_to_paper,
    create_paper,
    read_paper,
    review_paper,
    sign_paper,
    signers,
    signoff_refusal,
    update_paper,
)
from core.inspection.tables import Finding, WorkingPaper, WorkingPaperRevision
from core.runtime import runtime_of
from core.web.api.attachments import limit_upload
from core.web.deps import CurrentWork
from core.web.errors import FieldError, InputError
from core.web.pages.forms import FormErrors, done, form_errors, is_htmx, may, parse_form
from core.web.pages.home import page_context
from core.web.pages.onsite_forms import lines_of, options, struct_of, target_options
from core.web.pages.views import label, moment, org_names, stage_badge
from core.web.params import Id
from core.web.people import display_names, logins_in
from core.work import Work

__all__ = ["PaperEditForm", "PaperForm", "SignOffForm", "paper_form_context",
           "paper_page_handlers"]

Req = Request[Any, Any, Any]

FIELD_LABELS = {
    "number": "底稿编号", "title": "标题", "paper_date": "底稿日期", "org_id": "被巡察单位",
    "source": "问题来源", "summary": "问题摘要", "how_found": "发现方式及过程",
    "materials": "佐证材料清单", "revision_reason": "修订理由",
}
"""The Chinese names of a paper's fields (forms and the revision record)."""


class PaperForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The new-paper form: the paper's fields, materials one per line."""

    number: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    paper_date: date
    org_id: IdField
    source: Source
    summary: Annotated[str, msgspec.Meta(min_length=1, max_length=20000)]
    how_found: Annotated[str, msgspec.Meta(max_length=10000)] = ""
    materials: Annotated[str, msgspec.Meta(max_length=21000)] = ""


class PaperEditForm(PaperForm, kw_only=True, forbid_unknown_fields=True):
    """The edit form: the same fields, and the reason a signed paper needs."""

    revision_reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


class SignOffForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A review or a signature from the page, with an optional remark."""

    remark: Annotated[str, msgspec.Meta(max_length=500)] = ""


def _paper_values(form: PaperForm) -> dict[str, Any]:
    return {"number": form.number, "title": form.title, "paper_date": form.paper_date,
            "org_id": form.org_id, "source": form.source, "summary": form.summary,
            "how_found": form.how_found, "materials": lines_of(form.materials)}


async def paper_form_context(work: Work, inspection: dict[str, Any], *,
                             values: dict[str, Any] | None = None,
                             errors: FormErrors | None = None) -> dict[str, Any]:
    """What the new-paper form shows: the inspection's targets, the sources, the values."""
    count = await work.session.count(WorkingPaper, {"inspection_id": inspection["id"]})
    return {
        "insp": inspection, "orgs": await target_options(work, inspection["id"]),
        "sources": options(SOURCE_LABELS), "paper_values": values or {},
        "paper_errors": errors, "paper_count": count,
        "papers_open": inspection["stage"] in {s.value for s in PAPER_STAGES},
        "today": work.clock.today().isoformat(),
    }


def _raw(form: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: form.get(name, "") for name in names}


# ---------------------------------------------------------------- a new paper


@get("/t/{tenant:str}/inspections/{inspection_id:int}/papers/new",
     opt={"action": "paper:write"}, include_in_schema=False)
async def new_paper_page(state: State, work: CurrentWork, inspection_id: Id) -> Template:
    """The new-paper form of an inspection on a page of its own."""
    inspection = await load_inspection(work.session, inspection_id)
    context = await paper_form_context(work, inspection)
    return Template("inspection/paper_new.html",
                    context=await page_context(state, work.tenant, **context,
                                               badge=stage_badge(inspection["stage"])))


@post("/t/{tenant:str}/inspections/{inspection_id:int}/papers",
      opt={"action": "paper:write"}, include_in_schema=False, status_code=200)
async def create_paper_form(request: Req, state: State, work: CurrentWork,
                            inspection_id: Id) -> Response[Any] | Template:
    """Write a new paper (author: the signed-in account); go to its page."""
    inspection = await load_inspection(work.session, inspection_id)
    try:
        form = await parse_form(request, PaperForm)
        paper = await create_paper(work, inspection_id, struct_of(_paper_values(form),
                                                                  PaperCreate))
    except Invalid as exc:
        errors = form_errors(exc, PaperForm)
        values = _raw(await request.form(), tuple(FIELD_LABELS))
        context = await paper_form_context(work, inspection, values=values, errors=errors)
        if is_htmx(request):
            return Template("inspection/paper_form.html", status_code=errors.status,
                            context={**context, "tenant": work.tenant})
        return Template("inspection/paper_new.html", status_code=errors.status,
                        context=await page_context(state, work.tenant, **context,
                                                   badge=stage_badge(inspection["stage"])))
    return done(request, f"/t/{work.tenant.code}/papers/{paper.id}")


# ---------------------------------------------------------------- the paper page


async def _signoff(work: Work, paper: dict[str, Any], inspection: dict[str, Any],
                   request: Req) -> dict[str, Any]:
    """The sign-off box: where the paper stands, who may take each step, and why not."""
    team = await signers(work.session, paper["inspection_id"], work.clock.now())
    reasons = {}
    for step, action in (("review", "paper:review"), ("sign", "paper:sign")):
        refusal = signoff_refusal(step, paper, inspection, team, work.actor)
        if refusal is not None:
            reasons[step] = "；".join(e.message for e in refusal.errors) or refusal.message
        elif not await may(request, action):
            reasons[step] = "您的账号无权执行此操作"
        else:
            reasons[step] = ""
    return {
        "id": paper["id"], "status": paper["status"],
        "status_label": label(PAPER_STATUS_LABELS, paper["status"]),
        "author": paper["author"],
        "reviewed_by": paper["reviewed_by"], "reviewed_at": moment(paper["reviewed_at"]),
        "signed_by": paper["signed_by"], "signed_at": moment(paper["signed_at"]),
        "reviewers": "、".join([*team.deputies.values(), *team.leaders.values()]),
        "signer": "、".join(team.leaders.values()),
        "review_reason": reasons["review"], "sign_reason": reasons["sign"],
        "can_review": not reasons["review"], "can_sign": not reasons["sign"],
        "in_stage": inspection["stage"] in {s.value for s in PAPER_STAGES},
    }


def _shown(field: str, value: Any, names: dict[int, str]) -> str:
    """A recorded value of a revision as a person reads it (labels, names, lists)."""
    if field == "source":
        return label(SOURCE_LABELS, value)
    if field == "org_id" and isinstance(value, int):
        return names.get(value, "")
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "（无）"
    return str(value) if value not in (None, "") else "（空）"


def _edit_values(paper: dict[str, Any]) -> dict[str, Any]:
    return {**{k: paper[k] for k in ("number", "title", "org_id", "source", "summary",
                                     "how_found")},
            "paper_date": paper["paper_date"], "materials": "\n".join(paper["materials"])}


async def _paper_context(request: Req, state: State, work: Work, paper: PaperOut, *,
                         errors: list[str] | None = None, notice: str = "",
                         edit_values: dict[str, Any] | None = None,
                         edit_errors: FormErrors | None = None,
                         upload_errors: FormErrors | None = None) -> dict[str, Any]:
    session = work.session
    data = msgspec.structs.asdict(paper)
    inspection = await load_inspection(session, paper.inspection_id)
    revisions = await session.list(WorkingPaperRevision, {"paper_id": paper.id},
                                   order_by=("revision", "id"), limit=None)
    findings = await session.list(Finding, {"paper_id": paper.id}, order_by=("id",),
                                  limit=None)
    names = await org_names(work, {int(v) for r in revisions
                                   for v in (r["changes"] or {}).get("org_id", [])
                                   if isinstance(v, int)})
    return await page_context(
        state, work.tenant, **await _forms_context(request, work, data, inspection,
                                                   edit_values=edit_values,
                                                   edit_errors=edit_errors,
                                                   upload_errors=upload_errors),
        paper=data, inspection=inspection,
        badge=stage_badge(inspection["stage"]),
        source_label=label(SOURCE_LABELS, paper.source),
        attachments=[{**msgspec.structs.asdict(a), "uploaded": moment(a.uploaded_at)}
                     for a in paper.attachments],
        revisions=[{**r, "at": moment(r["at"]),
                    "changes": [(FIELD_LABELS.get(k, k), [_shown(k, v, names) for v in pair])
                                for k, pair in (r["changes"] or {}).items()]}
                   for r in revisions],
        findings=findings, signoff=await _signoff(work, data, inspection, request),
        errors=errors or [], notice=notice)


async def _forms_context(request: Req, work: Work, paper: dict[str, Any],
                         inspection: dict[str, Any], *, edit_values: dict[str, Any] | None,
                         edit_errors: FormErrors | None,
                         upload_errors: FormErrors | None) -> dict[str, Any]:
    """The edit and upload forms of the paper page, offered only to who may post them."""
    stage = inspection["stage"]
    signed = paper["status"] == PaperStatus.signed.value
    editable = stage in {s.value for s in (REVISION_STAGES if signed else PAPER_STAGES)}
    uploadable = not signed and stage in {s.value for s in PAPER_STAGES}
    return {
        "can_edit": editable and await may(request, "paper:write"),
        "can_upload": uploadable and await may(request, "attachment:write"),
        "signed": signed, "orgs": await target_options(work, paper["inspection_id"]),
        "sources": options(SOURCE_LABELS),
        "edit_values": edit_values or _edit_values(paper), "edit_errors": edit_errors,
        "upload_errors": upload_errors,
        "upload_limit": work.setting("attachment_max_mb"),
    }


@get("/t/{tenant:str}/papers/{paper_id:int}", opt={"action": "paper:read"},
     include_in_schema=False)
async def paper_page(request: Req, state: State, work: CurrentWork, paper_id: Id) -> Template:
    """One working paper with its materials, attachments, revisions, forms and sign-off."""
    paper = await read_paper(work, paper_id)
    return Template("inspection/paper.html",
                    context=await _paper_context(request, state, work, paper))


@post("/t/{tenant:str}/papers/{paper_id:int}", opt={"action": "paper:write"},
      include_in_schema=False, status_code=200)
async def edit_paper_form(request: Req, state: State, work: CurrentWork,
                          paper_id: Id) -> Response[Any] | Template:
    """Change a paper; a signed one needs a revision reason and keeps a revision record."""
    try:
        form = await parse_form(request, PaperEditForm)
        values = _paper_values(form)
        if form.revision_reason:
            values["revision_reason"] = form.revision_reason
        await update_paper(work, paper_id, struct_of(values, PaperUpdate))
    except Invalid as exc:
        errors = form_errors(exc, PaperEditForm)
        raw = _raw(await request.form(), tuple(FIELD_LABELS))
        paper = await read_paper(work, paper_id)
        context = await _paper_context(request, state, work, paper, edit_values=raw,
                                       edit_errors=errors)
        template = "inspection/paper_edit.html" if is_htmx(request) else "inspection/paper.html"
        return Template(template, context=context, status_code=errors.status)
    return done(request, f"/t/{work.tenant.code}/papers/{paper_id}")


async def _limit_page_upload(request: Req) -> None:
    """The API's size guard; a body announced too large is refused by the handler instead
    (``request.state.too_large``), so the page answers with its upload form."""
    try:
        await limit_upload(request)
    except TooLarge as exc:
        request.state.too_large = exc


@post("/t/{tenant:str}/papers/{paper_id:int}/attachments",
      opt={"action": "attachment:write"}, include_in_schema=False, status_code=200,
      request_max_body_size=None, before_request=_limit_page_upload)
async def upload_form(request: Req, state: State, work: CurrentWork,
                      paper_id: Id) -> Response[Any] | Template:
    """Attach a file to a paper that is not signed yet (multipart field ``file``)."""
    try:
        too_large = getattr(request.state, "too_large", None)
        if isinstance(too_large, TooLarge):
            raise too_large  # announced too large: the body is never read
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != "multipart/form-data":
            raise InputError([FieldError("file", "请通过页面表单选择文件上传")])
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InputError([FieldError("file", "请选择要上传的文件")])
        try:
            await attach_to_paper(work, runtime_of(state).settings.home, paper_id,
                                  upload.filename, upload.file)
        finally:
            await upload.close()
    except Invalid as exc:
        errors = form_errors(exc, ("file",))
        paper = await read_paper(work, paper_id)
        context = await _paper_context(request, state, work, paper, upload_errors=errors)
        template = ("inspection/paper_upload.html" if is_htmx(request)
                    else "inspection/paper.html")
        return Template(template, context=context, status_code=errors.status)
    return done(request, f"/t/{work.tenant.code}/papers/{paper_id}#attachments")


async def _sign_off(request: Req, state: State, work: Work, paper_id: int,
                    step: str) -> Response[Any] | Template:
    service, notice = ((review_paper, "副组长已审核本底稿。") if step == "review"
                       else (sign_paper, "组长已签字，底稿内容已冻结。"))
    errors: list[str] = []
    try:
        form = await parse_form(request, SignOffForm)
        await service(work, paper_id, form.remark.strip())
    except (Invalid, Forbidden) as exc:
        refusal = form_errors(exc, ())
        errors, status = refusal.general, refusal.status
    else:
        if not is_htmx(request):
            return done(request, f"/t/{work.tenant.code}/papers/{paper_id}")
        status = 200
    if is_htmx(request):
        # The box alone: no content is shown, so nothing is read that needs auditing.
        row = await get_or_not_found(work.session, WorkingPaper, paper_id, "问题底稿")
        inspection = await load_inspection(work.session, row["inspection_id"])
        signoff = await _signoff(work, row, inspection, request)
        return Template("inspection/paper_signoff.html", status_code=status, context={
            "tenant": work.tenant, "signoff": signoff, "errors": errors,
            "notice": "" if errors else notice,
            "people": await display_names(runtime_of(state).db, logins_in([signoff]))})
    paper = await read_paper(work, paper_id)
    context = await _paper_context(request, state, work, paper, errors=errors)
    return Template("inspection/paper.html", context=context, status_code=status)


@post("/t/{tenant:str}/papers/{paper_id:int}/review", opt={"action": "paper:review"},
      include_in_schema=False, status_code=200)
async def review_form(request: Req, state: State, work: CurrentWork,
                      paper_id: Id) -> Response[Any] | Template:
    """A deputy leader (or the leader) of the inspection's team reviews a draft paper."""
    return await _sign_off(request, state, work, paper_id, "review")


@post("/t/{tenant:str}/papers/{paper_id:int}/sign", opt={"action": "paper:sign"},
      include_in_schema=False, status_code=200)
async def sign_form(request: Req, state: State, work: CurrentWork,
                    paper_id: Id) -> Response[Any] | Template:
    """The inspection's leader signs a reviewed paper."""
    return await _sign_off(request, state, work, paper_id, "sign")


paper_page_handlers: list[Any] = [new_paper_page, create_paper_form, paper_page,
                                  edit_paper_form, upload_form, review_form, sign_form]
"""The working paper pages and their form posts."""
