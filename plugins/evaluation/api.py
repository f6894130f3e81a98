"""The JSON API of the evaluation plugin, under ``/t/{tenant}/api/evaluation/``.

Evaluations of inspected units (create with pre-filled deductions, record
deductions, submit, sign off or send back), the exports, lookback candidates
and creation, a lookback's side-by-side view, team performance per round and,
for a city, the comparison of its counties. Another tenant's ids are unknown
here (404).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from litestar import Controller, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import State as AppState
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import JSONBody, QueryParameter

from core.api import CurrentWork, FieldError, Id, IdField, Inspection, NotFound, Work, runtime_of
from plugins.evaluation import lookback, office, service
from plugins.evaluation.exports import (
    DOCX,
    XLSX,
    form_docx,
    notice_docx,
    office_docx,
    score_table,
)
from plugins.evaluation.interview import InterviewIn, interview_of, record
from plugins.evaluation.performance import round_performance
from plugins.evaluation.rollup import compare_counties, county_names
from plugins.evaluation.scoring import Deduction
from plugins.evaluation.tables import OfficeEvaluation, UnitEvaluation
from plugins.evaluation.views import evaluation_out, list_out

__all__ = ["EvaluationController", "city_only", "download", "office_deductions", "require_city",
           "score_rows"]

Text200 = Annotated[str, msgspec.Meta(max_length=500)]


class CreateIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Start the evaluation of one inspected unit."""

    inspection_id: IdField
    org_id: IdField
    group_members: Text200 = ""


class DeductionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One deduction: the item's code, the points and the evidence."""

    item: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    points: Annotated[float, msgspec.Meta(gt=0, le=100)]
    evidence: Annotated[str, msgspec.Meta(max_length=2000)]


class DraftIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The deductions (replacing the previous), the group members and a remark."""

    deductions: Annotated[list[DeductionIn], msgspec.Meta(max_length=100)]
    group_members: Text200 = ""
    remark: Annotated[str, msgspec.Meta(max_length=5000)] = ""


class SendBackIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Why the score goes back to the group."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class InterviewBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The interview (约谈): when, who interviewed whom, the notes."""

    held_on: date
    interviewer: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    interviewee: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    notes: Annotated[str, msgspec.Meta(max_length=5000)] = ""


class OfficeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Start the evaluation of a county office's inspection work for a year."""

    county: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    year: Annotated[int, msgspec.Meta(ge=2000, le=2100)]
    group_members: Text200 = ""


class LookbackIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The earlier inspection and the round the lookback belongs to."""

    earlier_id: IdField
    round_id: IdField


def require_city(work: Work) -> None:
    """Refuse (403) a tenant that reports to a parent: it has no counties."""
    if work.tenant.parent_code:
        raise PermissionDeniedException(f"{work.tenant.name}是下级巡察机构，没有下级整改评估汇总")


async def city_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A guard refusing (403) a county before its body is read: routes only a city has."""
    code = connection.path_params.get("tenant", "")
    tenant = await runtime_of(connection.app.state).tenants.get(code)
    if tenant is not None and tenant.parent_code:
        raise PermissionDeniedException(f"{tenant.name}是下级巡察机构，不能评估县级巡察工作")


def download(content: bytes, media_type: str, ascii_name: str, name: str) -> Response[bytes]:
    """A file download with its Chinese name."""
    return Response(content=content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                               f"filename*=UTF-8''{quote(name, safe='')}"})


async def score_rows(work: Work, inspection_id: int | None) -> list[dict[str, Any]]:
    """Every evaluation (of one inspection, if given) in full, for the score table."""
    where = {"inspection_id": inspection_id} if inspection_id else {}
    rows = await work.session.list(UnitEvaluation, where, order_by=("inspection_id", "id"),
                                   limit=None)
    return [await evaluation_out(work, r) for r in rows]


def office_deductions(data: DraftIn) -> list[Deduction]:
    """The deductions of a draft body as the scoring takes them."""
    return [Deduction(item=d.item, points=d.points, evidence=d.evidence)
            for d in data.deductions]


InspectionQuery = Annotated[int | None, QueryParameter(ge=1, description="巡察任务编号")]


