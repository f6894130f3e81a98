"""Routes of the sample plugin: the field-note API and its page.

Every route lives under ``/t/{tenant}/`` and uses the core's ``Session``
dependency, so reads and writes are bound to the request's tenant; the core
wraps the plugin's routes in a guard that refuses tenants without the
plugin.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter
from litestar.response import Template

from core.api import CurrentTenant, CurrentWork, Session, page_context
from xuncha_sample_plugin.tables import SampleNote

__all__ = ["NoteCreate", "NoteOut", "route_handlers"]

NoteId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
Limit = Annotated[int, QueryParameter(ge=1, le=200, description="最多返回条数（1-200）")]


class NoteCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new field note."""

    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    village: Annotated[str, msgspec.Meta(max_length=100)] = ""


class NoteOut(msgspec.Struct, kw_only=True):
    """A field note as the API shows it."""

    id: int
    title: str
    village: str


def _out(row: dict[str, Any]) -> NoteOut:
    return NoteOut(id=row["id"], title=row["title"], village=row["village"])


@get("/t/{tenant:str}/sample/notes", opt={"action": "sample_note:read"},
     summary="高标准农田现场记录列表", tags=["高标准农田专项巡察"])
async def list_notes(
    session: Session, village: FromQuery[str | None] = None, limit: Limit = 50
) -> list[NoteOut]:
    """The tenant's field notes, optionally for one village."""
    where = {"village": village} if village else None
    return [_out(r) for r in await session.list(SampleNote, where, limit=limit)]


@get("/t/{tenant:str}/sample/notes/{note_id:int}", opt={"action": "sample_note:read"},
     summary="高标准农田现场记录详情", tags=["高标准农田专项巡察"])
async def get_note(session: Session, note_id: NoteId) -> NoteOut:
    """One field note of the tenant (404 for another tenant's)."""
    row = await session.get(SampleNote, note_id)
    if row is None:
        raise NotFoundException("现场记录不存在")
    return _out(row)


@post("/t/{tenant:str}/sample/notes", opt={"action": "sample_note:write"},
      summary="新增高标准农田现场记录", tags=["高标准农田专项巡察"])
async def create_note(work: CurrentWork, data: JSONBody[NoteCreate]) -> NoteOut:
    """Record a field note in the tenant (it travels up to the city)."""
    from xuncha_sample_plugin import NoteRecorded

    async with work.transaction():
        (new_id,) = await work.session.insert(SampleNote, [{"title": data.title,
                                                            "village": data.village}])
        work.emit(NoteRecorded(tenant=work.tenant.code, note_id=new_id, title=data.title,
                               village=data.village))
    return NoteOut(id=new_id, title=data.title, village=data.village)


@get("/t/{tenant:str}/sample", opt={"action": "sample_note:read"}, include_in_schema=False)
async def notes_page(state: State, tenant_info: CurrentTenant, session: Session) -> Template:
    """The plugin's page: the tenant's field notes on the core layout."""
    notes = await session.list(SampleNote, limit=200)
    context = await page_context(state, tenant_info, notes=notes)
    return Template("sample/notes.html", context=context)


route_handlers = [list_notes, get_note, create_note, notes_page]
