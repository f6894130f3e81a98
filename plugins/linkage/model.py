"""Code names of linkage (上下联动) and their Chinese labels."""

from __future__ import annotations

from enum import StrEnum

from core.api import TenantInfo

__all__ = ["DIRECTIVE_KIND_LABELS", "DirectiveKind", "is_city", "is_county"]


class DirectiveKind(StrEnum):
    """What a city sends down to its counties."""

    deployment = "deployment"
    directive = "directive"
    common_problem = "common_problem"
    knowledge = "knowledge"
    elevated_assignment = "elevated_assignment"
    cross_assignment = "cross_assignment"


DIRECTIVE_KIND_LABELS: dict[str, str] = {
    DirectiveKind.deployment.value: "专项巡察部署",
    DirectiveKind.directive.value: "工作指示",
    DirectiveKind.common_problem.value: "共性问题（联动整改）",
    DirectiveKind.knowledge.value: "知识更新（问题库、检查清单）",
    DirectiveKind.elevated_assignment.value: "提级巡察安排",
    DirectiveKind.cross_assignment.value: "交叉巡察安排",
}


def is_county(tenant: TenantInfo) -> bool:
    """Whether ``tenant`` reports to a parent (and receives what it sends down)."""
    return bool(tenant.parent_code)


def is_city(tenant: TenantInfo) -> bool:
    """Whether ``tenant`` is a top of the hierarchy here: it issues to its counties."""
    return not tenant.parent_code
