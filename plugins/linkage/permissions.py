"""The actions of linkage routes (上下联动), with Chinese labels, and who may take them.

The office head (``office_admin``) holds every action through the core's
``*`` rule; the city supervisor (``city_supervisor``, a core role) reads
the counties' reports and asks for chain checks.
"""

from __future__ import annotations

from core.api import Permission, PolicyRule

__all__ = ["LINKAGE_PERMISSIONS", "LINKAGE_POLICIES"]

LINKAGE_PERMISSIONS: list[Permission] = [
    Permission(action="directive:read", label="查看上下联动部署"),
    Permission(action="directive:write", label="下发和撤回部署（市级）"),
    Permission(action="directive:answer", label="回应上级部署（县级，以整改事项落实共性问题）"),
    Permission(action="shared_finding:read", label="查看共享问题"),
    Permission(action="county:read", label="查看下级巡察机构报送的汇总数据"),
    Permission(action="county:check", label="请求下级巡察机构核验审计链"),
]

_READ = ["directive:read", "shared_finding:read", "county:read"]


def _allow(role: str, actions: list[str]) -> list[PolicyRule]:
    return [PolicyRule(role=role, action=action) for action in actions]


LINKAGE_POLICIES: list[PolicyRule] = [
    *_allow("office_staff", [*_READ, "directive:write", "directive:answer", "county:check"]),
    *_allow("leading_group", _READ),
    *_allow("city_supervisor", ["county:read", "county:check"]),
]
"""The default policies of linkage actions (domain ``*``: every tenant)."""
