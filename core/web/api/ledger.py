"""JSON API of the rectification ledger, the overdue scan, reports and disclosures."""

from __future__ import annotations

from datetime import date

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import FromQuery, JSONBody

from core.inspection.escalation import ScanResult, scan_overdue
from core.inspection.ledger import (
    VERIFY_MOVES,
    WRITE_MOVES,
    ItemPatch,
    ItemsIn,
    ItemsOut,
    StatusIn,
    VerifyIn,
    change_status,
    create_items,
    load_item,
    update_item,
)
from core.inspection.ledger_query import (
    ActionPage,
    ItemOut,
    ItemPage,
    LedgerFilter,
    item_history,
    item_out,
    list_items,
    org_names,
)
from core.inspection.model import Escalation, ItemStatus
from core.inspection.rectification import (
    DisclosureIn,
    DisclosureOut,
    DisclosurePage,
    ReportIn,
    ReportOut,
    ReportPage,
    list_disclosures,
    list_reports,
    record_disclosure,
    submit_report,
)
from core.web.deps import CurrentWork, Session
from core.web.params import Id, IdField, IdQuery, Limit, Offset
from core.web.read_cache import READ_CACHE_SECONDS

__all__ = ["LedgerController", "ScanIn", "ScanOut"]

INSPECTION = "/t/{tenant:str}/api/inspections/{inspection_id:int}"
ITEMS = "/t/{tenant:str}/api/rectification/items"


class ScanIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Optionally limit the scan to one inspection."""

    inspection_id: IdField | None = None


class ScanOut(msgspec.Struct, kw_only=True):
    """Items escalated to each level by this scan."""

    tenant: str
    today: date
    supervision_notice: int
    reminder: int
    warning: int
    accountability: int
    total: int
    summary: str


def _scan_out(result: ScanResult) -> ScanOut:
    return ScanOut(
        tenant=result.tenant, today=result.today,
        supervision_notice=result.supervision_notice, reminder=result.reminder,
        warning=result.warning, accountability=result.accountability, total=result.total,
        summary=result.summary(),
    )


class LedgerController(Controller):
    """Rectification: the ledger and its items, the overdue scan, reports, disclosures."""

    tags = ["整改台账"]

    @post(f"{INSPECTION}/rectification/items", opt={"action": "rectification:write"},
          summary="新增整改事项（按问题生成或逐项填写）")
    async def create_items(self, work: CurrentWork, inspection_id: Id,
                           data: JSONBody[ItemsIn]) -> ItemsOut:
        """Add ledger items: from findings (``finding_ids``; findings already listed are
        skipped and reported) or one item written out (``org_id``, ``problem``)."""
        return await create_items(work, inspection_id, data)

    @get(ITEMS, opt={"action": "rectification:read"}, summary="整改台账",
         cache=READ_CACHE_SECONDS)
    async def list_items(
        self,
        work: CurrentWork,
        inspection_id: IdQuery = None,
        round_id: IdQuery = None,
        org_id: IdQuery = None,
        status: FromQuery[ItemStatus | None] = None,
        escalation: FromQuery[Escalation | None] = None,
        overdue: FromQuery[bool | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> ItemPage:
        """The ledger ordered by deadline; ``overdue=true`` lists items past their deadline
        and not yet submitted."""
        spec = LedgerFilter(inspection_id=inspection_id, round_id=round_id, org_id=org_id,
                            status=status, escalation=escalation, overdue=overdue)
        return await list_items(work.session, spec, work.clock.today(), limit=limit,
                                offset=offset)

    @get(f"{ITEMS}/{{item_id:int}}", opt={"action": "rectification:read"},
         summary="整改事项详情")
    async def get_item(self, work: CurrentWork, item_id: Id) -> ItemOut:
        """One ledger item."""
        row = await load_item(work.session, item_id)
        names = await org_names(work.session, [row["org_id"]])
        return item_out(row, work.clock.today(), names.get(row["org_id"], ""))

    @patch(f"{ITEMS}/{{item_id:int}}", opt={"action": "rectification:write"},
           summary="修改整改事项")
    async def update_item(self, work: CurrentWork, item_id: Id,
                          data: JSONBody[ItemPatch]) -> ItemOut:
        """Edit measures, deadline, responsible people, lead office or progress
        (not once verified)."""
        return await update_item(work, item_id, data)

    @post(f"{ITEMS}/{{item_id:int}}/status", opt={"action": "rectification:write"},
          status_code=200, summary="整改事项状态变更（启动、报送、撤回）")
    async def change_status(self, work: CurrentWork, item_id: Id,
                            data: JSONBody[StatusIn]) -> ItemOut:
        """The unit's moves: open → in_progress → submitted, and submitted → in_progress."""
        return await change_status(work, item_id, data.to, data.remark, WRITE_MOVES)

    @post(f"{ITEMS}/{{item_id:int}}/verify", opt={"action": "rectification:verify"},
          status_code=200, summary="验收、销号或退回整改事项")
    async def verify_item(self, work: CurrentWork, item_id: Id,
                          data: JSONBody[VerifyIn]) -> ItemOut:
        """The office's moves: submitted → verified → closed (销号), or submitted →
        in_progress (returned, with a reason)."""
        return await change_status(work, item_id, data.to, data.remark, VERIFY_MOVES)

    @get(f"{ITEMS}/{{item_id:int}}/history", opt={"action": "rectification:read"},
         summary="整改事项办理记录")
    async def item_history(self, session: Session, item_id: Id, limit: Limit = 50,
                           offset: Offset = 0) -> ActionPage:
        """Status changes, escalations and carry-over of one item, oldest first."""
        await load_item(session, item_id)
        return await item_history(session, item_id, limit=limit, offset=offset)

    @post("/t/{tenant:str}/api/rectification/scan", opt={"action": "rectification:scan"},
          status_code=200, summary="立即执行超期督办扫描")
    async def scan(self, work: CurrentWork, data: JSONBody[ScanIn | None] = None) -> ScanOut:
        """Escalate overdue items one level (supervision notice → reminder → warning →
        accountability); running it twice a day changes nothing the second time."""
        inspection_id = data.inspection_id if data is not None else None
        return _scan_out(await scan_overdue(work, inspection_id))

    @post(f"{INSPECTION}/rectification/reports", opt={"action": "rectification:write"},
          summary="报送整改报告")
    async def submit_report(self, work: CurrentWork, inspection_id: Id,
                            data: JSONBody[ReportIn]) -> ReportOut:
        """An inspected org's rectification report (one per org)."""
        return await submit_report(work, inspection_id, data)

    @get(f"{INSPECTION}/rectification/reports", opt={"action": "rectification:read"},
         summary="整改报告报送情况")
    async def list_reports(self, work: CurrentWork, inspection_id: Id, limit: Limit = 50,
                           offset: Offset = 0) -> ReportPage:
        """Per target org: due date, date submitted, whether overdue."""
        return await list_reports(work, inspection_id, limit=limit, offset=offset)

    @post(f"{INSPECTION}/disclosures", opt={"action": "disclosure:write"},
          summary="登记整改公开")
    async def record_disclosure(self, work: CurrentWork, inspection_id: Id,
                                data: JSONBody[DisclosureIn]) -> DisclosureOut:
        """Internal circular or public release; withholding needs a listed reason and
        the approver."""
        return await record_disclosure(work, inspection_id, data)

    @get(f"{INSPECTION}/disclosures", opt={"action": "rectification:read"},
         summary="整改公开记录")
    async def list_disclosures(self, session: Session, inspection_id: Id, limit: Limit = 50,
                               offset: Offset = 0) -> DisclosurePage:
        """The inspection's disclosure records."""
        return await list_disclosures(session, inspection_id, limit=limit, offset=offset)
