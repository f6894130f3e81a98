"""The events that travel between a city and its counties.

Up (county → city): the county's profile, inspection progress, findings
statistics by focus area, findings marked shared, rectification progress
and overdue counts, clue outcomes as counts (persons never leave the
county, except in clues about city-managed cadres), audit chain heads and
the results of chain checks, and answers to directives.

Down (city → county, one county or all): directives (special-inspection
deployments, directives, common problems for joint rectification, knowledge
updates, elevated and cross assignments), shared findings forwarded from
sibling counties, and requests to check the audit chain.

Every tag is ``<entity>.<verb>``; the receiver keeps the latest event per
``entity()`` as a replica (kind = the part before the colon).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

import msgspec

from core.api import Event, SyncSubject

__all__ = [
    "LINKAGE_EVENTS",
    "LINKAGE_SUBJECTS",
    "AuditCheckRequested",
    "AuditChecked",
    "AuditHeadReported",
    "CityClueReported",
    "ClueStats",
    "CountyProfile",
    "DirectiveAnswered",
    "DirectiveIssued",
    "FindingStats",
    "InspectionProgress",
    "RectificationStats",
    "SharedFinding",
    "SharedFindingForwarded",
    "SpecialStats",
    "StatisticSummary",
    "TargetSummary",
]


class CountyProfile(Event, frozen=True, kw_only=True, tag="county.profile"):
    """Who the county is and how many orgs of each kind it inspects."""

    code: str
    name: str
    region: str
    orgs_by_kind: dict[str, int]

    def entity(self) -> str:
        return f"county:{self.code}"


class TargetSummary(msgspec.Struct, frozen=True, kw_only=True):
    """An inspected org as the city sees it (names are not confidential)."""

    org_id: int
    code: str
    name: str
    kind: str


class InspectionProgress(Event, frozen=True, kw_only=True, tag="inspection.progress"):
    """Where one inspection of the county stands."""

    inspection_id: int
    round_id: int
    round_year: int
    round_number: int
    kind: str
    title: str
    stage: str
    targets: list[TargetSummary]
    arrival_date: date | None = None
    withdrawal_date: date | None = None

    def entity(self) -> str:
        return f"inspection:{self.inspection_id}"


class StatisticSummary(msgspec.Struct, frozen=True, kw_only=True):
    """One figure a special inspection's plugin counts (``InspectionStatistic``)."""

    code: str
    label: str
    value: int | float
    unit: str = ""


class SpecialStats(Event, frozen=True, kw_only=True, tag="special_stats.updated"):
    """The figures of one special inspection (hook ``xuncha_inspection_statistics``)."""

    inspection_id: int
    kind: str
    statistics: list[StatisticSummary]

    def entity(self) -> str:
        return f"special_stats:{self.inspection_id}"


class FindingStats(Event, frozen=True, kw_only=True, tag="finding_stats.updated"):
    """Findings of one inspection counted by focus area (category code)."""

    inspection_id: int
    total: int
    by_category: dict[str, int]
    fix_now: int
    shared: int

    def entity(self) -> str:
        return f"finding_stats:{self.inspection_id}"


class SharedFinding(Event, frozen=True, kw_only=True, tag="shared_finding.reported"):
    """A finding the county marked shared (or un-shared: ``withdrawn``)."""

    finding_id: int
    inspection_id: int
    org_name: str
    org_kind: str
    category: str
    severity: str
    title: str
    description: str
    withdrawn: bool = False

    def entity(self) -> str:
        return f"shared_finding:{self.finding_id}"


class RectificationStats(Event, frozen=True, kw_only=True, tag="rectification_stats.updated"):
    """The ledger of one inspection: items by status, closed, overdue, escalated."""

    inspection_id: int
    total: int
    closed: int
    overdue: int
    by_status: dict[str, int]
    by_escalation: dict[str, int]

    def entity(self) -> str:
        return f"rectification_stats:{self.inspection_id}"


class ClueStats(Event, frozen=True, kw_only=True, tag="clue_stats.updated"):
    """Clue outcomes of one inspection as counts only (件件有着落)."""

    inspection_id: int
    recorded: int
    referred: int
    concluded: int
    overdue_replies: int
    by_body: dict[str, int]
    by_grade: dict[str, int]

    def entity(self) -> str:
        return f"clue_stats:{self.inspection_id}"


