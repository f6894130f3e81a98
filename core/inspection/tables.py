"""Tables of the inspection workflow; every one is owned by a tenant.

Names follow DOMAIN.md's glossary. Choices are stored as the code names of
:mod:`core.inspection.model`; people are stored by their person key (the
account name once accounts exist) with a display name and home tenant, so a
team can hold people from another tenant.
"""

from __future__ import annotations

from typing import Any

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.inspection.model import (
    ClueGrade,
    ClueStatus,
    DisclosureScope,
    Escalation,
    ItemStatus,
    PaperStatus,
    PlanKind,
    ReceivingBody,
    ReportStep,
    Retention,
    Severity,
    Source,
    Stage,
    TeamRole,
    WithholdReason,
)
from core.tenancy.tables import Org, Tenant

__all__ = [
    "Attachment",
    "ChecklistMark",
    "Clue",
    "Disclosure",
    "Finding",
    "Inspection",
    "InspectionLog",
    "InspectionTarget",
    "Plan",
    "RectificationAction",
    "RectificationItem",
    "RectificationReport",
    "Round",
    "TeamMember",
    "Term",
    "WorkingPaper",
    "WorkingPaperRevision",
]

PERSON = 64
"""Length of a person key (account name) column."""


def _when() -> Timestamptz:
    return Timestamptz(default=TimestamptzNow())


def _date() -> Date:
    return Date(null=True, default=None)


def _moment() -> Timestamptz:
    return Timestamptz(null=True, default=None)


class Term(Table, tablename="term"):
    """A committee term (届): coverage is due within it (five years by default)."""

    tenant_id = ForeignKey(Tenant, index=True)
    name = Varchar(length=100)
    start_date = Date()
    end_date = Date()
    created_at = _when()


class Plan(Table, tablename="plan"):
    """A term plan (巡察规划) or a yearly plan (年度计划, default 3 rounds)."""

    tenant_id = ForeignKey(Tenant, index=True)
    term_id = ForeignKey(Term)
    kind = Varchar(length=8, choices=PlanKind)
    year = Integer(null=True, default=None)
    title = Varchar(length=200)
    rounds_planned = Integer(default=3)
    note = Text(default="")
    approved_on = _date()
    created_at = _when()


class Round(Table, tablename="inspection_round"):
    """One wave of inspections (轮次), about 35-60 days on site."""

    tenant_id = ForeignKey(Tenant, index=True)
    term_id = ForeignKey(Term)
    plan_id: ForeignKey[Any] = ForeignKey(Plan, null=True)
    year = Integer()
    number = Integer()
    name = Varchar(length=100)
    start_date = _date()
    end_date = _date()
    created_at = _when()


class Inspection(Table, tablename="inspection"):
    """One team inspecting one or more orgs in a round (巡察任务).

    Dates planned by the office (``onsite_start``/``onsite_end``) sit beside
    the dates that happened; the due dates are computed from tenant settings
    when the stage that starts them is entered.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    round_id = ForeignKey(Round)
    kind = Varchar(length=32)
    topic = Varchar(length=200, default="")
    title = Varchar(length=200)
    team_name = Varchar(length=64, default="")
    stage = Varchar(length=32, choices=Stage, default=Stage.planned)
    onsite_start = _date()
    onsite_end = _date()
    notice_due = _date()
    notice_sent_on = _date()
    arrived_on = _date()
    withdrawn_on = _date()
    report_due = _date()
    report_step = Varchar(length=32, choices=ReportStep, default=ReportStep.none)
    report_title = Varchar(length=200, default="")
    report_summary = Text(default="")
    feedback_on = _date()
    rectification_report_due = _date()
    carried_over = Boolean(default=False)
    archived_on = _date()
    retention = Varchar(length=16, choices=Retention, null=True, default=None)
    extra = JSON(default={})
    """The kind's extra fields (hook ``xuncha_extra_fields``), validated by their struct."""
    version = BigInt(default=1)
    created_at = _when()
    updated_at = _when()


