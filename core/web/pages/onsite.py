"""The on-site sections of the inspection page: papers, findings and clues with their forms.

:func:`onsite_context` adds to the inspection page's context the list of
clues (titles, grades, states: never their persons) and the new-paper,
new-finding and new-clue forms, each offered only to an account that may
post it and only in the stages its service accepts.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from core.inspection.clue_query import ClueFilters, list_clues
from core.web.pages.clues import clue_form_context
from core.web.pages.findings import finding_form_context
from core.web.pages.forms import may
from core.web.pages.papers import paper_form_context
from core.work import Work

__all__ = ["CLUE_LIST_LIMIT", "onsite_context"]

CLUE_LIST_LIMIT = 200
"""At most this many clues are listed on the inspection page (newest first)."""


async def onsite_context(request: Request[Any, Any, Any], work: Work,
                         inspection: dict[str, Any]) -> dict[str, Any]:
    """The clue list and the three record forms of the inspection page."""
    reads_clues = await may(request, "clue:read")
    clues = (await list_clues(work, ClueFilters(inspection_id=inspection["id"]),
                              limit=CLUE_LIST_LIMIT, offset=0) if reads_clues else None)
    return {
        **await paper_form_context(work, inspection),
        **await finding_form_context(work, inspection),
        **await clue_form_context(work, inspection),
        "clue_list": clues.items if clues is not None else [],
        "clue_list_total": clues.total if clues is not None else 0,
        "reads_clues": reads_clues,
        "writes_papers": await may(request, "paper:write"),
        "writes_findings": await may(request, "finding:write"),
        "writes_clues": await may(request, "clue:write"),
    }
