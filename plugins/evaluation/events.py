"""Event types of the evaluation plugin and which of them travel (上下联动).

- ``evaluation.signed`` goes **up**: a county's signed-off evaluation of one
  unit (scores by indicator, total, grade), subject
  ``up.<county>.evaluation.evaluation.signed``. The city keeps the newest
  version per county and evaluation (``evaluation_county_result``), so it is
  not kept as a core replica too.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from core.api import Event, SyncSubject

__all__ = ["EVALUATION_EVENTS", "EVALUATION_SUBJECTS", "EvaluationSigned"]


class EvaluationSigned(Event, frozen=True, kw_only=True, tag="evaluation.signed"):
    """A unit's rectification evaluation, signed off (the grade is final)."""

    evaluation_id: int
    inspection_id: int
    inspection_title: str
    org_name: str
    year: int | None
    total: float
    grade: str
    parts: dict[str, float]
    signed_on: date
    county_name: str = ""
    replicated: ClassVar[bool] = False

    def entity(self) -> str:
        return f"evaluation:{self.evaluation_id}"


EVALUATION_EVENTS: list[type[Event]] = [EvaluationSigned]
"""Registered through ``xuncha_event_types``."""

EVALUATION_SUBJECTS: list[SyncSubject] = [
    SyncSubject(direction="up", entity="evaluation", verbs=("signed",)),
]
"""Which of them travel, and which way (``xuncha_sync_subjects``)."""