class InspectionTarget(Table, tablename="inspection_target"):
    """An org inspected by an inspection."""

    tenant_id = ForeignKey(Tenant, index=True)
    inspection_id = ForeignKey(Inspection)
    org_id = ForeignKey(Org)


class TeamMember(Table, tablename="team_member"):
    """A person in an inspection's team; may come from another tenant.

    ``authorized_at`` and ``released_at`` bound the person's access to this
    inspection (一次一授权).
    """

    tenant_id = ForeignKey(Tenant, index=True)
    inspection_id = ForeignKey(Inspection)
    person = Varchar(length=PERSON)
    name = Varchar(length=64)
    home_tenant = Varchar(length=64)
    home_unit = Varchar(length=200, default="")
    role = Varchar(length=16, choices=TeamRole)
    recusal_declared = Boolean(default=False)
    recusal_override = Text(default="")
    joined_at = _when()
    authorized_at = _moment()
    released_at = _moment()


class InspectionLog(Table, tablename="inspection_log"):
    """The timeline of an inspection: stage changes, report steps, notices.

    ``kind`` is ``stage``, ``report`` or ``notice``; each entry records who,
    when and a remark.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    inspection_id = ForeignKey(Inspection)
    kind = Varchar(length=16)
    from_value = Varchar(length=32, default="")
    to_value = Varchar(length=32)
    actor = Varchar(length=128)
    at = _when()
    remark = Text(default="")


class WorkingPaper(Table, tablename="working_paper"):
    """The evidence record behind one problem (问题底稿).

    Signed papers are frozen: a change then needs a recorded revision.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    inspection_id = ForeignKey(Inspection)
    org_id = ForeignKey(Org)
    number = Varchar(length=64)
    title = Varchar(length=200)
    paper_date = Date()
    source = Varchar(length=16, choices=Source)
    summary = Text()
    how_found = Text(default="")
    materials = JSON(default=[])
    status = Varchar(length=16, choices=PaperStatus, default=PaperStatus.draft)
    author = Varchar(length=PERSON)
    reviewed_by = Varchar(length=PERSON, default="")
    reviewed_at = _moment()
    signed_by = Varchar(length=PERSON, default="")
    signed_at = _moment()
    revision = Integer(default=0)
    created_at = _when()
    updated_at = _when()


class WorkingPaperRevision(Table, tablename="working_paper_revision"):
    """A recorded change to a signed working paper: what changed and why."""

    tenant_id = ForeignKey(Tenant, index=True)
    paper_id = ForeignKey(WorkingPaper)
    revision = Integer()
    changes = JSON(default={})
    reason = Text()
    actor = Varchar(length=128)
    at = _when()


class Attachment(Table, tablename="attachment"):
    """A file stored by SHA-256 under the data directory, owned by a record."""

    tenant_id = ForeignKey(Tenant, index=True)
    owner_type = Varchar(length=32)
    owner_id = BigInt()
    sha256 = Varchar(length=64)
    filename = Varchar(length=200)
    content_type = Varchar(length=100)
    size = BigInt()
    uploaded_by = Varchar(length=128)
    uploaded_at = _when()


class Finding(Table, tablename="finding"):
    """One problem found (问题), classified by focus area."""

    tenant_id = ForeignKey(Tenant, index=True)
    inspection_id = ForeignKey(Inspection)
    org_id = ForeignKey(Org)
    paper_id: ForeignKey[Any] = ForeignKey(WorkingPaper, null=True)
    category = Varchar(length=64)
    title = Varchar(length=200)
    description = Text(default="")
    source = Varchar(length=16, choices=Source)
    severity = Varchar(length=16, choices=Severity, default=Severity.general)
    fix_now = Boolean(default=False)
    shared = Boolean(default=False)
    checklist_item = Varchar(length=64, default="")
    """The checklist item of the inspection's kind the finding answers (``""``: none)."""
    extra = JSON(default={})
    """The kind's extra finding fields (hook ``xuncha_extra_fields``)."""
    recorded_by = Varchar(length=128)
    recorded_at = _when()
    updated_at = _when()


