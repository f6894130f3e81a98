"""The evaluation indicators (后评估指标) of a tenant (``/t/{tenant}/api/evaluation``)."""

from __future__ import annotations

import msgspec
from litestar import get
from litestar.datastructures import State

from core.inspection.evaluation import IndicatorGroup, indicator_groups
from core.runtime import runtime_of
from core.web.deps import CurrentTenant

__all__ = ["IndicatorsOut", "evaluation_indicators"]


class IndicatorsOut(msgspec.Struct, kw_only=True):
    """The indicators by subject; ``message`` sums up the groups whose weights miss 100."""

    subjects: list[IndicatorGroup]
    message: str | None


@get("/t/{tenant:str}/api/evaluation/indicators", opt={"action": "evaluation:read"},
     tags=["后评估"], summary="后评估指标及默认权重")
async def evaluation_indicators(state: State, tenant_info: CurrentTenant) -> IndicatorsOut:
    """Indicators of the plugins the tenant enabled, with their default weights."""
    groups = await indicator_groups(runtime_of(state).plugins, tenant_info)
    problems = [g.message for g in groups if g.message]
    return IndicatorsOut(subjects=groups, message="；".join(problems) if problems else None)
