"""Export routes: the ledger (.xlsx), a working paper and the draft report (.docx).

Each route reads the tenant's rows through its ``TenantSession`` (so another
tenant's ids simply find nothing) and hands them to the pure builders of
:mod:`core.inspection.exports` and :mod:`core.inspection.exports_docx`.
A ledger filtered by another tenant's id is an empty ledger; a paper or an
inspection of another tenant is 404. Exporting a paper or a report is a
confidential read and is audited; it needs what reading the paper (or the
inspection and its findings) needs besides ``export:read``, which unit
liaisons hold for their org's ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from litestar import Response, get
from piccolo.table import Table

from core.authz.guard import also_requires
from core.db import TenantSession
from core.inspection.common import get_or_404, load_inspection
from core.inspection.exports import (
    XLSX_TYPE,
    content_disposition,
    export_mark,
    ledger_xlsx,
)
from core.inspection.exports_docx import (
    DOCX_TYPE,
    PaperData,
    ReportData,
    clue_counts,
    paper_docx,
    report_docx,
    team_names,
)
from core.inspection.model import (
    CLUE_GRADE_LABELS,
    RECEIVING_BODY_LABELS,
    TEAM_ROLE_LABELS,
)
from core.inspection.tables import (
    Attachment,
    Clue,
    Finding,
    Inspection,
    InspectionTarget,
    RectificationItem,
    Round,
    TeamMember,
    WorkingPaper,
)
from core.tenancy.tables import Org
from core.web.deps import CurrentWork
from core.web.params import Id, IdQuery
from core.work import Work

__all__ = ["export_handlers"]

TAGS = ["导出"]
CHUNK = 5000
"""Ids per ``IN`` lookup (well under the statement parameter limit)."""


async def _by_ids(session: TenantSession, table: type[Table], ids: Iterable[Any]
                  ) -> dict[int, dict[str, Any]]:
    """Rows of ``table`` by id (only the tenant's own), looked up in chunks."""
    wanted = sorted({int(i) for i in ids if i is not None})
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = await session.list(table, {"id": wanted[start:start + CHUNK]}, limit=None)
        found.update((row["id"], row) for row in rows)
    return found


def _labels(items: Sequence[Any]) -> dict[str, str]:
    """``code → label`` of plugin contributions (categories, kinds), in order."""
    return {item.code: item.label for item in items}


def _file(content: bytes, media_type: str, filename: str, fallback: str) -> Response[bytes]:
    return Response(content=content, media_type=media_type, headers={
        "Content-Disposition": content_disposition(filename, fallback),
        "Cache-Control": "no-store",
    })


def _stamp(work: Work) -> str:
    return f"{work.clock.today():%Y%m%d}"


@get("/t/{tenant:str}/api/rectification/ledger.xlsx", opt={"action": "export:read"},
     tags=TAGS, summary="导出整改台账（Excel）", media_type=XLSX_TYPE)
async def export_ledger(
    work: CurrentWork, inspection_id: IdQuery = None, round_id: IdQuery = None,
    org_id: IdQuery = None,
) -> Response[bytes]:
    """The rectification ledger as .xlsx, filtered by inspection, round and org.

    An id the tenant does not have filters everything out (an empty ledger).
    """
    session = work.session
    where: dict[str, Any] = {}
    parts: list[str] = []
    if inspection_id is not None:
        where["inspection_id"] = inspection_id
    if round_id is not None:
        inspections = await session.list(Inspection, {"round_id": round_id}, limit=None)
        ids = [row["id"] for row in inspections]
        where["inspection_id"] = ([i for i in ids if i == inspection_id]
                                  if inspection_id is not None else ids)
    if org_id is not None:
        where["org_id"] = org_id
    items = await session.list(RectificationItem, where, limit=None,
                               order_by=("inspection_id", "org_id", "deadline", "id"))
    # The title names a round or an inspection only when exported items belong to it: a
    # liaison may filter its own org's ledger by any id, and must not learn titles so.
    if items and round_id is not None:
        round_row = await session.get(Round, round_id)
        parts.append(round_row["name"] if round_row else "")
    if items and inspection_id is not None:
        inspection = await session.get(Inspection, inspection_id)
        parts.append(inspection["title"] if inspection else "")
    if org_id is not None:
        org = await session.get(Org, org_id)
        parts.append(org["name"] if org else "")
    orgs = await _by_ids(session, Org, (item["org_id"] for item in items))
    findings = await _by_ids(session, Finding, (item["finding_id"] for item in items))
    named = [p for p in parts if p]
    title = f"{work.tenant.name}巡察整改台账" + (f"（{'·'.join(named)}）" if named else "")
    content = ledger_xlsx(
        items, title=title, mark=export_mark(work.actor, work.clock.now()),
        today=work.clock.today(), org_names={i: o["name"] for i, o in orgs.items()},
        findings=findings,
        categories=_labels(work.plugins.gather_now("xuncha_finding_categories")),
    )
    filename = f"{title}-{_stamp(work)}.xlsx"
    return _file(content, XLSX_TYPE, filename, f"ledger-{_stamp(work)}.xlsx")


@get("/t/{tenant:str}/api/papers/{paper_id:int}/export.docx", opt={"action": "export:read"},
     guards=[also_requires("paper:read")], tags=TAGS, summary="导出问题底稿（Word）",
     media_type=DOCX_TYPE)
async def export_paper(work: CurrentWork, paper_id: Id) -> Response[bytes]:
    """A working paper (问题底稿) as .docx; the read is audited (``paper.export``)."""
    session = work.session
    paper = await get_or_404(session, WorkingPaper, paper_id, "问题底稿")
    org = await session.get(Org, paper["org_id"])
    attachments = await session.list(
        Attachment, {"owner_type": "working_paper", "owner_id": paper_id}, limit=None)
    members = await session.list(TeamMember, {"inspection_id": paper["inspection_id"]},
                                 limit=None)
    content = paper_docx(PaperData(
        paper=paper, org_name=org["name"] if org else "",
        attachments=[a["filename"] for a in attachments], names=team_names(members),
        mark=export_mark(work.actor, work.clock.now()),
    ))
    async with work.transaction():
        await work.audit("paper.export", "working_paper", paper_id,
                         {"number": paper["number"], "format": "docx"})
    filename = f"巡察工作底稿-{paper['number']}.docx"
    return _file(content, DOCX_TYPE, filename, f"paper-{paper_id}.docx")


@get("/t/{tenant:str}/api/inspections/{inspection_id:int}/report.docx",
     opt={"action": "export:read"}, guards=[also_requires("inspection:read", "finding:read")],
     tags=TAGS, summary="导出巡察情况报告初稿（Word）",
     media_type=DOCX_TYPE)
async def export_report(work: CurrentWork, inspection_id: Id) -> Response[bytes]:
    """The draft inspection report as .docx, assembled from the findings.

    Clues appear only as counts by grade and receiving body, never with the
    persons concerned. The read is audited (``report.export``).
    """
    session = work.session
    inspection = await load_inspection(session, inspection_id)
    round_row = await session.get(Round, inspection["round_id"])
    target_rows = await session.list(InspectionTarget, {"inspection_id": inspection_id},
                                     limit=None)
    orgs = await _by_ids(session, Org, (t["org_id"] for t in target_rows))
    findings = await session.list(Finding, {"inspection_id": inspection_id}, limit=None,
                                  order_by=("org_id", "id"))
    orgs.update(await _by_ids(session, Org, (f["org_id"] for f in findings
                                             if f["org_id"] not in orgs)))
    members = await session.list(TeamMember, {"inspection_id": inspection_id}, limit=None)
    clues = await session.list(Clue, {"inspection_id": inspection_id}, limit=None)
    grades, bodies = clue_counts(clues)
    del clues  # only the counts go further; the persons concerned never do
    kinds = _labels(work.plugins.gather_now("xuncha_inspection_kinds"))
    targets = [orgs[t["org_id"]] for t in target_rows if t["org_id"] in orgs]
    content = report_docx(ReportData(
        tenant_name=work.tenant.name, inspection=inspection,
        round_name=round_row["name"] if round_row else "",
        kind_label=kinds.get(inspection["kind"], "巡察"),
        targets=targets, members=members,
        findings=findings,
        categories=_labels(work.plugins.gather_now("xuncha_finding_categories")),
        clue_grades=grades, clue_bodies=bodies,
        role_labels={k.value: v for k, v in TEAM_ROLE_LABELS.items()},
        grade_labels={k.value: v for k, v in CLUE_GRADE_LABELS.items()},
        body_labels={k.value: v for k, v in RECEIVING_BODY_LABELS.items()},
        papers=await session.count(WorkingPaper, {"inspection_id": inspection_id}),
        report_months=int(work.setting("rectification_report_months")),
        today=work.clock.today(), mark=export_mark(work.actor, work.clock.now()),
        org_names={i: o["name"] for i, o in orgs.items()},
    ))
    async with work.transaction():
        await work.audit("report.export", "inspection", inspection_id,
                         {"findings": len(findings), "format": "docx"})
    names = "、".join(o["name"] for o in targets) or inspection["title"]
    filename = f"关于巡察{names}的情况报告（初稿）-{_stamp(work)}.docx"
    return _file(content, DOCX_TYPE, filename, f"report-{inspection_id}.docx")


export_handlers = [export_ledger, export_paper, export_report]
"""The export routes, for :func:`core.inspection.routes.inspection_handlers`."""
