"""The actions of elevated and cross inspections, with Chinese labels, and who may take them.

The office head (``office_admin``) holds every action through the core's ``*`` rule.
"""

from __future__ import annotations

from core.api import Permission, PolicyRule

__all__ = ["ELEVATED_CROSS_PERMISSIONS", "ELEVATED_CROSS_POLICIES"]

ELEVATED_CROSS_PERMISSIONS: list[Permission] = [
    Permission(action="elevated_cross:read",
               label="查看提级巡察、交叉巡察安排和下级机构名录"),
    Permission(action="elevated_cross:write",
               label="安排提级巡察、交叉巡察，登记问题并反馈移交（市级）"),
    Permission(action="elevated_cross:decide", label="同意或拒绝交叉巡察安排（被巡察县）"),
    Permission(action="elevated_cross:guests",
               label="为交叉巡察组临时账号签发一次性登录密码（被巡察县，默认仅机构管理员）"),
]

ELEVATED_CROSS_POLICIES: list[PolicyRule] = [
    PolicyRule(role="office_staff", action="elevated_cross:read"),
    PolicyRule(role="office_staff", action="elevated_cross:write"),
    PolicyRule(role="office_staff", action="elevated_cross:decide"),
    PolicyRule(role="leading_group", action="elevated_cross:read"),
    PolicyRule(role="leading_group", action="elevated_cross:decide"),
    PolicyRule(role="city_supervisor", action="elevated_cross:read"),
]
"""The default policies (domain ``*``: every tenant)."""
