"""Export routes: the ledger (.xlsx), a working paper and the draft report (.docx).

What goes into each file, and the audit of the confidential reads, is
:mod:`core.exports.assemble`; these routes send what it built.
"""

from __future__ import annotations

from litestar import Response, get

from core.exports.assemble import Export, ledger_export, paper_export, report_export
from core.exports.documents import DOCX_TYPE
from core.exports.workbooks import XLSX_TYPE, content_disposition
from core.web.deps import CurrentWork
from core.web.guard import also_requires
from core.web.params import Id, IdQuery

__all__ = ["export_handlers"]

TAGS = ["导出"]


def _file(export: Export) -> Response[bytes]:
    return Response(content=export.content, media_type=export.media_type, headers={
        "Content-Disposition": content_disposition(export.filename, export.fallback),
        "Cache-Control": "no-store",
    })


@get("/t/{tenant:str}/api/rectification/ledger.xlsx", opt={"action": "export:read"},
     tags=TAGS, summary="导出整改台账（Excel）", media_type=XLSX_TYPE)
async def export_ledger(
    work: CurrentWork, inspection_id: IdQuery = None, round_id: IdQuery = None,
    org_id: IdQuery = None,
) -> Response[bytes]:
    """The rectification ledger as .xlsx, filtered by inspection, round and org.

    An id the tenant does not have filters everything out (an empty ledger).
    """
    return _file(await ledger_export(work, inspection_id=inspection_id, round_id=round_id,
                                     org_id=org_id))


@get("/t/{tenant:str}/api/papers/{paper_id:int}/export.docx", opt={"action": "export:read"},
     guards=[also_requires("paper:read")], tags=TAGS, summary="导出问题底稿（Word）",
     media_type=DOCX_TYPE)
async def export_paper(work: CurrentWork, paper_id: Id) -> Response[bytes]:
    """A working paper (问题底稿) as .docx; the read is audited (``paper.export``)."""
    return _file(await paper_export(work, paper_id))


@get("/t/{tenant:str}/api/inspections/{inspection_id:int}/report.docx",
     opt={"action": "export:read"}, guards=[also_requires("inspection:read", "finding:read")],
     tags=TAGS, summary="导出巡察情况报告初稿（Word）",
     media_type=DOCX_TYPE)
async def export_report(work: CurrentWork, inspection_id: Id) -> Response[bytes]:
    """The draft inspection report as .docx, assembled from the findings.

    Clues appear only as counts by grade and receiving body, never with the
    persons concerned. The read is audited (``report.export``).
    """
    return _file(await report_export(work, inspection_id))


export_handlers = [export_ledger, export_paper, export_report]
"""The export routes, for :func:`core.web.routes.core_handlers`."""
