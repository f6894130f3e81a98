"""What the exports contain: the tenant's rows read and handed to the builders.

Each function reads through the tenant's ``TenantSession`` (another tenant's
ids find nothing) and returns the file with its name; the pure builders are
:mod:`core.exports.workbooks` and :mod:`core.exports.documents`. A ledger
filtered by another tenant's id is an empty ledger; a paper or an inspection
of another tenant is not found. Exporting a paper or a report is a
confidential read and is audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.table import Table

from core.db import TenantSession
from core.exports.documents import (
    DOCX_TYPE,
    PaperData,
    ReportData,
    clue_counts,
    paper_docx,
    report_docx,
    team_names,
)
from core.exports.workbooks import XLSX_TYPE, export_mark, ledger_xlsx
from core.inspection.checklist import report_sections
from core.inspection.common import get_or_not_found, load_inspection
from core.inspection.extra import extra_fields, extra_rows
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
from core.work import Work

__all__ = ["Export", "ledger_export", "paper_export", "report_export"]

CHUNK = 5000
"""Ids per ``IN`` lookup (well under the statement parameter limit)."""


@dataclass(frozen=True, slots=True)
class Export:
    """A built file: its bytes, media type, Chinese name and an ASCII fallback name."""

    content: bytes
    media_type: str
    filename: str
    fallback: str


def _finding_extra(work: Work, kind: str, findings: Sequence[dict[str, Any]]) -> dict[int, str]:
    fields = extra_fields(work.plugins, kind, "finding")
    out = {}
    for row in findings:
        filled = [f"{label}：{text}" for label, text in extra_rows(fields, row.get("extra") or {})
                  if text and text != "0"]
        if filled:
            out[int(row["id"])] = "；".join(filled)
    return out


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


def _stamp(work: Work) -> str:
    return f"{work.clock.today():%Y%m%d}"


async def ledger_export(work: Work, *, inspection_id: int | None = None,
                        round_id: int | None = None, org_id: int | None = None) -> Export:
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
    return Export(content=content, media_type=XLSX_TYPE, filename=filename,
                  fallback=f"ledger-{_stamp(work)}.xlsx")


async def paper_export(work: Work, paper_id: int) -> Export:
    """A working paper (问题底稿) as .docx; the read is audited (``paper.export``).

    Raises:
        NotFound: no such paper.
    """
    session = work.session
    paper = await get_or_not_found(session, WorkingPaper, paper_id, "问题底稿")
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
    return Export(content=content, media_type=DOCX_TYPE, filename=filename,
                  fallback=f"paper-{paper_id}.docx")


async def report_export(work: Work, inspection_id: int) -> Export:
    """The draft inspection report as .docx, assembled from the findings.

    Clues appear only as counts by grade and receiving body, never with the
    persons concerned. The read is audited (``report.export``).

    Raises:
        NotFound: no such inspection.
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
        extra=extra_rows(extra_fields(work.plugins, inspection["kind"], "inspection"),
                         inspection.get("extra") or {}),
        sections=await report_sections(work, inspection_id, inspection["kind"]),
        finding_extra=_finding_extra(work, inspection["kind"], findings),
    ))
    async with work.transaction():
        await work.audit("report.export", "inspection", inspection_id,
                         {"findings": len(findings), "format": "docx"})
    names = "、".join(o["name"] for o in targets) or inspection["title"]
    filename = f"关于巡察{names}的情况报告（初稿）-{_stamp(work)}.docx"
    return Export(content=content, media_type=DOCX_TYPE, filename=filename,
                  fallback=f"report-{inspection_id}.docx")
