"""The actions of the talent pool and who may take them by default.

The office head (``office_admin``) holds every action through the core's
``*`` rule. Office staff keep the roster; the leading group (领导小组) decides
on nominations and may read a record to do so. Team roles, liaisons and the
city's supervisors see nothing of a county's pool: it is personal data.
Appraisals and secondment are the office's work (staff); the leading group
reads appraisals with the records. Forming a team from a suggestion also
needs the core's ``team:write`` (checked in the handler), so the plugin
cannot widen who forms teams.
"""

from __future__ import annotations

from core.api import Permission, PolicyRule

__all__ = ["TALENT_PERMISSIONS", "TALENT_POLICIES"]

TALENT_PERMISSIONS: list[Permission] = [
    Permission(action="talent:read", label="查看巡察人才库名册"),
    Permission(action="talent:record", label="查阅人才库人员档案（留痕）、导出名册"),
    Permission(action="talent:nominate", label="推荐或自荐人员入库"),
    Permission(action="talent:write", label="维护人才库人员档案、资格审查、出库、导入名册"),
    Permission(action="talent:approve", label="审批人员入库（领导小组）"),
    Permission(action="talent:suggest", label="按人才库推荐巡察组人选并组建巡察组"),
    Permission(action="talent:appraise", label="录入巡察组成员考核等次"),
    Permission(action="talent:second",
               label="上挂下派：提出上挂需求、推荐人选、决定是否接收"),
]

_STAFF = ["talent:read", "talent:record", "talent:nominate", "talent:write", "talent:suggest",
          "talent:appraise", "talent:second"]
_LEADING = ["talent:read", "talent:record", "talent:nominate", "talent:approve"]

TALENT_POLICIES: list[PolicyRule] = [
    *(PolicyRule(role="office_staff", action=a) for a in _STAFF),
    *(PolicyRule(role="leading_group", action=a) for a in _LEADING),
]