class CityClueReported(Event, frozen=True, kw_only=True, tag="city_clue.reported"):
    """A clue about a city-managed cadre, which goes to the city with its persons.

    ``withdrawn`` (with persons and texts emptied) when the county found the
    cadre is not city-managed after all: the city's copy is overwritten.
    """

    clue_id: int
    inspection_id: int
    grade: str
    summary: str
    persons: list[dict[str, str]]
    receiving_body: str
    status: str
    reply_due: date | None = None
    concluded_on: date | None = None
    title: str = ""
    org_name: str = ""
    withdrawn: bool = False

    def entity(self) -> str:
        return f"city_clue:{self.clue_id}"


class AuditHeadReported(Event, frozen=True, kw_only=True, tag="audit_head.reported"):
    """The head of the county's audit chain (its last entry's number and hash)."""

    seq: int
    hash: str
    at: datetime

    def entity(self) -> str:
        return "audit_head:chain"


class AuditCheckRequested(Event, frozen=True, kw_only=True, tag="audit_check.requested"):
    """The city asks a county to verify its chain against a head the city holds."""

    check_id: str
    seq: int
    hash: str
    replicated: ClassVar[bool] = False

    def entity(self) -> str:
        return f"audit_check:{self.check_id}"


class AuditChecked(Event, frozen=True, kw_only=True, tag="audit_check.answered"):
    """The county's answer: does its chain still verify and hold the city's head?"""

    check_id: str
    seq: int
    hash: str
    ok: bool
    entries: int
    problems: list[str]
    checked_at: datetime

    def entity(self) -> str:
        return "audit_check:latest"


class DirectiveIssued(Event, frozen=True, kw_only=True, tag="directive.issued"):
    """A directive of the city (部署、通知、共性问题、知识更新、提级/交叉安排).

    ``kind`` is one of ``deployment``, ``directive``, ``common_problem``,
    ``knowledge``, ``elevated_assignment``, ``cross_assignment``;
    ``targets`` lists the counties addressed (empty: every county).
    ``withdrawn`` marks a directive the city took back. A deployment may name
    the ``inspection_kind`` its counties run (its checklist comes with the kind's
    plugin); they answer with the progress of their inspections of that kind.
    """

    directive_id: int
    kind: str
    title: str
    body: str
    due_date: date | None
    targets: list[str]
    issued_on: date
    withdrawn: bool = False
    inspection_kind: str = ""

    def entity(self) -> str:
        return f"directive:{self.directive_id}"


class DirectiveAnswered(Event, frozen=True, kw_only=True, tag="directive.answered"):
    """A county's progress on a directive (e.g. its ledger items for a common problem)."""

    directive_id: int
    items: int
    closed: int
    overdue: int
    note: str = ""
    statistics: list[StatisticSummary] = msgspec.field(default_factory=list)
    """For a deployment of a kind: its figures summed over the county's inspections."""

    def entity(self) -> str:
        return f"directive_answer:{self.directive_id}"


class SharedFindingForwarded(Event, frozen=True, kw_only=True,
                             tag="shared_finding.forwarded"):
    """A sibling county's shared finding, forwarded by the city to every county."""

    source: str
    source_name: str
    finding: SharedFinding

    def entity(self) -> str:
        return f"shared_finding:{self.source}:{self.finding.finding_id}"


LINKAGE_EVENTS: list[type[Event]] = [
    CountyProfile, InspectionProgress, FindingStats, SharedFinding, RectificationStats,
    ClueStats, CityClueReported, AuditHeadReported, AuditCheckRequested, AuditChecked,
    DirectiveIssued, DirectiveAnswered, SharedFindingForwarded, SpecialStats,
]
"""Registered by core through ``xuncha_event_types``."""

LINKAGE_SUBJECTS: list[SyncSubject] = [
    SyncSubject(direction="up", entity="county", verbs=("profile",)),
    SyncSubject(direction="up", entity="inspection", verbs=("progress",)),
    SyncSubject(direction="up", entity="finding_stats", verbs=("updated",)),
    SyncSubject(direction="up", entity="special_stats", verbs=("updated",)),
    SyncSubject(direction="up", entity="shared_finding", verbs=("reported",)),
    SyncSubject(direction="up", entity="rectification_stats", verbs=("updated",)),
    SyncSubject(direction="up", entity="clue_stats", verbs=("updated",)),
    SyncSubject(direction="up", entity="city_clue", verbs=("reported",)),
    SyncSubject(direction="up", entity="audit_head", verbs=("reported",)),
    SyncSubject(direction="up", entity="audit_check", verbs=("answered",)),
    SyncSubject(direction="up", entity="directive", verbs=("answered",)),
    SyncSubject(direction="down", entity="audit_check", verbs=("requested",)),
    SyncSubject(direction="down", entity="directive", verbs=("issued",)),
    SyncSubject(direction="down", entity="shared_finding", verbs=("forwarded",)),
]
"""Which of them travel, and which way (``xuncha_sync_subjects``)."""
