"""Event types of village coverage and which of them travel (上下联动).

- ``coverage.changed`` stays in the tenant: the plugin emits it when the
  office changes targets or the plan, so ``xuncha_sync_outgoing`` republishes
  the county's report in the same transaction.
- ``coverage.reported`` goes **up**: a county's coverage of one term, totals
  per population, per year and by class, and one line per village (so the
  city can name villages in a directive). Subject
  ``up.<county>.village_coverage.coverage.reported``.
- ``coverage_directive.issued`` goes **down** to one county: e.g. key
  villages the city will inspect itself (提级巡察), by village code. Subject
  ``down.<county>.village_coverage.coverage_directive.issued``.

The receiving side keeps these in the plugin's own tables (newest version
wins), so they are not kept as core replicas too (``replicated = False``).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import msgspec

from core.api import Event, SyncSubject

__all__ = [
    "COVERAGE_EVENTS",
    "COVERAGE_SUBJECTS",
    "ClassTotals",
    "CoverageChanged",
    "CoverageDirectiveIssued",
    "CoverageReported",
    "PopulationTotals",
    "VillageLine",
]


class CoverageChanged(Event, frozen=True, kw_only=True, tag="coverage.changed"):
    """The office changed targets or the plan of a term (local, does not travel)."""

    term_id: int
    what: str
    replicated: ClassVar[bool] = False

    def entity(self) -> str:
        return f"coverage:{self.term_id}"


class ClassTotals(msgspec.Struct, frozen=True, kw_only=True):
    """Targets and covered ones of one class (key / watch / general)."""

    total: int
    covered: int


class PopulationTotals(msgspec.Struct, frozen=True, kw_only=True):
    """One population's coverage: ``covered / total``, and what is under way.

    ``by_year`` counts the orgs covered in each year (keys are years as text).
    """

    code: str
    label: str
    total: int
    covered: int
    in_progress: int
    planned: int
    at_risk: int
    by_year: dict[str, int] = {}
    by_class: dict[str, ClassTotals] = {}


class VillageLine(msgspec.Struct, frozen=True, kw_only=True, array_like=True):
    """One village as the city sees it (names and codes are not confidential)."""

    code: str
    name: str
    township: str
    classification: str
    mode: str
    state: str
    year: int | None = None
    at_risk: bool = False


class CoverageReported(Event, frozen=True, kw_only=True, tag="coverage.reported"):
    """A county's coverage of one term, as of a day."""

    term_id: int
    term_name: str
    term_start: date
    term_end: date
    as_of: date
    populations: list[PopulationTotals]
    rounds_left: int
    capacity_left: int
    warnings: list[str] = []
    villages: list[VillageLine] = []
    county_name: str = ""
    replicated: ClassVar[bool] = False

    def entity(self) -> str:
        return f"coverage:{self.term_id}"


class CoverageDirectiveIssued(Event, frozen=True, kw_only=True,
                              tag="coverage_directive.issued"):
    """A city's coverage directive to one county.

    ``kind`` is ``elevated`` (the city will inspect these key villages
    itself: 提级巡察) or ``priority`` (schedule these villages first);
    ``village_codes`` are the county's org codes.
    """

    directive_id: int
    kind: str
    title: str
    body: str
    village_codes: list[str]
    issued_on: date
    replicated: ClassVar[bool] = False

    def entity(self) -> str:
        return f"coverage_directive:{self.directive_id}"


COVERAGE_EVENTS: list[type[Event]] = [CoverageChanged, CoverageReported, CoverageDirectiveIssued]
"""Registered through ``xuncha_event_types``."""

COVERAGE_SUBJECTS: list[SyncSubject] = [
    SyncSubject(direction="up", entity="coverage", verbs=("reported",)),
    SyncSubject(direction="down", entity="coverage_directive", verbs=("issued",)),
]
"""Which of them travel, and which way (``xuncha_sync_subjects``)."""
