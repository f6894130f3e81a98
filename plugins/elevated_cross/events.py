"""The events of elevated and cross inspections (提级巡察、交叉巡察) between a city and its
counties.

Up (county → city): the county's org directory (``org_directory.published``), its
receipt of an elevated inspection's handover (``elevated.received``), its
rectification progress on it (``elevated.progress``) and a host county's decision
on a cross assignment (``cross.decided``).

Down (city → one county): an elevated inspection of the county's orgs
(``elevated.assigned``, again on every change: the city's allowance of the
county's own inspection of those orgs and its verification of the
rectification travel in it), its findings handed over for
rectification (``elevated.handed_over``, applied once) and a cross assignment
(``cross.assigned``, to the host and to the sending county).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import msgspec

from core.api import Event, SyncSubject

__all__ = [
    "ELEVATED_CROSS_EVENTS",
    "ELEVATED_CROSS_SUBJECTS",
    "CrossAssigned",
    "CrossDecided",
    "CrossMember",
    "DirectoryOrg",
    "ElevatedAssigned",
    "ElevatedHandedOver",
    "ElevatedProgress",
    "ElevatedReceived",
    "HandedFinding",
    "OrgDirectoryPublished",
    "ReportedRectification",
    "TargetOrg",
]


class DirectoryOrg(msgspec.Struct, frozen=True, kw_only=True, array_like=True):
    """One org of a county's directory (names and codes are not confidential)."""

    org_id: int
    code: str
    name: str
    kind: str
    parent_code: str = ""


class OrgDirectoryPublished(Event, frozen=True, kw_only=True,
                            tag="org_directory.published"):
    """A county's active orgs (departments, townships, villages...), whole."""

    county: str
    county_name: str
    orgs: list[DirectoryOrg]

    def entity(self) -> str:
        return f"org_directory:{self.county}"


class TargetOrg(msgspec.Struct, frozen=True, kw_only=True):
    """A county org an elevated or cross inspection inspects (its id in the county)."""

    org_id: int
    code: str
    name: str
    kind: str


class ElevatedAssigned(Event, frozen=True, kw_only=True, tag="elevated.assigned"):
    """The city's elevated inspection of the county's orgs, as it stands."""

    elevated_id: int
    title: str
    round_label: str
    targets: list[TargetOrg]
    status: str
    planned_on: date
    handed_over_on: date | None = None
    allow_county: bool = False
    verification: str = ""
    verification_reason: str = ""
    verified_on: date | None = None
    cancel_reason: str = ""

    def entity(self) -> str:
        return f"elevated:{self.elevated_id}"


class HandedFinding(msgspec.Struct, frozen=True, kw_only=True):
    """A problem the city found, for the county's ledger."""

    finding_id: int
    org_id: int
    problem: str
    deadline: date


class ElevatedHandedOver(Event, frozen=True, kw_only=True, tag="elevated.handed_over"):
    """The city's feedback of an elevated inspection: the county rectifies these problems."""

    elevated_id: int
    title: str
    feedback_on: date
    targets: list[TargetOrg]
    findings: list[HandedFinding]
    replicated: ClassVar[bool] = False

    def entity(self) -> str:
        return f"elevated_handover:{self.elevated_id}"


class ElevatedReceived(Event, frozen=True, kw_only=True, tag="elevated.received"):
    """The county took the handover: its inspection record and ledger items, or why not yet."""

    elevated_id: int
    inspection_id: int | None
    items: int
    note: str = ""

    def entity(self) -> str:
        return f"elevated_received:{self.elevated_id}"


class ReportedRectification(msgspec.Struct, frozen=True, kw_only=True):
    """A target org's rectification report (整改报告) as the county holds it."""

    org_id: int
    due_date: date
    submitted_on: date | None
    summary: str = ""


class ElevatedProgress(Event, frozen=True, kw_only=True, tag="elevated.progress"):
    """How the county's rectification of an elevated inspection stands (its ledger, its
    record's stage: ``rectification_reported`` once its rectification report is in, and
    the reports of the target orgs)."""

    elevated_id: int
    inspection_id: int
    stage: str
    items: int
    closed: int
    overdue: int
    by_status: dict[str, int]
    reports: list[ReportedRectification] = []

    def entity(self) -> str:
        return f"elevated_progress:{self.elevated_id}"


class CrossMember(msgspec.Struct, frozen=True, kw_only=True):
    """A person of the sending county's team: key (in that county), name, team place."""

    person: str
    name: str
    role: str


class CrossAssigned(Event, frozen=True, kw_only=True, tag="cross.assigned"):
    """A cross assignment: county ``team_county``'s team inspects ``host_county``'s orgs.

    ``attempt`` counts its submissions (a declined one submitted again); status
    ``cancelled`` when the city cancelled it (``reason``): the host ends the team's
    access, guest accounts included.
    """

    cross_id: int
    title: str
    round_label: str
    team_county: str
    team_county_name: str
    host_county: str
    host_county_name: str
    targets: list[TargetOrg]
    status: str
    reason: str = ""
    assigned_on: date
    members: list[CrossMember] = []
    posts: dict[str, str] = {}
    attempt: int = 1
    cancelled_on: date | None = None

    def entity(self) -> str:
        return f"cross:{self.cross_id}"


class CrossDecided(Event, frozen=True, kw_only=True, tag="cross.decided"):
    """The host county accepts (and authorises the team) or declines, with a reason; it
    answers submission ``attempt``."""

    cross_id: int
    accepted: bool
    reason: str = ""
    decided_on: date
    attempt: int = 1

    def entity(self) -> str:
        return f"cross_decision:{self.cross_id}"


ELEVATED_CROSS_EVENTS: list[type[Event]] = [
    OrgDirectoryPublished, ElevatedAssigned, ElevatedHandedOver, ElevatedReceived,
    ElevatedProgress, CrossAssigned, CrossDecided,
]
"""Registered through ``xuncha_event_types``."""

ELEVATED_CROSS_SUBJECTS: list[SyncSubject] = [
    SyncSubject(direction="up", entity="org_directory", verbs=("published",)),
    SyncSubject(direction="up", entity="elevated", verbs=("received", "progress")),
    SyncSubject(direction="up", entity="cross", verbs=("decided",)),
    SyncSubject(direction="down", entity="elevated", verbs=("assigned", "handed_over")),
    SyncSubject(direction="down", entity="cross", verbs=("assigned",)),
]
"""Which of them travel, and which way (``xuncha_sync_subjects``)."""
