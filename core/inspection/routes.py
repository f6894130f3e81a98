"""Every route handler of the workflow, in one list for the core's hook."""

from __future__ import annotations

from typing import Any

__all__ = ["inspection_handlers"]


def inspection_handlers() -> list[Any]:
    """The workflow's controllers and handlers (API, exports and pages)."""
    from core.inspection.inspections_api import InspectionController
    from core.inspection.planning_api import PlanningController
    from core.inspection.team_api import TeamController

    handlers: list[Any] = [PlanningController, InspectionController, TeamController]
    return handlers
