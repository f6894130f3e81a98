"""Every route handler of the workflow, in one list for the core's hook."""

from __future__ import annotations

from typing import Any

__all__ = ["inspection_handlers"]


def inspection_handlers() -> list[Any]:
    """The workflow's controllers and handlers (API, exports and pages)."""
    from core.inspection.clues_api import ClueController
    from core.inspection.exports_api import export_handlers
    from core.inspection.inspections_api import InspectionController
    from core.inspection.ledger_api import LedgerController
    from core.inspection.pages import workflow_pages
    from core.inspection.papers_api import paper_handlers
    from core.inspection.planning_api import PlanningController
    from core.inspection.team_api import TeamController

    handlers: list[Any] = [PlanningController, InspectionController, TeamController,
                            ClueController, LedgerController]
    handlers.extend(export_handlers)
    handlers.extend(paper_handlers())
    handlers.extend(workflow_pages)
    return handlers
