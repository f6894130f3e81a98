"""Evaluation indicators (后评估指标) of a tenant, from the plugins it enabled.

The core contributes the default indicators of a unit's rectification
effectiveness (整改成效) through its own ``xuncha_evaluation_indicators``;
plugins add theirs. The weights of one subject (unit, team, cadre) should
sum to 100 points; when they do not, the group says so in Chinese instead of
scaling them silently.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from core.contributions import EvaluationDeduction, EvaluationIndicator
from core.plugins import Plugins
from core.tenancy.model import TenantInfo

__all__ = [
    "CORE_INDICATORS",
    "FULL_MARKS",
    "OFFICE_LABEL",
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

def _items(*rows: tuple[Any, ...]) -> tuple[EvaluationDeduction, ...]:
    """Deduction items from ``(code, label, points[, prefill, per_case])`` rows."""
    return tuple(EvaluationDeduction(**dict(zip(("code", "label", "points", "prefill",
                                                  "per_case"), row, strict=False)))
                 for row in rows)


CORE_INDICATORS: tuple[EvaluationIndicator, ...] = (
    EvaluationIndicator(code="rectification_leadership", label="整改组织领导",
                        subject="unit", weight=15.0, deductions=_items(
        ("leadership_meeting", "未及时召开专题会议研究部署整改", 5.0),
        ("leadership_plan", "未制定整改方案或方案不具体、不可操作", 5.0),
        ("leadership_first_duty", "主要负责人未履行整改第一责任人职责", 5.0),
        ("leadership_life_meeting", "未召开巡察整改专题民主生活会（组织生活会）", 5.0))),
    EvaluationIndicator(code="rectification_responsibility", label="整改责任落实",
                        subject="unit", weight=15.0, deductions=_items(
        ("responsibility_ledger", "未建立整改台账和责任清单", 4.0),
        ("responsibility_assigned", "整改责任未分解到具体领导和责任人", 4.0),
        ("responsibility_report_late", "整改报告未按期报送", 5.0, "report_late", 5.0),
        ("responsibility_disclosure", "未按规定公开整改情况", 3.0),
        ("responsibility_accountability", "对整改不力问题未追责问责", 4.0))),
    EvaluationIndicator(code="rectification_tasks", label="整改任务完成",
                        subject="unit", weight=60.0, deductions=_items(
        ("tasks_overdue", "整改事项超过时限未完成", 20.0, "overdue_items", 2.0),
        ("tasks_open", "整改事项未销号", 20.0, "open_items", 1.0),
        ("tasks_perfunctory", "敷衍整改、虚假整改、表面整改", 15.0),
        ("tasks_clues", "移交的问题线索未及时办理", 10.0),
        ("tasks_fix_now", "立行立改事项未落实到位", 5.0),
        ("tasks_systems", "未针对共性问题建章立制、形成长效机制", 10.0),
        ("tasks_recurrence", "同类问题整改后反复出现", 10.0),
        ("tasks_funds", "违规资金、资产未追缴或清退到位", 5.0))),
    EvaluationIndicator(code="public_satisfaction", label="群众满意度",
                        subject="unit", weight=10.0, deductions=_items(
        ("satisfaction_survey", "群众满意度测评结果偏低", 6.0),
        ("satisfaction_complaints", "群众反映强烈的问题未及时解决", 4.0),
        ("satisfaction_petitions", "整改期间同类问题新增信访举报", 3.0))),
)
"""The default unit indicators: 100 points, by deduction over 20 deduction items (DOMAIN:
Evaluation); an indicator scores its weight less its deductions, never below 0."""


class IndicatorOut(msgspec.Struct, frozen=True, kw_only=True):
    """One indicator and the plugin that contributed it."""

    code: str
    label: str
    weight: float
    plugin: str
    deductions: tuple[EvaluationDeduction, ...] = ()


OFFICE_LABEL = "上级对巡察机构巡察工作的评估"
"""The label of the ``office`` scope's groups."""


class IndicatorGroup(msgspec.Struct, frozen=True, kw_only=True):
    """The indicators of one scope and subject; ``message`` is set when the weights miss 100."""

    subject: Subject
    label: str
    total: float
    balanced: bool
    message: str | None
    indicators: list[IndicatorOut]
    scope: Literal["unit", "office"] = "unit"


async def indicator_groups(plugins: Plugins, tenant: TenantInfo) -> list[IndicatorGroup]:
    """The indicators of the plugins ``tenant`` enabled, by scope (``unit`` first, then
    ``office``) and subject (unit, team, cadre).

    Raises:
        TypeError: a plugin returned something other than ``EvaluationIndicator``.
    """
    found: dict[tuple[str, Subject], list[IndicatorOut]] = {}
    for plugin, items in await plugins.collect("xuncha_evaluation_indicators", tenant.plugins):
        for item in items:
            if not isinstance(item, EvaluationIndicator):
                raise TypeError(f"plugin {plugin}: xuncha_evaluation_indicators returned "
                                f"{type(item).__name__}, not EvaluationIndicator")
            found.setdefault((item.scope, item.subject), []).append(IndicatorOut(
                code=item.code, label=item.label, weight=item.weight, plugin=plugin,
                deductions=item.deductions))
    groups = []
    for scope, subject, label in [*(("unit", s, name) for s, name in SUBJECT_LABELS.items()),
                                  *(("office", s, f"{OFFICE_LABEL}（{name}）")
                                    for s, name in SUBJECT_LABELS.items())]:
        indicators = found.get((scope, subject))
        if not indicators:
            continue
        total = round(sum(i.weight for i in indicators), 6)
        balanced = abs(total - FULL_MARKS) < 1e-6
        message = None if balanced else (
            f"{label}指标的权重合计为 {total:g} 分，应为 {FULL_MARKS:g} 分："
            f"请调整本机构启用插件的指标权重")
        groups.append(IndicatorGroup(subject=subject, label=label, total=total,
                                     balanced=balanced, message=message,
                                     indicators=indicators,
                                     scope="office" if scope == "office" else "unit"))
    return groups
