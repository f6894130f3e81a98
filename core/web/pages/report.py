"""The report section's form (巡察报告): take the report one step on, up to the secretary's
meeting.

The steps and their order are the service's
(:func:`core.inspection.inspections.report_step`, the same one
``POST /api/inspections/{id}/report`` calls): drafted → team discussion →
leader's signature → office review → leading group → secretary's meeting.
Feedback (反馈意见) is the stage move after the meeting, posted by the
report section to the stage form with its record as the remark.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.datastructures import State

from core.errors import Invalid
from core.inspection.inspections import ReportStepIn, report_step
from core.web.deps import CurrentWork
from core.web.pages.forms import done, parse_form
from core.web.pages.sections import section_refusal
from core.web.params import Id

__all__ = ["report_page_handlers"]


@post("/t/{tenant:str}/inspections/{inspection_id:int}/report", opt={"action": "report:write"},
      include_in_schema=False, status_code=200)
async def report_form(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                      inspection_id: Id) -> Response[Any]:
    """Record the report's next step (drafting also sets its title and summary)."""
    try:
        data = await parse_form(request, ReportStepIn)
        await report_step(work, inspection_id, data)
    except Invalid as exc:
        return await section_refusal(request, state, work, inspection_id, exc, form="report",
                                     fields=ReportStepIn,
                                     section="inspection/report_section.html")
    return done(request, f"/t/{work.tenant.code}/inspections/{inspection_id}#report")


report_page_handlers: list[Any] = [report_form]
"""The report section's posts."""