class EvaluationController(Controller):
    """Post-inspection evaluation (巡察后评估)."""

    path = "/t/{tenant:str}/api/evaluation"
    tags = ["后评估"]

    @get("/evaluations", opt={"action": "evaluation:read"}, summary="整改评估列表")
    async def evaluations(self, work: CurrentWork,
                          inspection_id: InspectionQuery = None) -> list[dict[str, Any]]:
        """The tenant's evaluations (of one inspection, if given)."""
        where = {"inspection_id": inspection_id} if inspection_id else {}
        rows = await work.session.list(UnitEvaluation, where, order_by=("id",), limit=None)
        return await list_out(work, rows)

    @post("/evaluations", opt={"action": "evaluation:score"}, summary="建立整改评估（预填扣分）")
    async def create(self, work: CurrentWork, data: JSONBody[CreateIn]) -> dict[str, Any]:
        """Start an evaluation; deductions the records justify are pre-filled with reasons."""
        row = await service.create(work, data.inspection_id, data.org_id, data.group_members)
        return await evaluation_out(work, row)

    @get("/evaluations/{unit_evaluation_id:int}", opt={"action": "evaluation:read"},
         summary="整改评估详情")
    async def detail(self, work: CurrentWork, unit_evaluation_id: Id) -> dict[str, Any]:
        """One evaluation with every indicator, item and deduction."""
        return await evaluation_out(work, await service.load(work, unit_evaluation_id))

    @post("/evaluations/{unit_evaluation_id:int}/deductions",
          opt={"action": "evaluation:score"}, summary="登记扣分和证据", status_code=200)
    async def deductions(self, work: CurrentWork, unit_evaluation_id: Id,
                         data: JSONBody[DraftIn]) -> dict[str, Any]:
        """Replace the deductions (draft only)."""
        draft = msgspec.convert({"deductions": msgspec.to_builtins(data.deductions),
                                 "group_members": data.group_members, "remark": data.remark},
                                service.Draft)
        return await evaluation_out(work, await service.save(work, unit_evaluation_id, draft))

    @post("/evaluations/{unit_evaluation_id:int}/submit", opt={"action": "evaluation:score"},
          summary="提交评分", status_code=200)
    async def submit(self, work: CurrentWork, unit_evaluation_id: Id) -> dict[str, Any]:
        """The scorer submits the score for sign-off."""
        return await evaluation_out(work, await service.submit(work, unit_evaluation_id))

    @post("/evaluations/{unit_evaluation_id:int}/sign", opt={"action": "evaluation:sign"},
          summary="审核签发", status_code=200)
    async def sign(self, work: CurrentWork, unit_evaluation_id: Id) -> dict[str, Any]:
        """A second person signs off (not the scorer); the result goes up to the city."""
        return await evaluation_out(work, await service.sign(work, unit_evaluation_id))

    @post("/evaluations/{unit_evaluation_id:int}/send-back", opt={"action": "evaluation:sign"},
          summary="退回重评", status_code=200)
    async def send_back(self, work: CurrentWork, unit_evaluation_id: Id,
                        data: JSONBody[SendBackIn]) -> dict[str, Any]:
        """Send a submitted score back to the group, with the reason."""
        row = await service.send_back(work, unit_evaluation_id, data.reason)
        return await evaluation_out(work, row)

    @get("/evaluations/{unit_evaluation_id:int}/form.docx", opt={"action": "evaluation:read"},
         summary="整改评估表（Word）", media_type=DOCX)
    async def form(self, work: CurrentWork, unit_evaluation_id: Id) -> Response[bytes]:
        """The evaluation form as .docx."""
        found = await evaluation_out(work, await service.load(work, unit_evaluation_id))
        return download(form_docx(work.tenant.name, found), DOCX, "evaluation-form.docx",
                        f"{found['org_name']}整改评估表.docx")

    @get("/evaluations/{unit_evaluation_id:int}/notice.docx",
         opt={"action": "evaluation:read"}, summary="整改评估结果通知（Word）",
         media_type=DOCX)
    async def notice(self, work: CurrentWork, unit_evaluation_id: Id) -> Response[bytes]:
        """The result notice as .docx (signed-off evaluations only)."""
        found = await evaluation_out(work, await service.load(work, unit_evaluation_id))
        if found["status"] != "signed":
            raise NotFound([FieldError("unit_evaluation_id", "整改评估尚未签发，没有结果通知")])
        return download(notice_docx(work.tenant.name, found), DOCX, "evaluation-notice.docx",
                        f"{found['org_name']}整改评估结果通知.docx")

    @get("/scores.xlsx", opt={"action": "evaluation:read"}, summary="整改评估得分表（Excel）",
         media_type=XLSX)
    async def scores(self, work: CurrentWork,
                     inspection_id: InspectionQuery = None) -> Response[bytes]:
        """Every evaluation's scores by indicator (of one inspection, if given)."""
        if inspection_id and await work.session.get(Inspection, inspection_id) is None:
            raise NotFound([FieldError("inspection_id", "巡察任务不存在")])
        rows = await score_rows(work, inspection_id)
        indicators = rows[0]["indicators"] if rows else []
        return download(score_table(work.tenant.name, rows, indicators), XLSX,
                        "evaluation-scores.xlsx", f"{work.tenant.name}整改评估得分表.xlsx")

    @post("/evaluations/{unit_evaluation_id:int}/interview",
          opt={"action": "evaluation:interview"}, summary="登记约谈")
    async def interview(self, work: CurrentWork, unit_evaluation_id: Id,
                        data: JSONBody[InterviewBody]) -> dict[str, Any]:
        """Record the interview of a unit graded 一般/差 (once)."""
        found = await record(work, unit_evaluation_id, InterviewIn(
            held_on=data.held_on, interviewer=data.interviewer, interviewee=data.interviewee,
            notes=data.notes))
        return {"evaluation_id": unit_evaluation_id, "held_on": found["held_on"],
                "interviewer": found["interviewer"], "interviewee": found["interviewee"],
                "notes": found["notes"], "recorded_by": found["recorded_by"]}

    @get("/evaluations/{unit_evaluation_id:int}/interview",
         opt={"action": "evaluation:read"}, summary="约谈记录")
    async def interview_record(self, work: CurrentWork,
                               unit_evaluation_id: Id) -> dict[str, Any]:
        """The interview of the evaluation's unit (404: none recorded)."""
        await service.load(work, unit_evaluation_id)
        found = await interview_of(work, unit_evaluation_id)
        if found is None:
            raise NotFound([FieldError("unit_evaluation_id", "尚未登记约谈")])
        return {"evaluation_id": unit_evaluation_id, "held_on": found["held_on"],
                "interviewer": found["interviewer"], "interviewee": found["interviewee"],
                "notes": found["notes"], "recorded_by": found["recorded_by"]}

    @get("/offices", guards=[city_only], opt={"action": "evaluation:rollup"},
         summary="县级巡察工作评估列表")
    async def offices(self, work: CurrentWork) -> list[dict[str, Any]]:
        """The city's evaluations of its county offices' inspection work."""
        require_city(work)
        rows = await work.session.list(OfficeEvaluation, order_by=("year", "id"), limit=None)
        return [await office.office_out(work, r) for r in rows]

    @post("/offices", guards=[city_only], opt={"action": "evaluation:score"},
          summary="建立县级巡察工作评估")
    async def create_office(self, state: AppState, work: CurrentWork,
                            data: JSONBody[OfficeIn]) -> dict[str, Any]:
        """Start the evaluation of a county office's inspection work for a year."""
        require_city(work)
        counties = await county_names(work, runtime_of(state))
        row = await office.create(work, counties, data.county, data.year, data.group_members)
        return await office.office_out(work, row)

    @get("/offices/{office_evaluation_id:int}",
         guards=[city_only], opt={"action": "evaluation:rollup"},
         summary="县级巡察工作评估详情")
    async def office_detail(self, work: CurrentWork, office_evaluation_id: Id
                            ) -> dict[str, Any]:
        """One evaluation of a county office with every indicator and deduction."""
        require_city(work)
        return await office.office_out(work, await office.load(work, office_evaluation_id))

    @get("/offices/{office_evaluation_id:int}/form.docx", guards=[city_only],
         opt={"action": "evaluation:rollup"}, summary="县级巡察工作评估表（Word）")
    async def office_form(self, work: CurrentWork, office_evaluation_id: Id
                          ) -> Response[bytes]:
        """The evaluation form of a county office as .docx."""
        found = await office.office_out(work, await office.load(work, office_evaluation_id))
        return download(office_docx(work.tenant.name, found), DOCX, "office-evaluation.docx",
                        f"{found['county_name']}{found['year']}年度巡察工作评估表.docx")

    @post("/offices/{office_evaluation_id:int}/deductions", guards=[city_only],
          opt={"action": "evaluation:score"}, summary="登记巡察工作评估扣分", status_code=200)
    async def office_save(self, work: CurrentWork, office_evaluation_id: Id,
                          data: JSONBody[DraftIn]) -> dict[str, Any]:
        """Replace the deductions (draft only)."""
        require_city(work)
        row = await office.save(work, office_evaluation_id, office_deductions(data),
                                data.group_members, data.remark)
        return await office.office_out(work, row)

    @post("/offices/{office_evaluation_id:int}/submit",
          guards=[city_only], opt={"action": "evaluation:score"},
          summary="提交巡察工作评估评分", status_code=200)
    async def office_submit(self, work: CurrentWork, office_evaluation_id: Id
                            ) -> dict[str, Any]:
        """The scorer submits the score for sign-off."""
        require_city(work)
        return await office.office_out(work, await office.submit(work, office_evaluation_id))

    @post("/offices/{office_evaluation_id:int}/sign",
          guards=[city_only], opt={"action": "evaluation:sign"},
          summary="审核签发巡察工作评估", status_code=200)
    async def office_sign(self, work: CurrentWork, office_evaluation_id: Id) -> dict[str, Any]:
        """Another person signs it off (not the scorer)."""
        require_city(work)
        return await office.office_out(work, await office.sign(work, office_evaluation_id))

    @post("/offices/{office_evaluation_id:int}/send-back",
          guards=[city_only], opt={"action": "evaluation:sign"},
          summary="退回巡察工作评估", status_code=200)
    async def office_send_back(self, work: CurrentWork, office_evaluation_id: Id,
                               data: JSONBody[SendBackIn]) -> dict[str, Any]:
        """Send a submitted score back to the group, with the reason."""
        require_city(work)
        row = await office.send_back(work, office_evaluation_id, data.reason)
        return await office.office_out(work, row)

    @get("/lookback/candidates", opt={"action": "evaluation:read"}, summary="“回头看”对象")
    async def candidates(self, work: CurrentWork) -> list[dict[str, Any]]:
        """Earlier inspections graded 一般/差 or with open ledger items."""
        return await lookback.candidates(work)

    @post("/lookback", opt={"action": "evaluation:lookback"}, summary="建立“回头看”任务")
    async def create_lookback(self, work: CurrentWork,
                              data: JSONBody[LookbackIn]) -> dict[str, Any]:
        """Create a lookback inspection linked to the earlier one."""
        return await lookback.create_lookback(work, data.earlier_id, data.round_id)

    @get("/lookback/{inspection_id:int}", opt={"action": "evaluation:read"},
         summary="“回头看”对照")
    async def compare(self, work: CurrentWork, inspection_id: Id) -> dict[str, Any]:
        """The earlier open ledger items beside the lookback's new findings, per unit."""
        return await lookback.side_by_side(work, inspection_id)

    @get("/rounds/{round_id:int}/performance", opt={"action": "evaluation:performance"},
         summary="巡察组工作成效")
    async def performance(self, work: CurrentWork, round_id: Id) -> dict[str, Any]:
        """Each team of the round, from the records."""
        return await round_performance(work, round_id)

    @get("/counties", opt={"action": "evaluation:rollup"}, summary="下级整改评估结果对比")
    async def counties(self, state: AppState, work: CurrentWork) -> dict[str, Any]:
        """Each county's signed evaluations as received: count, average, lowest, grades."""
        require_city(work)
        found = await compare_counties(work, runtime_of(state),
                                       service.scheme_of(work).labels)
        offices = await office.latest_signed(work)
        return {"counties": [{"code": c.code, "name": c.name, "count": c.count,
                              "average": c.average, "lowest": c.lowest,
                              "by_grade": c.by_grade(), "results": c.rows,
                              "office_evaluation": offices.get(c.code)} for c in found]}
