"""Routes of the rural_revitalization plugin: the check-record API and the plugin's page.

Every route lives under ``/t/{tenant}/`` and declares its action; the core
refuses tenants that have not enabled the plugin and decides every request
on the action (deny by default). ``Session`` and ``CurrentWork`` are bound to
the request's tenant, so another tenant's record is simply not found.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from core.api import (
    CurrentTenant,
    CurrentWork,
    Id,
    IdField,
    Inspection,
    InspectionTarget,
    Invalid,
    Limit,
    NotFound,
    Offset,
    Page,
    Session,
    page_context,
)
from litestar import get, post
from litestar.datastructures import State
from litestar.params import JSONBody
from litestar.response import Template

from xuncha_rural_revitalization import LABEL, READ, WRITE
from xuncha_rural_revitalization.events import RecordAdded
from xuncha_rural_revitalization.tables import Record

__all__ = ["RecordIn", "RecordOut", "route_handlers"]

TAGS = [LABEL]


class RecordIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new check record (检查记录)."""

    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    note: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    org_id: IdField | None = None


class RecordOut(msgspec.Struct, kw_only=True):
    """A check record as the API shows it."""

    id: int
    inspection_id: int
    org_id: int | None
    title: str
    note: str
    recorded_on: date
    recorded_by: str


def _out(row: dict[str, Any]) -> RecordOut:
    return RecordOut(id=row["id"], inspection_id=row["inspection_id"], org_id=row["org_id"],
                     title=row["title"], note=row["note"], recorded_on=row["recorded_on"],
                     recorded_by=row["recorded_by"])


@get("/t/{tenant:str}/rural_revitalization/records", opt={"action": READ},
     summary="检查记录列表", tags=TAGS)
async def list_records(session: Session, limit: Limit = 50,
                       offset: Offset = 0) -> Page[RecordOut]:
    """The tenant's check records, newest first."""
    rows, total = await session.page(Record, order_by=("-id",), limit=limit, offset=offset)
    return Page(items=[_out(r) for r in rows], total=total, limit=limit, offset=offset)


@get("/t/{tenant:str}/rural_revitalization/records/{rural_revitalization_record_id:int}",
     opt={"action": READ}, summary="检查记录详情", tags=TAGS)
async def get_record(session: Session, rural_revitalization_record_id: Id) -> RecordOut:
    """One check record (404 for another tenant's)."""
    row = await session.get(Record, rural_revitalization_record_id)
    if row is None:
        raise NotFound("检查记录不存在")
    return _out(row)


@post("/t/{tenant:str}/rural_revitalization/inspections/{inspection_id:int}/records",
      opt={"action": WRITE}, summary="登记检查记录", tags=TAGS)
async def add_record(work: CurrentWork, inspection_id: Id,
                     data: JSONBody[RecordIn]) -> RecordOut:
    """Record a check of the inspection (its team, or the office), about one of its orgs."""
    if await work.session.get(Inspection, inspection_id) is None:
        raise NotFound("巡察任务不存在")
    if data.org_id is not None:
        targets = await work.session.list(InspectionTarget, {"inspection_id": inspection_id},
                                          limit=None)
        if data.org_id not in {t["org_id"] for t in targets}:
            raise Invalid.on("org_id", "该单位不是本次巡察的对象")
    title = data.title.strip()
    if not title:
        raise Invalid.on("title", "标题不能为空")
    row = {"inspection_id": inspection_id, "org_id": data.org_id, "title": title,
           "note": data.note, "recorded_on": work.clock.today(), "recorded_by": work.actor}
    async with work.transaction():
        (new_id,) = await work.session.insert(Record, [row])
        work.emit(RecordAdded(tenant=work.tenant.code, record_id=new_id,
                              inspection_id=inspection_id, title=title))
        await work.audit("rural_revitalization_record.add", "rural_revitalization_record", new_id)
    return _out({"id": new_id, **row})


@get("/t/{tenant:str}/rural_revitalization", opt={"action": READ}, include_in_schema=False)
async def records_page(state: State, tenant_info: CurrentTenant, session: Session) -> Template:
    """The plugin's page: the tenant's check records on the core layout."""
    records = await session.list(Record, order_by=("-id",), limit=200)
    context = await page_context(state, tenant_info, records=records, label=LABEL)
    return Template("rural_revitalization/records.html", context=context)


route_handlers = [list_records, get_record, add_record, records_page]
