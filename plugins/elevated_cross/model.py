"""Codes of elevated and cross inspections, their Chinese labels, and who is a city."""

from __future__ import annotations

from core.api import Forbidden, NotFound, TenantInfo

__all__ = [
    "CLASS_LABELS",
    "CROSS_STATUS_LABELS",
    "DIRECTORY_MEMO",
    "ELEVATED_STATUS_LABELS",
    "PLUGIN_NAME",
    "POST_LABELS",
    "POST_SETTINGS",
    "POST_SIDE_LABELS",
    "VERIFICATION_LABELS",
    "post_refusals",
    "posts_of",
    "require_city",
    "require_county",
]

PLUGIN_NAME = "elevated_cross"
"""The plugin's name (a tenant enables it by listing it in its plugins)."""

DIRECTORY_MEMO = "elevated_cross.directory"
"""The ``sync_state`` key of the org directory a county last published."""

ELEVATED_STATUS_LABELS: dict[str, str] = {
    "planned": "巡察中",
    "handed_over": "已反馈，问题已移交县级整改",
    "received": "县级已承接整改",
    "withdrawn": "已撤销",
}

CROSS_STATUS_LABELS: dict[str, str] = {
    "proposed": "待被巡察县确认",
    "accepted": "被巡察县已同意并授权",
    "declined": "被巡察县已拒绝",
    "cancelled": "市委已取消",
}

VERIFICATION_LABELS: dict[str, str] = {
    "accepted": "市级核查通过",
    "returned": "市级核查退回，须继续整改",
}

POST_SIDE_LABELS: dict[str, str] = {"team": "派出巡察组的县", "host": "被巡察县",
                                    "either": "不限"}
"""Which side a team post of a cross inspection comes from."""

POST_SETTINGS: dict[str, str] = {"leader": "cross_leader_side", "deputy": "cross_deputy_side",
                                 "member": "cross_member_side"}
"""The city's settings, by team post (组长、副组长、组员), naming the side it comes from."""

POST_LABELS: dict[str, str] = {"leader": "组长", "deputy": "副组长", "member": "组员"}


def posts_of(settings: dict[str, object]) -> dict[str, str]:
    """The side (``team``, ``host``, ``either``) of each post, from a city's settings."""
    return {post: str(settings.get(key, "either")) for post, key in POST_SETTINGS.items()}


def post_refusals(posts: dict[str, str], roles: list[tuple[str, str]], side: str) -> list[str]:
    """Chinese reasons refusing people ``roles`` (name, post) of ``side`` the city's rule
    gives to the other side."""
    other = "host" if side == "team" else "team"
    return [f"{name}不能担任{POST_LABELS.get(role, role)}：按市委规定，"
            f"{POST_LABELS.get(role, role)}由{POST_SIDE_LABELS[other]}选派"
            for name, role in roles if posts.get(role, "either") == other]


CLASS_LABELS: dict[str, str] = {"key": "重点村", "watch": "关注村", "general": "一般村"}


def require_city(tenant: TenantInfo) -> None:
    """Refuse (403) a county: only a city plans elevated and cross inspections."""
    if tenant.parent_code:
        raise Forbidden("只有市级巡察机构可以安排提级巡察和交叉巡察")


def require_county(tenant: TenantInfo) -> str:
    """The county's city (404 for a tenant without one)."""
    if not tenant.parent_code:
        raise NotFound("本机构没有上级，未收到提级或交叉巡察安排")
    return tenant.parent_code
