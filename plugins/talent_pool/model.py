"""Codes, labels and settings of the talent pool (巡察人才库).

Specialties are a base list the office extends with its own (tenant setting
:data:`EXTRA_SPECIALTIES_SETTING`, Chinese names separated by 、 or commas);
an extra specialty is stored by its name.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

__all__ = [
    "CLOSE_RELATIVES",
    "EXCELLENT_PERCENT",
    "EXTRA_SPECIALTIES_SETTING",
    "GRADE_LABELS",
    "HISTORY_LABELS",
    "MAX_AGE_SETTING",
    "MAX_ROUNDS_SETTING",
    "MIN_PARTY_YEARS_SETTING",
    "NOMINATION_LABELS",
    "PLUGIN_NAME",
    "POLITICAL_LABELS",
    "POOL_LABELS",
    "RECUSAL_YEARS_SETTING",
    "RELATION_LABELS",
    "REQUIRE_PARTY_SETTING",
    "ROTATION_MODE_SETTING",
    "ROTATION_OVERLAP_SETTING",
    "SECONDMENT_LABELS",
    "SPECIALTY_LABELS",
    "STATUS_LABELS",
    "SUPERVISION",
    "TEAM_SIZE_SETTING",
    "Grade",
    "HistoryKind",
    "Nomination",
    "Political",
    "Pool",
    "RelationKind",
    "SecondmentStatus",
    "Status",
    "extra_specialties",
    "specialty_label",
    "specialty_options",
]

PLUGIN_NAME = "talent_pool"

RECUSAL_YEARS_SETTING = "talent_recusal_years"
ROTATION_MODE_SETTING = "talent_rotation_mode"
ROTATION_OVERLAP_SETTING = "talent_rotation_overlap"
REQUIRE_PARTY_SETTING = "talent_require_party_member"
MIN_PARTY_YEARS_SETTING = "talent_min_party_years"
MAX_AGE_SETTING = "talent_max_age"
EXTRA_SPECIALTIES_SETTING = "talent_extra_specialties"
TEAM_SIZE_SETTING = "talent_team_size"
MAX_ROUNDS_SETTING = "talent_max_rounds_per_year"


class Pool(StrEnum):
    """Which part of the pool a person is in (one person may be in several)."""

    general = "general"
    leader = "leader"
    expert = "expert"
    special = "special"


POOL_LABELS = {Pool.general: "巡察干部", Pool.leader: "巡察组长", Pool.expert: "专业人才",
               Pool.special: "特约巡察员"}


class Status(StrEnum):
    """Where a person stands: nominated and waiting, refused, in the pool, left it."""

    pending = "pending"
    ineligible = "ineligible"
    active = "active"
    rejected = "rejected"
    left = "left"


STATUS_LABELS = {Status.pending: "待领导小组审批", Status.ineligible: "资格审查未通过",
                 Status.active: "在库", Status.rejected: "领导小组未同意", Status.left: "已出库"}


class Nomination(StrEnum):
    """How a person came to the pool."""

    nomination = "nomination"
    self = "self"
    imported = "imported"


NOMINATION_LABELS = {Nomination.nomination: "组织推荐", Nomination.self: "个人自荐",
                     Nomination.imported: "名册导入"}


class Political(StrEnum):
    """Political status (政治面貌)."""

    cpc = "cpc"
    cpc_probation = "cpc_probation"
    democratic = "democratic"
    masses = "masses"


POLITICAL_LABELS = {Political.cpc: "中共党员", Political.cpc_probation: "中共预备党员",
                    Political.democratic: "民主党派", Political.masses: "群众"}


class HistoryKind(StrEnum):
    """A line of a person's résumé."""

    work = "work"
    study = "study"


HISTORY_LABELS = {HistoryKind.work: "工作经历", HistoryKind.study: "学习经历"}


class RelationKind(StrEnum):
    """A relation that may call for recusal: close relatives and former superiors or
    subordinates."""

    spouse = "spouse"
    parent = "parent"
    child = "child"
    sibling = "sibling"
    other_close = "other_close"
    superior = "superior"
    subordinate = "subordinate"


RELATION_LABELS = {
    RelationKind.spouse: "配偶", RelationKind.parent: "父母", RelationKind.child: "子女",
    RelationKind.sibling: "兄弟姐妹", RelationKind.other_close: "其他近亲属",
    RelationKind.superior: "曾为其上级", RelationKind.subordinate: "曾为其下级",
}
CLOSE_RELATIVES = frozenset({RelationKind.spouse, RelationKind.parent, RelationKind.child,
                             RelationKind.sibling, RelationKind.other_close})
SUPERVISION = frozenset({RelationKind.superior, RelationKind.subordinate})

SPECIALTY_LABELS = {
    "discipline": "纪检监察", "organisation": "组织人事", "finance": "财务会计",
    "audit": "审计", "law": "法律", "petitions": "信访", "construction": "工程建设",
    "agriculture": "农业农村",
}
"""The base specialties (an office adds its own as a tenant setting)."""


def extra_specialties(settings: Any) -> list[str]:
    """The office's own specialties, by name, from its tenant setting."""
    raw = str(settings.get(EXTRA_SPECIALTIES_SETTING, "") or "")
    names = [n.strip() for n in re.split(r"[、,，;；\s]+", raw) if n.strip()]
    base = set(SPECIALTY_LABELS.values())
    return [n[:32] for n in dict.fromkeys(names) if n not in base]


def specialty_options(settings: Any) -> list[tuple[str, str]]:
    """(code, label) of every specialty the tenant uses: the base ones, then its own."""
    return [*SPECIALTY_LABELS.items(), *((n, n) for n in extra_specialties(settings))]


def specialty_label(code: str) -> str:
    """The Chinese label of a specialty code (an office's own one is its name)."""
    return SPECIALTY_LABELS.get(code, code)


class Grade(StrEnum):
    """The grade of a cadre's appraisal after a round (巡察干部考核)."""

    excellent = "excellent"
    competent = "competent"
    basic = "basic"
    incompetent = "incompetent"


GRADE_LABELS = {Grade.excellent: "优秀", Grade.competent: "称职", Grade.basic: "基本称职",
                Grade.incompetent: "不称职"}
EXCELLENT_PERCENT = 20
"""At most this share (in %) of a round's team members is graded outstanding (优秀)."""


class SecondmentStatus(StrEnum):
    """Where a nominee for a secondment (上挂下派) stands."""

    nominated = "nominated"
    accepted = "accepted"
    declined = "declined"


SECONDMENT_LABELS = {SecondmentStatus.nominated: "已推荐，待上级确定",
                     SecondmentStatus.accepted: "上级已接收",
                     SecondmentStatus.declined: "上级未接收"}
