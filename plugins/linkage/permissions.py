"""The actions of linkage routes (上下联动), with Chinese labels."""

from __future__ import annotations

from core.contributions import Permission

__all__ = ["LINKAGE_PERMISSIONS"]

LINKAGE_PERMISSIONS = [
    Permission(action="directive:read", label="查看上下联动部署"),
    Permission(action="directive:write", label="下发和撤回部署（市级）"),
    Permission(action="directive:answer", label="回应上级部署（县级，以整改事项落实共性问题）"),
    Permission(action="shared_finding:read", label="查看共享问题"),
]
