"""The JSON API of the talent pool, under ``/t/{tenant}/api/talent/``.

The roster (lines with only what a list needs), a person's record (each read
audited), nomination and self-nomination, the eligibility check, the leading
group's decision, leaving with a reason, the record's lines, and for an
inspection the team suggestion and forming the team from it. An unknown
person, line or inspection answers 404 (another tenant's is unknown here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import State as AppState
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody, QueryParameter

from core.api import CurrentWork, Id, Limit, Offset, require_action, runtime_of
from plugins.talent_pool import persons
from plugins.talent_pool.forming import FormTeamIn, form_team
from plugins.talent_pool.model import Pool, Status
from plugins.talent_pool.persons import (
    AvailabilityIn,
    Decision,
    HistoryIn,
    Leave,
    PersonIn,
    PersonPatch,
    RelationIn,
)
from plugins.talent_pool.roster import MAX_BYTES, export_roster, import_roster
from plugins.talent_pool.suggest import suggest
from plugins.talent_pool.views import line_out, record_out, suggestion_out, summary_out

__all__ = ["XLSX", "TalentController", "roster_file"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class RosterUpload:
    """The upload form: the workbook in the field ``file``."""

    file: UploadFile


def roster_file(content: bytes, tenant_name: str) -> Response[bytes]:
    """The workbook as a download named after the tenant."""
    name = f"{tenant_name}巡察人才库名册.xlsx"
    return Response(content=content, media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"talent-roster.xlsx\"; "
                               f"filename*=UTF-8''{quote(name, safe='')}"})

Query = Annotated[str, QueryParameter(max_length=64, description="姓名、单位或职务")]
SpecialtyQuery = Annotated[list[str] | None, QueryParameter(
    max_items=20, description="需要的专业特长（可多个）")]


class TalentController(Controller):
    """The tenant's talent pool (巡察人才库)."""

    path = "/t/{tenant:str}/api/talent"
    tags = ["巡察人才库"]

    @get("/persons", opt={"action": "talent:read"}, summary="人才库名册")
    async def roster(
        self, work: CurrentWork, limit: Limit = 50, offset: Offset = 0,
        status: Annotated[Status | None, QueryParameter(description="状态")] = None,
        pool: Annotated[Pool | None, QueryParameter(description="入库类别")] = None,
        specialty: Annotated[str | None, QueryParameter(max_length=32)] = None,
        q: Query = "",
    ) -> dict[str, Any]:
        """One page of the roster: name, unit, post, pools, specialties and status only."""
        rows, total = await persons.list_persons(
            work.session, status=status.value if status else None,
            pool=pool.value if pool else None, specialty=specialty, query=q,
            limit=limit, offset=offset)
        return {"items": [summary_out(r) for r in rows], "total": total, "limit": limit,
                "offset": offset}

    @post("/persons", opt={"action": "talent:nominate"}, summary="推荐或自荐入库")
    async def nominate(self, work: CurrentWork, data: JSONBody[PersonIn]) -> dict[str, Any]:
        """Nominate a person (or oneself): the eligibility check runs at once."""
        person = await persons.nominate(work, data)
        return summary_out(person) | {"eligibility": person["eligibility"]}

    @get("/persons/{talent_person_id:int}", opt={"action": "talent:record"},
         summary="人员档案（查阅留痕）")
    async def record(self, work: CurrentWork, talent_person_id: Id) -> dict[str, Any]:
        """The whole record with history, relations and periods; the read is audited."""
        return record_out(await persons.read_record(work, talent_person_id))

    @patch("/persons/{talent_person_id:int}", opt={"action": "talent:write"},
           summary="修改人员档案")
    async def update(self, work: CurrentWork, talent_person_id: Id,
                     data: JSONBody[PersonPatch]) -> dict[str, Any]:
        """Change the record; a waiting nomination is checked again."""
        person = await persons.update_person(work, talent_person_id, data)
        return summary_out(person) | {"eligibility": person["eligibility"]}

    @post("/persons/{talent_person_id:int}/eligibility", opt={"action": "talent:write"},
          summary="重新进行资格审查", status_code=200)
    async def eligibility(self, work: CurrentWork, talent_person_id: Id) -> dict[str, Any]:
        """Run the eligibility check again on a waiting or refused nomination."""
        person = await persons.recheck(work, talent_person_id)
        return summary_out(person) | {"eligibility": person["eligibility"]}

    @post("/persons/{talent_person_id:int}/decision", opt={"action": "talent:approve"},
          summary="领导小组审批入库", status_code=200)
    async def decide(self, work: CurrentWork, talent_person_id: Id,
                     data: JSONBody[Decision]) -> dict[str, Any]:
        """Approve (the person enters the pool) or refuse, with the reason."""
        return summary_out(await persons.decide(work, talent_person_id, data))

    @post("/persons/{talent_person_id:int}/leave", opt={"action": "talent:write"},
          summary="出库", status_code=200)
    async def leave(self, work: CurrentWork, talent_person_id: Id,
                    data: JSONBody[Leave]) -> dict[str, Any]:
        """Take the person out of the pool, with the reason."""
        return summary_out(await persons.leave(work, talent_person_id, data))

    @post("/persons/{talent_person_id:int}/history", opt={"action": "talent:write"},
          summary="添加工作或学习经历")
    async def add_history(self, work: CurrentWork, talent_person_id: Id,
                          data: JSONBody[HistoryIn]) -> dict[str, Any]:
        """A line of work or study history (the unit matched to an org for recusal)."""
        return line_out("history", await persons.add_line(work, talent_person_id,
                                                          "history", data))

    @delete("/persons/{talent_person_id:int}/history/{talent_line_id:int}",
            opt={"action": "talent:write"}, summary="删除经历", status_code=200)
    async def delete_history(self, work: CurrentWork, talent_person_id: Id,
                             talent_line_id: Id) -> dict[str, Any]:
        """Remove a line of history."""
        await persons.delete_line(work, talent_person_id, "history", talent_line_id)
        return {"deleted": talent_line_id}

    @post("/persons/{talent_person_id:int}/relations", opt={"action": "talent:write"},
          summary="添加社会关系")
    async def add_relation(self, work: CurrentWork, talent_person_id: Id,
                           data: JSONBody[RelationIn]) -> dict[str, Any]:
        """A relative or a former superior or subordinate, and where they work."""
        return line_out("relations", await persons.add_line(work, talent_person_id,
                                                            "relations", data))

    @delete("/persons/{talent_person_id:int}/relations/{talent_line_id:int}",
            opt={"action": "talent:write"}, summary="删除社会关系", status_code=200)
    async def delete_relation(self, work: CurrentWork, talent_person_id: Id,
                              talent_line_id: Id) -> dict[str, Any]:
        """Remove a relation."""
        await persons.delete_line(work, talent_person_id, "relations", talent_line_id)
        return {"deleted": talent_line_id}

    @post("/persons/{talent_person_id:int}/availability", opt={"action": "talent:write"},
          summary="添加可参加巡察时段")
    async def add_period(self, work: CurrentWork, talent_person_id: Id,
                         data: JSONBody[AvailabilityIn]) -> dict[str, Any]:
        """A period in which the person can join a team."""
        return line_out("availability", await persons.add_line(
            work, talent_person_id, "availability", data))

    @delete("/persons/{talent_person_id:int}/availability/{talent_line_id:int}",
            opt={"action": "talent:write"}, summary="删除可参加巡察时段", status_code=200)
    async def delete_period(self, work: CurrentWork, talent_person_id: Id,
                            talent_line_id: Id) -> dict[str, Any]:
        """Remove a period."""
        await persons.delete_line(work, talent_person_id, "availability", talent_line_id)
        return {"deleted": talent_line_id}

    @get("/inspections/{inspection_id:int}/suggestion", opt={"action": "talent:suggest"},
         summary="巡察组人选推荐")
    async def suggestion(self, work: CurrentWork, inspection_id: Id,
                         specialty: SpecialtyQuery = None) -> dict[str, Any]:
        """The proposed team and the ranked candidates, each with the reasons."""
        return suggestion_out(await suggest(work, inspection_id, specialty or []))

    @post("/inspections/{inspection_id:int}/team", opt={"action": "talent:suggest"},
          summary="按推荐组建巡察组")
    async def form(self, request: Request[Any, Any, Any], state: AppState, work: CurrentWork,
                   inspection_id: Id, data: JSONBody[FormTeamIn]) -> dict[str, Any]:
        """Add the picks (or the suggested team) to the team in one step, all or nothing."""
        await require_action(request, "team:write")
        added = await form_team(work, inspection_id, data, runtime=runtime_of(state))
        return {"added": added}

    @get("/roster", opt={"action": "talent:record"}, summary="导出人才库名册（Excel）",
         media_type=XLSX)
    async def export(self, work: CurrentWork) -> Response[bytes]:
        """Every person of the pool in the offices' columns (the export is audited)."""
        return roster_file(await export_roster(work), work.tenant.name)

    @post("/roster", opt={"action": "talent:write"}, summary="导入人才库名册（Excel）",
          request_max_body_size=MAX_BYTES + 64 * 1024, status_code=200)
    async def import_(
        self, work: CurrentWork,
        data: Annotated[RosterUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> dict[str, Any]:
        """Import a roster (multipart field ``file``): every row or, if any row is refused,
        none (400 listing each refused row and why)."""
        try:
            content = await data.file.read()
        finally:
            await data.file.close()
        report = await import_roster(work, content)
        return {"added": report.added, "updated": report.updated}
