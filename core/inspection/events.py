"""Events of the inspection workflow, emitted on every state change.

Payloads carry ids, codes and counts, never a clue's persons: what leaves
the tenant through sync is decided from these, so confidential fields are
not put here at all.
"""

from __future__ import annotations

from datetime import date

from core.events import Event

__all__ = [
    "WORKFLOW_EVENTS",
    "ChecklistMarked",
    "ClueChanged",
    "ClueClosed",
    "ClueRecorded",
    "ClueReferred",
    "DisclosureRecorded",
    "FindingChanged",
    "FindingRecorded",
    "InspectionPlanned",
    "InspectionStageChanged",
    "RectificationItemChanged",
    "RectificationReportSubmitted",
    "WorkingPaperSigned",
]


class InspectionPlanned(Event, frozen=True, kw_only=True, tag="inspection.planned"):
    """An inspection was created, or its plan (title, targets, dates) changed."""

    inspection_id: int
    round_id: int
    kind: str
    title: str
    created: bool = False

    def entity(self) -> str:
        return f"inspection:{self.inspection_id}"


class InspectionStageChanged(Event, frozen=True, kw_only=True, tag="inspection.stage_changed"):
    """An inspection moved to another stage."""

    inspection_id: int
    round_id: int
    kind: str
    title: str
    from_stage: str
    to_stage: str
    remark: str = ""

    def entity(self) -> str:
        return f"inspection:{self.inspection_id}"


class ChecklistMarked(Event, frozen=True, kw_only=True, tag="checklist.marked"):
    """An item of an inspection's checklist (检查清单) was marked (``pending``: unmarked)."""

    inspection_id: int
    kind: str
    item_code: str
    status: str

    def entity(self) -> str:
        return f"inspection:{self.inspection_id}"


class WorkingPaperSigned(Event, frozen=True, kw_only=True, tag="working_paper.signed"):
    """A working paper advanced in its sign-off chain (reviewed or signed)."""

    paper_id: int
    inspection_id: int
    status: str

    def entity(self) -> str:
        return f"working_paper:{self.paper_id}"


class FindingRecorded(Event, frozen=True, kw_only=True, tag="finding.recorded"):
    """A problem was recorded."""

    finding_id: int
    inspection_id: int
    org_id: int
    category: str
    severity: str
    title: str
    fix_now: bool
    shared: bool

    def entity(self) -> str:
        return f"finding:{self.finding_id}"


class FindingChanged(FindingRecorded, frozen=True, kw_only=True, tag="finding.changed"):
    """A recorded problem was changed (e.g. marked shared); it carries the new values
    and whether it was shared before (so an un-share can be told apart)."""

    was_shared: bool = False


class ClueRecorded(Event, frozen=True, kw_only=True, tag="clue.recorded"):
    """A clue was recorded (persons stay out of the event)."""

    clue_id: int
    inspection_id: int
    grade: str
    city_managed: bool

    def entity(self) -> str:
        return f"clue:{self.clue_id}"


class ClueChanged(Event, frozen=True, kw_only=True, tag="clue.changed"):
    """A clue was edited or signed for; ``was_city_managed`` is the flag before."""

    clue_id: int
    inspection_id: int
    grade: str
    status: str
    city_managed: bool
    was_city_managed: bool

    def entity(self) -> str:
        return f"clue:{self.clue_id}"


class ClueReferred(Event, frozen=True, kw_only=True, tag="clue.referred"):
    """A clue was referred to a receiving body."""

    clue_id: int
    inspection_id: int
    grade: str
    receiving_body: str
    city_managed: bool
    reply_due: date

    def entity(self) -> str:
        return f"clue:{self.clue_id}"


class ClueClosed(Event, frozen=True, kw_only=True, tag="clue.closed"):
    """A clue reached its outcome (件件有着落)."""

    clue_id: int
    inspection_id: int
    grade: str
    receiving_body: str
    city_managed: bool
    concluded_on: date

    def entity(self) -> str:
        return f"clue:{self.clue_id}"


class RectificationItemChanged(Event, frozen=True, kw_only=True,
                               tag="rectification.item_changed"):
    """A ledger item was created, changed status or was escalated."""

    item_id: int
    inspection_id: int
    org_id: int
    finding_id: int | None
    status: str
    escalation: str
    deadline: date
    overdue: bool

    def entity(self) -> str:
        return f"rectification_item:{self.item_id}"


class RectificationReportSubmitted(Event, frozen=True, kw_only=True,
                                   tag="rectification.report_submitted"):
    """An inspected org submitted its rectification report."""

    report_id: int
    inspection_id: int
    org_id: int
    due_date: date
    submitted_on: date

    def entity(self) -> str:
        return f"rectification_report:{self.report_id}"


class DisclosureRecorded(Event, frozen=True, kw_only=True, tag="disclosure.recorded"):
    """Rectification was disclosed (or withheld, with the reason)."""

    disclosure_id: int
    inspection_id: int
    scope: str
    withheld: bool

    def entity(self) -> str:
        return f"disclosure:{self.disclosure_id}"


WORKFLOW_EVENTS: list[type[Event]] = [
    InspectionPlanned, InspectionStageChanged, WorkingPaperSigned, FindingRecorded,
    FindingChanged, ClueRecorded, ClueChanged, ClueReferred, ClueClosed,
    RectificationItemChanged,
    RectificationReportSubmitted, DisclosureRecorded, ChecklistMarked,
]
"""The workflow's event types, registered through ``xuncha_event_types``."""
