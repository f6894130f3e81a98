"""The working paper page (问题底稿) and its sign-off buttons: deputy reviews, leader signs.

Viewing a paper is a confidential read, audited as ``paper.read`` by
:func:`core.inspection.papers.read_paper`. The buttons post (htmx) to
``/review`` and ``/sign``, which call the paper service and answer with the
sign-off box; a refusal keeps the box with the reason in an alert.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from core.errors import Invalid
from core.inspection.common import get_or_not_found, load_inspection
from core.inspection.model import PAPER_STATUS_LABELS, SOURCE_LABELS
from core.inspection.papers import PAPER_STAGES, PaperOut, read_paper, review_paper, sign_paper
from core.inspection.tables import Finding, WorkingPaper, WorkingPaperRevision
from core.web.deps import CurrentWork
from core.web.errors import refusal_of
from core.web.pages.home import page_context
from core.web.pages.views import label, moment, stage_badge
from core.web.params import Id
from core.work import Work

__all__ = ["SignOffForm", "paper_page_handlers"]


class SignOffForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A review or a signature from the page, with an optional remark."""

    remark: Annotated[str, msgspec.Meta(max_length=500)] = ""


def _signoff(paper: dict[str, Any], inspection: dict[str, Any]) -> dict[str, Any]:
    """The sign-off box: where the paper stands and which step may come next."""
    in_stage = inspection["stage"] in {s.value for s in PAPER_STAGES}
    return {
        "id": paper["id"], "status": paper["status"],
        "status_label": label(PAPER_STATUS_LABELS, paper["status"]),
        "author": paper["author"],
        "reviewed_by": paper["reviewed_by"], "reviewed_at": moment(paper["reviewed_at"]),
        "signed_by": paper["signed_by"], "signed_at": moment(paper["signed_at"]),
        "can_review": in_stage and paper["status"] == "draft",
        "can_sign": in_stage and paper["status"] == "reviewed",
        "in_stage": in_stage,
    }


async def _paper_context(state: State, work: Work, paper: PaperOut, *,
                         errors: list[str] | None = None, notice: str = "") -> dict[str, Any]:
    session = work.session
    data = msgspec.structs.asdict(paper)
    inspection = await load_inspection(session, paper.inspection_id)
    revisions = await session.list(WorkingPaperRevision, {"paper_id": paper.id},
                                   order_by=("revision", "id"), limit=None)
    findings = await session.list(Finding, {"paper_id": paper.id}, order_by=("id",),
                                  limit=None)
    return await page_context(
        state, work.tenant, paper=data, inspection=inspection,
        badge=stage_badge(inspection["stage"]),
        source_label=label(SOURCE_LABELS, paper.source),
        attachments=[{**msgspec.structs.asdict(a), "uploaded": moment(a.uploaded_at)}
                     for a in paper.attachments],
        revisions=[{**r, "at": moment(r["at"])} for r in revisions],
        findings=findings, signoff=_signoff(data, inspection),
        errors=errors or [], notice=notice)


@get("/t/{tenant:str}/papers/{paper_id:int}", opt={"action": "paper:read"},
     include_in_schema=False)
async def paper_page(state: State, work: CurrentWork, paper_id: Id) -> Template:
    """One working paper with its materials, attachments, revisions and sign-off."""
    paper = await read_paper(work, paper_id)
    return Template("inspection/paper.html", context=await _paper_context(state, work, paper))


async def _sign_off(request: Request[Any, Any, Any], state: State, work: Work, paper_id: int,
                    form: SignOffForm, step: str) -> Template | Redirect:
    service, done = ((review_paper, "副组长已审核本底稿。") if step == "review"
                     else (sign_paper, "组长已签字，底稿内容已冻结。"))
    errors: list[str] = []
    status, notice = 200, ""
    paper: PaperOut | None = None
    try:
        paper = await service(work, paper_id, form.remark.strip())
        notice = done
    except Invalid as exc:
        errors, status = refusal_of(exc)
    if request.headers.get("hx-request") != "true":
        if not errors:
            return Redirect(f"/t/{work.tenant.code}/papers/{paper_id}", status_code=303)
        paper = await read_paper(work, paper_id)
        context = await _paper_context(state, work, paper, errors=errors)
        return Template("inspection/paper.html", context=context, status_code=status)
    row = (msgspec.structs.asdict(paper) if paper is not None
           else await get_or_not_found(work.session, WorkingPaper, paper_id, "问题底稿"))
    inspection = await load_inspection(work.session, row["inspection_id"])
    return Template("inspection/paper_signoff.html", context={
        "tenant": work.tenant, "signoff": _signoff(row, inspection), "errors": errors,
        "notice": notice})


@post("/t/{tenant:str}/papers/{paper_id:int}/review", opt={"action": "paper:review"},
      include_in_schema=False, status_code=200)
async def review_form(
    request: Request[Any, Any, Any], state: State, work: CurrentWork, paper_id: Id,
    data: Annotated[SignOffForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template | Redirect:
    """The deputy leader reviews a draft paper."""
    return await _sign_off(request, state, work, paper_id, data, "review")


@post("/t/{tenant:str}/papers/{paper_id:int}/sign", opt={"action": "paper:sign"},
      include_in_schema=False, status_code=200)
async def sign_form(
    request: Request[Any, Any, Any], state: State, work: CurrentWork, paper_id: Id,
    data: Annotated[SignOffForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template | Redirect:
    """The team leader signs a reviewed paper."""
    return await _sign_off(request, state, work, paper_id, data, "sign")


paper_page_handlers: list[Any] = [paper_page, review_form, sign_form]
"""The working paper page and its sign-off posts."""
