"""The words of village coverage (村(居)巡察全覆盖), DOMAIN.md "Village coverage".

Two populations are counted separately, as offices report them ("51/62 and
80/95"):

- ``departments`` (县直部门和乡镇（街道）): every org of the kinds
  department, people_org, soe, institution, agency and township. Townships
  are counted here because an office reports "县直部门和乡镇（街道）党组织"
  together; in a township-with-villages inspection (巡镇带村) the township
  is inspected along with its villages.
- ``villages`` (村（社区）): every village and community org; counted for
  county-level tenants only.

A village is classed key / watch / general; its mode says how it is
inspected: elevated by the city (提级巡察, the default for key villages),
township with its villages plus discipline linkage (巡镇带村+纪巡联动, the
default for watch villages), township with its villages (巡镇带村, the
default for general villages), or a direct village inspection (直接巡村).
"""

from __future__ import annotations

from enum import StrEnum

from core.api import OrgKind, Stage

__all__ = [
    "CLASSIFICATION_LABELS",
    "CLASS_RANK",
    "COVERED_FROM",
    "DEFAULT_MODE",
    "DEPARTMENT_KINDS",
    "MAX_DEPARTMENTS_SETTING",
    "MAX_VILLAGES_SETTING",
    "MIN_VILLAGES_SETTING",
    "MODE_LABELS",
    "PLUGIN_NAME",
    "POPULATION_LABELS",
    "STATE_LABELS",
    "VILLAGE_KINDS",
    "Classification",
    "Mode",
    "Population",
    "State",
    "rate_text",
]

PLUGIN_NAME = "village_coverage"

MIN_VILLAGES_SETTING = "coverage_round_min_villages"
"""Tenant setting: fewest villages a round should take (default 12)."""
MAX_VILLAGES_SETTING = "coverage_round_max_villages"
"""Tenant setting: most villages a round can take (default 25)."""
MAX_DEPARTMENTS_SETTING = "coverage_round_max_departments"
"""Tenant setting: most other departments a round can take (default 8)."""

COVERED_FROM = Stage.feedback
"""An org is covered once an inspection including it reaches this stage (or a later one)."""


class Population(StrEnum):
    """The populations whose coverage is counted separately."""

    departments = "departments"
    villages = "villages"


POPULATION_LABELS = {
    Population.departments: "县直部门和乡镇（街道）",
    Population.villages: "村（社区）",
}

DEPARTMENT_KINDS: tuple[str, ...] = (
    OrgKind.department.value, OrgKind.people_org.value, OrgKind.soe.value,
    OrgKind.institution.value, OrgKind.agency.value, OrgKind.township.value,
)
VILLAGE_KINDS: tuple[str, ...] = (OrgKind.village.value, OrgKind.community.value)


class Classification(StrEnum):
    """How closely a village is watched."""

    key = "key"
    watch = "watch"
    general = "general"


CLASSIFICATION_LABELS = {
    Classification.key: "重点村",
    Classification.watch: "关注村",
    Classification.general: "一般村",
}
CLASS_RANK: dict[str, int] = {
    Classification.key: 0, Classification.watch: 1, Classification.general: 2,
}
"""Key villages are scheduled first."""


class Mode(StrEnum):
    """How a village is inspected."""

    elevated = "elevated"
    township_discipline = "township_discipline"
    township = "township"
    direct = "direct"


MODE_LABELS = {
    Mode.elevated: "市委提级巡察",
    Mode.township_discipline: "巡镇带村+纪巡联动",
    Mode.township: "巡镇带村",
    Mode.direct: "直接巡村",
}
DEFAULT_MODE = {
    Classification.key: Mode.elevated,
    Classification.watch: Mode.township_discipline,
    Classification.general: Mode.township,
}


class State(StrEnum):
    """Where an org stands in the term."""

    covered = "covered"
    in_progress = "in_progress"
    planned = "planned"
    pending = "pending"


STATE_LABELS = {
    State.covered: "已覆盖",
    State.in_progress: "巡察中",
    State.planned: "已列入计划",
    State.pending: "未安排",
}


def rate_text(covered: int, total: int) -> str:
    """A rate as offices write it: ``51/62 = 82.3%`` (``0/0``: nothing to cover)."""
    if total <= 0:
        return "0/0"
    return f"{covered}/{total} = {covered * 100 / total:.1f}%"
