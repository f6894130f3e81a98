"""Small helpers every workflow module uses: lookups, stage gates, deadlines."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from piccolo.table import Table

from core.clock import add_months
from core.db import TenantSession
from core.errors import Conflict, FieldError, Invalid, NotFound
from core.inspection.model import STAGE_LABELS, Stage
from core.inspection.tables import Inspection, InspectionTarget

__all__ = [
    "STAGES",
    "due_in_months",
    "get_or_not_found",
    "load_inspection",
    "require_stage",
    "require_target",
    "stage_rank",
    "stages_from",
]

STAGES: tuple[Stage, ...] = tuple(Stage)
"""The stages in order."""


def stage_rank(stage: str) -> int:
    """The position of ``stage`` in the order of stages (0 = planned)."""
    return STAGES.index(Stage(stage))


async def get_or_not_found(session: TenantSession, table: type[Table], row_id: int,
                           label: str) -> dict[str, Any]:
    """The tenant's row ``row_id``.

    Raises:
        NotFound: "<label>不存在", also for another tenant's id.
    """
    row = await session.get(table, row_id)
    if row is None:
        raise NotFound(f"{label}不存在")
    return row


async def load_inspection(session: TenantSession, inspection_id: int) -> dict[str, Any]:
    """The inspection, or :class:`NotFound`."""
    return await get_or_not_found(session, Inspection, inspection_id, "巡察任务")


def require_stage(inspection: dict[str, Any], allowed: Iterable[Stage], doing: str) -> None:
    """Refuse (409) ``doing`` unless the inspection is in one of ``allowed``."""
    allowed = list(allowed)
    if Stage(inspection["stage"]) not in allowed:
        names = "、".join(f"“{STAGE_LABELS[s]}”" for s in allowed)
        current = STAGE_LABELS[Stage(inspection["stage"])]
        raise Conflict(
            [FieldError("stage", f"巡察任务处于“{current}”环节，不能{doing}（仅限{names}环节）")])


def stages_from(first: Stage, last: Stage = Stage.archived) -> list[Stage]:
    """The stages from ``first`` to ``last`` inclusive."""
    return list(STAGES[stage_rank(first): stage_rank(last) + 1])


async def require_target(session: TenantSession, inspection_id: int, org_id: int,
                         field: str = "org_id") -> None:
    """Refuse (400) an org that is not a target of the inspection."""
    if not await session.count(InspectionTarget, {"inspection_id": inspection_id,
                                                  "org_id": org_id}):
        raise Invalid([FieldError(field, "该单位不是本次巡察的被巡察对象")])


def due_in_months(start: date, months: Any) -> date:
    """A deadline ``months`` (a tenant setting) after ``start``."""
    return add_months(start, int(months))
