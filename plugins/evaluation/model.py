"""Codes, labels and setting keys of the evaluation plugin (巡察整改评估).

Two grade schemes, chosen per tenant (``evaluation_grade_scheme``):

- ``four``: ``good`` / ``fair`` / ``average`` / ``poor`` (好 / 较好 / 一般 / 差),
  cut-offs default 90 / 80 / 60;
- ``three``: ``qualified`` / ``basic`` / ``unqualified`` (合格 / 基本合格 /
  不合格), cut-offs default 80 / 60.

Cut-offs are tenant settings. Units graded ``average``/``poor`` (or
``basic``/``unqualified``) are interviewed (约谈) and are candidates for a
lookback (回头看). A grade is stored by its code, so a result keeps its label
after the tenant changes scheme, and a city shows each county's own labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "EARLIEST_DAYS_SETTING",
    "GRADE_DEFAULTS",
    "GRADE_LABELS",
    "GRADE_SETTINGS",
    "INTERVIEW_DAYS_SETTING",
    "LATEST_DAYS_SETTING",
    "LOOKBACK_GRADES",
    "PLUGIN_NAME",
    "SCHEMES",
    "SCHEME_SETTING",
    "STATUS_LABELS",
    "WEIGHT_PREFIX",
    "Grade",
    "Scheme",
    "Status",
    "grade_of",
]

PLUGIN_NAME = "evaluation"

WEIGHT_PREFIX = "evaluation_weight_"
"""Tenant setting ``evaluation_weight_<indicator code>`` re-weights an indicator."""

EARLIEST_DAYS_SETTING = "evaluation_earliest_days"
"""Days after the rectification report before an evaluation may start."""

LATEST_DAYS_SETTING = "evaluation_latest_days"
"""Days after the rectification report by which it should be signed (0: no limit)."""

INTERVIEW_DAYS_SETTING = "evaluation_interview_days"
"""Days after a 一般/差 evaluation is signed by which its unit should be interviewed (约谈)."""

SCHEME_SETTING = "evaluation_grade_scheme"
"""``four`` (好/较好/一般/差) or ``three`` (合格/基本合格/不合格)."""


class Grade(StrEnum):
    """The grade of a unit's rectification."""

    good = "good"
    fair = "fair"
    average = "average"
    poor = "poor"
    qualified = "qualified"
    basic = "basic"
    unqualified = "unqualified"


GRADE_LABELS = {Grade.good: "好", Grade.fair: "较好", Grade.average: "一般", Grade.poor: "差",
                Grade.qualified: "合格", Grade.basic: "基本合格", Grade.unqualified: "不合格"}

GRADE_SETTINGS = {Grade.good: "evaluation_grade_good", Grade.fair: "evaluation_grade_fair",
                  Grade.average: "evaluation_grade_average",
                  Grade.qualified: "evaluation_grade_qualified",
                  Grade.basic: "evaluation_grade_basic"}
"""The lowest total of each grade above a scheme's lowest (tenant settings)."""

GRADE_DEFAULTS = {Grade.good: 90, Grade.fair: 80, Grade.average: 60, Grade.qualified: 80,
                  Grade.basic: 60}

LOOKBACK_GRADES = frozenset({Grade.average, Grade.poor, Grade.basic, Grade.unqualified})


@dataclass(frozen=True)
class Scheme:
    """A grade scheme: its grades from the best down, and its cut-offs (all but the lowest)."""

    code: str
    label: str
    grades: tuple[Grade, ...]

    @property
    def graded(self) -> tuple[Grade, ...]:
        """The grades with a cut-off (every grade but the lowest)."""
        return self.grades[:-1]

    @property
    def labels(self) -> list[str]:
        """The Chinese labels, best first."""
        return [GRADE_LABELS[g] for g in self.grades]

    @property
    def weak(self) -> str:
        """The grades that call for an interview and a lookback, quoted: “一般”“差”."""
        return "".join(f"“{GRADE_LABELS[g]}”" for g in self.grades if g in LOOKBACK_GRADES)


SCHEMES = {
    "four": Scheme(code="four", label="好、较好、一般、差",
                   grades=(Grade.good, Grade.fair, Grade.average, Grade.poor)),
    "three": Scheme(code="three", label="合格、基本合格、不合格",
                    grades=(Grade.qualified, Grade.basic, Grade.unqualified)),
}


class Status(StrEnum):
    """Where an evaluation stands."""

    draft = "draft"
    scored = "scored"
    signed = "signed"


STATUS_LABELS = {Status.draft: "评分中", Status.scored: "待审核签发", Status.signed: "已签发"}


def grade_of(total: float, cutoffs: dict[Grade, float]) -> Grade:
    """The grade of ``total`` under cut-offs of one scheme's graded grades, best first
    (the scheme's lowest grade below them all)."""
    for grade, lowest in cutoffs.items():
        if total >= lowest:
            return grade
    first = next(iter(cutoffs), Grade.good)
    scheme = next(s for s in SCHEMES.values() if first in s.grades)
    return scheme.grades[-1]
