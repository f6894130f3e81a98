"""The unit indicators (整改成效) in force for a tenant, re-weighted by its settings.

Indicators and their deduction items come from ``xuncha_evaluation_indicators``
(the core's four and whatever the tenant's plugins add). A tenant setting
``evaluation_weight_<code>`` re-weights an indicator; its deduction items'
maximum points scale with it. The weights in force must sum to 100 points, or
no evaluation can be created or scored (the refusal says which weights).

A city evaluates a county office's own inspection work with the indicators of
``scope="office"`` (:data:`OFFICE_INDICATORS`, declared by this plugin through
the same hook; other plugins may add theirs), re-weighted the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.api import (
    EvaluationDeduction,
    EvaluationIndicator,
    FieldError,
    Invalid,
    TenantSetting,
    Work,
)
from plugins.evaluation.model import WEIGHT_PREFIX

__all__ = ["FULL_MARKS", "OFFICE_INDICATORS", "Indicator", "Item", "check_balanced",
           "office_indicators", "unit_indicators", "weight_settings"]

FULL_MARKS = 100.0


def _d(code: str, label: str, points: float) -> EvaluationDeduction:
    return EvaluationDeduction(code=code, label=label, points=points)


OFFICE_INDICATORS: tuple[EvaluationIndicator, ...] = (
    EvaluationIndicator(code="office_leadership", label="巡察工作组织领导", subject="team",
                        weight=15.0, scope="office", deductions=(
        _d("office_plan", "未制定巡察工作规划和年度计划", 5.0),
        _d("office_group_hearing", "巡察工作领导小组未定期听取巡察情况汇报", 5.0),
        _d("office_staffing", "巡察机构和巡察组力量配备不足", 5.0))),
    EvaluationIndicator(code="office_supervision", label="巡察监督质量", subject="team",
                        weight=40.0, scope="office", deductions=(
        _d("office_tasks", "未完成年度巡察任务或全覆盖进度滞后", 10.0),
        _d("office_depth", "发现问题不深不实、报告质量不高", 10.0),
        _d("office_reports_late", "巡察报告未按期形成和报告", 10.0),
        _d("office_clues", "问题线索移交不及时、不规范", 10.0))),
    EvaluationIndicator(code="office_rectification", label="整改督促和成果运用",
                        subject="team", weight=25.0, scope="office", deductions=(
        _d("office_follow_up", "未对整改情况开展督促检查", 10.0),
        _d("office_evaluation", "未开展整改评估或巡察“回头看”", 10.0),
        _d("office_ledger", "整改台账管理不规范", 5.0))),
    EvaluationIndicator(code="office_cadres", label="巡察队伍建设", subject="team",
                        weight=20.0, scope="office", deductions=(
        _d("office_training", "巡察干部培训不足", 5.0),
        _d("office_appraisal", "未开展巡察干部考核", 5.0),
        _d("office_discipline", "违反巡察工作纪律", 10.0))),
)
"""The default indicators of a city's evaluation of a county office (100 points)."""


@dataclass(frozen=True)
class Item:
    """A deduction item as it applies in the tenant (``points``: its maximum)."""

    code: str
    label: str
    points: float
    prefill: str = ""
    per_case: float = 0.0


@dataclass(frozen=True)
class Indicator:
    """An indicator in force: its weight here and its deduction items."""

    code: str
    label: str
    weight: float
    default_weight: float
    plugin: str
    items: list[Item] = field(default_factory=list)


def _scaled(value: float, ratio: float) -> float:
    return round(value * ratio, 2)


def _indicator(plugin: str, found: EvaluationIndicator, settings: dict[str, Any]) -> Indicator:
    weight = float(settings.get(WEIGHT_PREFIX + found.code, found.weight))
    ratio = weight / found.weight if found.weight else 1.0
    items = [Item(code=d.code, label=d.label, points=_scaled(d.points, ratio),
                  prefill=d.prefill, per_case=_scaled(d.per_case, ratio))
             for d in found.deductions]
    return Indicator(code=found.code, label=found.label, weight=weight,
                     default_weight=found.weight, plugin=plugin, items=items)


async def unit_indicators(work: Work) -> list[Indicator]:
    """The unit indicators of the plugins ``work``'s tenant enabled, in hook order."""
    answers = await work.plugins.collect("xuncha_evaluation_indicators", work.tenant.plugins)
    return [_indicator(plugin, found, work.tenant.settings)
            for plugin, answer in answers for found in answer
            if isinstance(found, EvaluationIndicator) and found.subject == "unit"
            and found.scope == "unit"]


async def office_indicators(work: Work) -> list[Indicator]:
    """The office indicators (``scope="office"``) of the plugins the tenant enabled."""
    answers = await work.plugins.collect("xuncha_evaluation_indicators", work.tenant.plugins)
    return [_indicator(plugin, found, work.tenant.settings)
            for plugin, answer in answers for found in answer
            if isinstance(found, EvaluationIndicator) and found.scope == "office"]


def check_balanced(indicators: list[Indicator], what: str = "整改评估") -> None:
    """Refuse unless the weights in force sum to 100 points.

    Raises:
        Invalid: the weights miss 100; the message names each weight.
    """
    total = round(sum(i.weight for i in indicators), 6)
    if abs(total - FULL_MARKS) < 1e-6:
        return
    parts = "、".join(f"{i.label} {i.weight:g} 分" for i in indicators)
    raise Invalid([FieldError("weights", (
        f"评估指标权重合计为 {total:g} 分（{parts}），应为 100 分："
        f"请在本机构设置中调整“{what}权重”"))])


def weight_settings(indicators: list[EvaluationIndicator]) -> list[TenantSetting]:
    """One tenant setting per declared unit or office indicator: its weight (default: the
    declared)."""
    return [TenantSetting(key=WEIGHT_PREFIX + i.code,
                          label=f"{'巡察工作评估' if i.scope == 'office' else '整改评估'}权重："
                                f"{i.label}",
                          default=float(i.weight), unit="分", minimum=0, maximum=100)
            for i in indicators if (i.subject == "unit" and i.scope == "unit")
            or i.scope == "office"]
