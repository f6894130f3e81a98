"""The roles of a tenant and what each may do by default.

Tenant roles are granted to accounts per tenant (casbin ``g`` lines). Team
roles are never granted directly: an account holds one inside one
inspection while it is on that inspection's team (一次一授权). Liaison roles
carry a scope: a unit liaison acts only for its org, a receiving-body
liaison only for clues referred to its body.
"""

from __future__ import annotations

from enum import StrEnum

from core.contributions import PolicyRule

__all__ = [
    "CORE_POLICIES",
    "LIAISON_SCOPES",
    "PRESENCE_ACTIONS",
    "ROLE_LABELS",
    "SIGNED_IN_ACTIONS",
    "TEAM_ROLE_NAMES",
    "Role",
    "role_from_text",
]


class Role(StrEnum):
    """Roles of a tenant (and the three team roles)."""

    office_admin = "office_admin"
    office_staff = "office_staff"
    leading_group = "leading_group"
    team_leader = "team_leader"
    team_deputy = "team_deputy"
    team_member = "team_member"
    unit_liaison = "unit_liaison"
    receiving_liaison = "receiving_liaison"
    city_supervisor = "city_supervisor"


ROLE_LABELS = {
    Role.office_admin: "巡察办管理员（办主任）",
    Role.office_staff: "巡察办工作人员",
    Role.leading_group: "巡察工作领导小组成员",
    Role.team_leader: "巡察组组长",
    Role.team_deputy: "巡察组副组长",
    Role.team_member: "巡察组组员",
    Role.unit_liaison: "被巡察单位联络员",
    Role.receiving_liaison: "线索承办单位联络员",
    Role.city_supervisor: "市级督导（查看县区报送数据）",
}

def role_from_text(text: str) -> Role | None:
    """The role named by its code (``office_staff``) or its Chinese label.

    The label may be given whole (``巡察办管理员（办主任）``) or without its
    remark in brackets (``巡察办管理员``, ``市级督导``); None when nothing matches.
    """
    text = text.strip()
    if text in Role.__members__:
        return Role(text)
    for role, label in ROLE_LABELS.items():
        if text in (label, label.split("（")[0]):
            return role
    return None


TEAM_ROLE_NAMES = {"leader": Role.team_leader, "deputy": Role.team_deputy,
                   "member": Role.team_member}
"""The role a team place (``TeamMember.role``) holds inside its inspection."""

LIAISON_SCOPES = {Role.unit_liaison: "org", Role.receiving_liaison: "body"}
"""Roles that must be granted with a scope, and the scope's kind."""

SIGNED_IN_ACTIONS = frozenset({"me:read", "tenant:list", "page:view"})
"""Actions of routes outside any tenant that every signed-in account may take."""

PRESENCE_ACTIONS = frozenset({"desk:view"})
"""Actions on nothing but the tenant itself, allowed to anyone holding a role there (a
liaison's scoped role included) or an authorised team place in one of its inspections, when
that role allows them: the desk, which lists only the person's own to-dos."""

_READ = ["desk:view", "tenant:read", "org:read", "page:view", "plan:read", "inspection:read",
         "finding:read", "clue:read", "rectification:read", "export:read", "audit:head",
         "evaluation:read"]
_TEAM = ["desk:view", "tenant:read", "page:view", "inspection:read", "paper:read", "paper:write",
         "attachment:read", "attachment:write", "finding:read", "finding:write", "clue:read",
         "clue:write", "export:read", "token:manage"]


def _allow(role: Role, actions: list[str]) -> list[PolicyRule]:
    return [PolicyRule(role=role.value, action=a) for a in actions]


CORE_POLICIES: list[PolicyRule] = [
    # The office head may do everything in the tenant, clue persons included.
    PolicyRule(role=Role.office_admin.value, action="*"),
    *_allow(Role.office_staff, [*_READ, "plan:write", "inspection:write",
                                "inspection:advance", "team:write", "report:write",
                                "paper:read", "attachment:read", "rectification:write",
                                "rectification:verify", "rectification:scan",
                                "disclosure:write", "clue:refer", "org:write",
                                "token:manage"]),
    PolicyRule(role=Role.office_staff.value, action="clue:read_persons", effect="deny"),
    *_allow(Role.leading_group, [*_READ, "paper:read", "report:write", "token:manage"]),
    PolicyRule(role=Role.leading_group.value, action="clue:read_persons", effect="deny"),
    *_allow(Role.team_member, _TEAM),
    *_allow(Role.team_deputy, [*_TEAM, "paper:review", "report:write"]),
    *_allow(Role.team_leader, [*_TEAM, "paper:review", "paper:sign", "report:write",
                               "clue:read_persons", "clue:refer", "inspection:advance"]),
    *_allow(Role.unit_liaison, ["desk:view", "tenant:read", "page:view", "finding:read",
                                "rectification:read", "rectification:write", "export:read"]),
    *_allow(Role.receiving_liaison, ["desk:view", "tenant:read", "page:view", "clue:read",
                                     "clue:read_persons", "clue:answer"]),
    *_allow(Role.city_supervisor, ["desk:view", "tenant:read", "page:view", "org:read",
                                   "audit:head"]),
]
"""The core's default policies, in every tenant (domain ``*``)."""
