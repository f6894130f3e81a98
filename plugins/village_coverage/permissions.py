"""The actions of the village coverage plugin and who may take them by default.

The office head (``office_admin``) holds every action through the core's
``*`` rule. Creating a round's inspections also needs the core's
``inspection:write`` (checked in the handler), so the plugin cannot widen
who may create inspections.
"""

from __future__ import annotations

from core.api import Permission, PolicyRule

__all__ = ["COVERAGE_PERMISSIONS", "COVERAGE_POLICIES"]

COVERAGE_PERMISSIONS: list[Permission] = [
    Permission(action="coverage:read", label="查看巡察全覆盖进度和规划"),
    Permission(action="coverage:plan", label="维护全覆盖对象分类和巡察规划、应用上级指示"),
    Permission(action="coverage:schedule", label="按全覆盖规划创建本轮巡察任务"),
    Permission(action="coverage:rollup", label="查看下级巡察全覆盖汇总"),
    Permission(action="coverage:direct", label="向下级下发全覆盖工作指示"),
]

_STAFF = ["coverage:read", "coverage:plan", "coverage:schedule", "coverage:rollup",
          "coverage:direct"]
_READERS = ["coverage:read", "coverage:rollup"]

COVERAGE_POLICIES: list[PolicyRule] = [
    *(PolicyRule(role="office_staff", action=a) for a in _STAFF),
    *(PolicyRule(role="leading_group", action=a) for a in _READERS),
    *(PolicyRule(role="city_supervisor", action=a) for a in _READERS),
]
