"""Evaluation indicators (后评估指标) of a tenant, from the plugins it enabled.

The core contributes the default indicators of a unit's rectification
effectiveness (整改成效) through its own ``xuncha_evaluation_indicators``;
plugins add theirs. The weights of one subject (unit, team, cadre) should
sum to 100 points; when they do not, the group says so in Chinese instead of
scaling them silently.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from core.contributions import EvaluationIndicator
from core.plugins import Plugins
from core.tenancy.model import TenantInfo

__all__ = [
    "CORE_INDICATORS",
    "FULL_MARKS",
    "SUBJECT_LABELS",
    "IndicatorGroup",
    "IndicatorOut",
    "indicator_groups",
]

FULL_MARKS = 100.0
Subject = Literal["unit", "team", "cadre"]
SUBJECT_LABELS: dict[Subject, str] = {
    "unit": "被巡察单位整改成效",
    "team": "巡察组工作成效",
    "cadre": "巡察干部考核",
}

CORE_INDICATORS: tuple[EvaluationIndicator, ...] = (
    EvaluationIndicator(code="rectification_leadership", label="整改组织领导",
                        subject="unit", weight=15.0),
    EvaluationIndicator(code="rectification_responsibility", label="整改责任落实",
                        subject="unit", weight=15.0),
    EvaluationIndicator(code="rectification_tasks", label="整改任务完成",
                        subject="unit", weight=60.0),
    EvaluationIndicator(code="public_satisfaction", label="群众满意度",
                        subject="unit", weight=10.0),
)
"""The default unit indicators: 100 points, by deduction (DOMAIN: Evaluation)."""


class IndicatorOut(msgspec.Struct, frozen=True, kw_only=True):
    """One indicator and the plugin that contributed it."""

    code: str
    label: str
    weight: float
    plugin: str


class IndicatorGroup(msgspec.Struct, frozen=True, kw_only=True):
    """The indicators of one subject; ``message`` is set when the weights miss 100."""

    subject: Subject
    label: str
    total: float
    balanced: bool
    message: str | None
    indicators: list[IndicatorOut]


async def indicator_groups(plugins: Plugins, tenant: TenantInfo) -> list[IndicatorGroup]:
    """The indicators of the plugins ``tenant`` enabled, by subject (unit, team, cadre).

    Raises:
        TypeError: a plugin returned something other than ``EvaluationIndicator``.
    """
    found: dict[Subject, list[IndicatorOut]] = {}
    for plugin, items in await plugins.collect("xuncha_evaluation_indicators", tenant.plugins):
        for item in items:
            if not isinstance(item, EvaluationIndicator):
                raise TypeError(f"plugin {plugin}: xuncha_evaluation_indicators returned "
                                f"{type(item).__name__}, not EvaluationIndicator")
            found.setdefault(item.subject, []).append(IndicatorOut(
                code=item.code, label=item.label, weight=item.weight, plugin=plugin))
    groups = []
    for subject, label in SUBJECT_LABELS.items():
        indicators = found.get(subject)
        if not indicators:
            continue
        total = round(sum(i.weight for i in indicators), 6)
        balanced = abs(total - FULL_MARKS) < 1e-6
        message = None if balanced else (
            f"{label}指标的权重合计为 {total:g} 分，应为 {FULL_MARKS:g} 分："
            f"请调整本机构启用插件的指标权重")
        groups.append(IndicatorGroup(subject=subject, label=label, total=total,
                                     balanced=balanced, message=message,
                                     indicators=indicators))
    return groups