class ChecklistMark(Table, tablename="checklist_mark"):
    """How far an inspection went through one item of its kind's checklist (检查清单).

    An item without a mark is still to check; items come from the hook
    ``xuncha_checklist_items`` and are kept by code, never copied here.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    inspection_id = ForeignKey(Inspection)
    item_code = Varchar(length=64)
    status = Varchar(length=16)
    note = Varchar(length=500, default="")
    marked_by = Varchar(length=128)
    marked_at = _when()


class Clue(Table, tablename="clue"):
    """A lead about a person (问题线索), referred to a receiving body.

    ``persons`` is confidential: only the team leader, the office head and
    the receiving body read it.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    inspection_id = ForeignKey(Inspection)
    org_id = ForeignKey(Org)
    title = Varchar(length=200)
    summary = Text(default="")
    grade = Varchar(length=16, choices=ClueGrade)
    persons = JSON(default=[])
    city_managed = Boolean(default=False)
    status = Varchar(length=16, choices=ClueStatus, default=ClueStatus.recorded)
    receiving_body = Varchar(length=16, choices=ReceivingBody, null=True, default=None)
    receiving_body_name = Varchar(length=100, default="")
    referred_on = _date()
    reply_due = _date()
    received_on = _date()
    outcome = Text(default="")
    concluded_on = _date()
    carried_over = Boolean(default=False)
    recorded_by = Varchar(length=128)
    recorded_at = _when()
    updated_at = _when()


class RectificationItem(Table, tablename="rectification_item"):
    """One line of an inspected org's rectification ledger (整改台账)."""

    tenant_id = ForeignKey(Tenant, index=True)
    inspection_id = ForeignKey(Inspection)
    org_id = ForeignKey(Org)
    finding_id: ForeignKey[Any] = ForeignKey(Finding, null=True)
    problem = Text()
    measures = Text(default="")
    deadline = Date()
    responsible_person = Varchar(length=64, default="")
    responsible_leader = Varchar(length=64, default="")
    lead_office = Varchar(length=100, default="")
    status = Varchar(length=16, choices=ItemStatus, default=ItemStatus.open)
    progress = Text(default="")
    escalation = Varchar(length=24, choices=Escalation, default=Escalation.none)
    escalated_on = _date()
    carried_over = Boolean(default=False)
    closed_on = _date()
    created_at = _when()
    updated_at = _when()


class RectificationAction(Table, tablename="rectification_action"):
    """The history of a rectification item: status changes and escalations.

    ``kind`` is ``status`` or ``escalation``.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    item_id = ForeignKey(RectificationItem)
    kind = Varchar(length=16)
    from_value = Varchar(length=24, default="")
    to_value = Varchar(length=24)
    actor = Varchar(length=128)
    at = _when()
    remark = Text(default="")


class RectificationReport(Table, tablename="rectification_report"):
    """An inspected org's rectification report (整改报告) and its due date."""

    tenant_id = ForeignKey(Tenant, index=True)
    inspection_id = ForeignKey(Inspection)
    org_id = ForeignKey(Org)
    due_date = Date()
    submitted_on = _date()
    summary = Text(default="")
    submitted_by = Varchar(length=128, default="")
    created_at = _when()


class Disclosure(Table, tablename="disclosure"):
    """A disclosure record: internal circular or public release, or withheld with reason."""

    tenant_id = ForeignKey(Tenant, index=True)
    inspection_id = ForeignKey(Inspection)
    scope = Varchar(length=16, choices=DisclosureScope)
    disclosed_on = _date()
    withheld = Boolean(default=False)
    withheld_reason = Varchar(length=24, choices=WithholdReason, null=True, default=None)
    approved_by = Varchar(length=64, default="")
    remark = Text(default="")
    recorded_by = Varchar(length=128)
    recorded_at = _when()
