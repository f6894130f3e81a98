"""JSON API of clues (问题线索) under ``/t/{tenant}/api``.

Lists, details and the 件件有着落 report never carry a clue's persons,
only ``persons_count``; ``GET /clues/{id}/persons`` returns them (action
``clue:read_persons``) and every such read is audited. Writes are
:mod:`core.inspection.clues`, reads :mod:`core.inspection.clue_query`.
"""

from __future__ import annotations

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import FromQuery, JSONBody

from core.inspection import clue_query, clues
from core.inspection.clue_query import (
    ClueFilters,
    ClueOut,
    CluePage,
    ClueReport,
    ClueReportLine,
    ClueReportTotals,
    PersonOut,
    PersonsOut,
    one_clue,
)
from core.inspection.clues import (
    ClueCreate,
    ClueOutcome,
    ClueReceipt,
    ClueReferral,
    ClueUpdate,
)
from core.inspection.model import ClueGrade, ClueStatus, ReceivingBody
from core.web.deps import CurrentWork
from core.web.params import Id, IdQuery, Limit, Offset, Search

__all__ = [
    "ClueController",
    "ClueOut",
    "CluePage",
    "ClueReport",
    "ClueReportLine",
    "ClueReportTotals",
    "PersonOut",
    "PersonsOut",
]


class ClueController(Controller):
    """Clues of the tenant's inspections: record, refer, receipt, outcome, report."""

    path = "/t/{tenant:str}/api"
    tags = ["问题线索"]

    @post("/inspections/{inspection_id:int}/clues", opt={"action": "clue:write"},
          summary="登记问题线索")
    async def create_clue(self, work: CurrentWork, inspection_id: Id,
                          data: JSONBody[ClueCreate]) -> ClueOut:
        """Record a clue (inspection stages 进驻巡察 to 移交线索); persons stay confidential."""
        return await one_clue(work, await clues.record_clue(work, inspection_id, data))

    @get("/clues", opt={"action": "clue:read"}, summary="问题线索列表")
    async def list_clues(
        self,
        work: CurrentWork,
        inspection_id: IdQuery = None,
        round_id: IdQuery = None,
        org_id: IdQuery = None,
        grade: FromQuery[ClueGrade | None] = None,
        status: FromQuery[ClueStatus | None] = None,
        receiving_body: FromQuery[ReceivingBody | None] = None,
        overdue: FromQuery[bool | None] = None,
        q: Search = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> CluePage:
        """Clues filtered by inspection, round, org, grade, status, receiving body, overdue
        (reply past due and not concluded) and title; newest first, without persons."""
        filters = ClueFilters(inspection_id=inspection_id, round_id=round_id, org_id=org_id,
                              grade=grade, status=status, receiving_body=receiving_body,
                              overdue=overdue, q=q)
        return await clue_query.list_clues(work, filters, limit=limit, offset=offset)

    @get("/clues/{clue_id:int}", opt={"action": "clue:read"}, summary="问题线索详情")
    async def get_clue(self, work: CurrentWork, clue_id: Id) -> ClueOut:
        """One clue, without its persons."""
        return await clue_query.read_clue(work, clue_id)

    @get("/clues/{clue_id:int}/persons", opt={"action": "clue:read_persons"},
         summary="查阅线索涉及人员（保密，留痕）")
    async def get_persons(self, work: CurrentWork, clue_id: Id) -> PersonsOut:
        """The persons concerned; each read is recorded in the audit trail."""
        persons = await clues.read_persons(work, clue_id)
        return PersonsOut(clue_id=clue_id, persons=msgspec.convert(persons, list[PersonOut]))

    @patch("/clues/{clue_id:int}", opt={"action": "clue:write"}, summary="修改问题线索")
    async def update_clue(self, work: CurrentWork, clue_id: Id,
                          data: JSONBody[ClueUpdate]) -> ClueOut:
        """Change title, summary, grade, persons or the city-managed flag (only while 已登记)."""
        return await one_clue(work, await clues.update_clue(work, clue_id, data))

    @post("/clues/{clue_id:int}/referral", opt={"action": "clue:refer"}, status_code=200,
          summary="移交问题线索")
    async def refer_clue(self, work: CurrentWork, clue_id: Id,
                         data: JSONBody[ClueReferral]) -> ClueOut:
        """Refer a recorded clue to 纪委监委, 组织部 or another body; the reply falls due
        after the tenant's ``clue_reply_months``. City-managed clues go to 纪委监委 only."""
        return await one_clue(work, await clues.refer_clue(work, clue_id, data))

    @post("/clues/{clue_id:int}/receipt", opt={"action": "clue:answer"}, status_code=200,
          summary="登记线索签收")
    async def receive_clue(self, work: CurrentWork, clue_id: Id,
                           data: JSONBody[ClueReceipt]) -> ClueOut:
        """The receiving body signed for a referred clue."""
        return await one_clue(work, await clues.receive_clue(work, clue_id, data))

    @post("/clues/{clue_id:int}/outcome", opt={"action": "clue:answer"}, status_code=200,
          summary="反馈线索办理结果")
    async def conclude_clue(self, work: CurrentWork, clue_id: Id,
                            data: JSONBody[ClueOutcome]) -> ClueOut:
        """The receiving body's outcome; the clue is concluded (办结)."""
        return await one_clue(work, await clues.conclude_clue(work, clue_id, data))

    @get("/inspections/{inspection_id:int}/clue-report", opt={"action": "clue:read"},
         summary="问题线索办理情况（件件有着落）")
    async def clue_report(self, work: CurrentWork, inspection_id: Id) -> ClueReport:
        """Every clue of the inspection with its status and outcome, and the totals."""
        return await clue_query.clue_report(work, inspection_id)
