"""The public plugin API: everything a plugin may use of the core, in one module.

A plugin imports ``core.api`` (and its own package) and nothing else of the
core; an import-linter contract in ``make lint`` keeps it so. Each name is
documented with an example in ``docs/internals.md``; a test fails when a
name here is not documented there. What a plugin needs and this module
lacks is added here, not imported from inside the core.

The names, by group (the same groups as ``docs/internals.md``):

- hooks and plugins: ``hookimpl``, ``enabled_for``;
- errors: ``DomainError``, ``FieldError``, ``Invalid``, ``Conflict``, ``NotFound``,
  ``Forbidden``;
- special inspections: ``ExtraFields``, ``ChecklistItem``, ``ReportSection``,
  ``InspectionStatistic`` (returned by hooks), ``read_checklist``, ``checklist_gaps``,
  ``inspection_statistics``, ``ChecklistMark``, ``ChecklistMarked``;
- contributions returned by hooks: ``MenuItem``, ``Permission``, ``PolicyRule``,
  ``SyncSubject``, ``InspectionKind``, ``FindingCategory``, ``CoverageTarget``,
  ``EvaluationIndicator`` with its ``EvaluationDeduction`` items, ``TeamCandidate``,
  ``RecusalConflict``, ``CadreAppraisal``, ``TenantSetting``,
  ``GrantTarget``, the desk's ``DeskItem``, ``DeskEntry``, ``DeskLevel``, ``DeskViewer``
  (and ``desk_level``: a due date's urgency);
- the unit of work, tenants, runtime, events and the workflow's events;
- tables a plugin may read (never write): ``Org``, ``Tenant``, ``Term``, ``Round``,
  ``Inspection``, ``InspectionTarget``, ``TeamMember``, ``Finding``, ``Clue``,
  ``RectificationItem``, ``RectificationReport``, ``WorkingPaper``...;
- read functions (preferred to the tables): ``list_orgs``, ``list_terms``,
  ``list_rounds``, ``inspections_with_targets``, the ledger's reads;
- services: ``create_inspection``, ``receive_inspection``, ``create_items``, the team's
  ``add_member`` with ``MemberIn`` and ``release_team``, sync memos; ``run_in_tenant`` for a
  plugin's CLI command;
- guest accounts (a person of another deployment given one team place here):
  ``open_guest_account``, ``issue_guest_password``, ``close_guest_account``;
- codes and labels: ``Stage``, ``stage_rank``, ``OrgKind``, ``*_LABELS``...;
- routes and pages: ``CurrentWork``, ``CurrentTenant``, ``Session``, ``require_action``
  (every route also declares ``opt={"action": ...}``), ``Id``, ``Limit``, ``Offset``,
  ``Page``, ``page_context``, ``runtime_of`` for the few that need the runtime;
- pages that poll: ``sync_version``, ``data_version``, ``etag_of``, ``unchanged``,
  ``not_modified``, ``live_headers`` (ETag and 304 while the data is unchanged);
  much read routes: ``READ_CACHE_SECONDS`` (answers reused while the data is unchanged);
- forms: ``parse_form``, ``form_errors``, ``FormErrors``, ``done``, ``is_htmx``, ``may``
  (the pattern of ``core/web/pages/forms.py``: Chinese refusals beside their fields).
"""

from __future__ import annotations

from core.audit.chain import verify as verify_chain
from core.audit.tables import GENESIS, AuditEntry, AuditHead
from core.cli.tenant_work import run_in_tenant
from core.clock import CHINA
from core.contributions import (
    CadreAppraisal,
    ChecklistItem,
    CoverageTarget,
    DeskEntry,
    DeskItem,
    DeskLevel,
    DeskViewer,
    EvaluationDeduction,
    EvaluationIndicator,
    ExtraFields,
    FindingCategory,
    GrantTarget,
    InspectionKind,
    InspectionStatistic,
    MenuItem,
    Permission,
    PolicyRule,
    RecusalConflict,
    ReportSection,
    SyncSubject,
    TeamCandidate,
    TenantSetting,
)
from core.db import TenantSession
from core.db.versions import data_version
from core.errors import Conflict, DomainError, FieldError, Forbidden, Invalid, NotFound
from core.events import Envelope, Event
from core.fields import IdField
from core.hookspecs import hookimpl
from core.identity.guests import close_guest_account, issue_guest_password, open_guest_account
from core.inspection.checklist import checklist_gaps, inspection_statistics, read_checklist
from core.inspection.common import stage_rank
from core.inspection.desk import level_of as desk_level
from core.inspection.evaluation import CORE_INDICATORS
from core.inspection.events import (
    ChecklistMarked,
    ClueChanged,
    ClueClosed,
    ClueRecorded,
    ClueReferred,
    FindingChanged,
    FindingRecorded,
    InspectionPlanned,
    InspectionStageChanged,
    RectificationItemChanged,
)
from core.inspection.findings import categories as finding_categories
from core.inspection.ledger import ITEM_STAGES, ItemsIn, ItemsOut, create_items
from core.inspection.ledger_query import OVERDUE_STATUSES, ItemOut, is_overdue, item_out, org_names
from core.inspection.model import (
    CLUE_GRADE_LABELS,
    CLUE_STATUS_LABELS,
    ESCALATION_LABELS,
    RECEIVING_BODY_LABELS,
    SEVERITY_LABELS,
    STAGE_LABELS,
    TEAM_ROLE_LABELS,
    ClueStatus,
    Escalation,
    ItemStatus,
    Stage,
    TeamRole,
)
from core.inspection.planning import create_inspection, receive_inspection
from core.inspection.planning import kind_labels as inspection_kinds
from core.inspection.queries import inspections_with_targets, list_orgs, list_rounds, list_terms
from core.inspection.stages import release_team
from core.inspection.tables import (
    ChecklistMark,
    Clue,
    Finding,
    Inspection,
    InspectionLog,
    InspectionTarget,
    RectificationItem,
    RectificationReport,
    Round,
    TeamMember,
    Term,
    WorkingPaper,
    WorkingPaperRevision,
)
from core.inspection.team import MemberIn, add_member
from core.pagination import Page
from core.plugins import enabled_for
from core.runtime import Runtime, runtime_of
from core.sync.memos import read_memos, sync_version, write_memo
from core.sync.tables import Replica
from core.tenancy.model import ORG_KIND_LABELS, TenantInfo
from core.tenancy.registry import TenantRegistry
from core.tenancy.tables import Org, OrgKind, Tenant
from core.web.deps import CurrentTenant, CurrentWork, Session
from core.web.errors import refusal_of, translate
from core.web.guard import require_action
from core.web.pages.conditional import etag_of, live_headers, not_modified, unchanged
from core.web.pages.forms import FormErrors, done, form_errors, is_htmx, may, parse_form
from core.web.pages.home import page_context
from core.web.pages.views import moment
from core.web.params import Id, Limit, Offset
from core.web.read_cache import READ_CACHE_SECONDS
from core.work import Work

__all__ = [
    "CHINA",
    "CLUE_GRADE_LABELS",
    "CLUE_STATUS_LABELS",
    "CORE_INDICATORS",
    "ESCALATION_LABELS",
    "GENESIS",
    "ITEM_STAGES",
    "ORG_KIND_LABELS",
    "OVERDUE_STATUSES",
    "READ_CACHE_SECONDS",
    "RECEIVING_BODY_LABELS",
    "SEVERITY_LABELS",
    "STAGE_LABELS",
    "TEAM_ROLE_LABELS",
    "AuditEntry",
    "AuditHead",
    "CadreAppraisal",
    "ChecklistItem",
    "ChecklistMark",
    "ChecklistMarked",
    "Clue",
    "ClueChanged",
    "ClueClosed",
    "ClueRecorded",
    "ClueReferred",
    "ClueStatus",
    "Conflict",
    "CoverageTarget",
    "CurrentTenant",
    "CurrentWork",
    "DeskEntry",
    "DeskItem",
    "DeskLevel",
    "DeskViewer",
    "DomainError",
    "Envelope",
    "Escalation",
    "EvaluationDeduction",
    "EvaluationIndicator",
    "Event",
    "ExtraFields",
    "FieldError",
    "Finding",
    "FindingCategory",
    "FindingChanged",
    "FindingRecorded",
    "Forbidden",
    "FormErrors",
    "GrantTarget",
    "Id",
    "IdField",
    "Inspection",
    "InspectionKind",
    "InspectionLog",
    "InspectionPlanned",
    "InspectionStageChanged",
    "InspectionStatistic",
    "InspectionTarget",
    "Invalid",
    "ItemOut",
    "ItemStatus",
    "ItemsIn",
    "ItemsOut",
    "Limit",
    "MemberIn",
    "MenuItem",
    "NotFound",
    "Offset",
    "Org",
    "OrgKind",
    "Page",
    "Permission",
    "PolicyRule",
    "RectificationItem",
    "RectificationItemChanged",
    "RectificationReport",
    "RecusalConflict",
    "Replica",
    "ReportSection",
    "Round",
    "Runtime",
    "Session",
    "Stage",
    "SyncSubject",
    "TeamCandidate",
    "TeamMember",
    "TeamRole",
    "Tenant",
    "TenantInfo",
    "TenantRegistry",
    "TenantSession",
    "TenantSetting",
    "Term",
    "Work",
    "WorkingPaper",
    "WorkingPaperRevision",
    "add_member",
    "checklist_gaps",
    "close_guest_account",
    "create_inspection",
    "create_items",
    "data_version",
    "desk_level",
    "done",
    "enabled_for",
    "etag_of",
    "finding_categories",
    "form_errors",
    "hookimpl",
    "inspection_kinds",
    "inspection_statistics",
    "inspections_with_targets",
    "is_htmx",
    "is_overdue",
    "issue_guest_password",
    "item_out",
    "list_orgs",
    "list_rounds",
    "list_terms",
    "live_headers",
    "may",
    "moment",
    "not_modified",
    "open_guest_account",
    "org_names",
    "page_context",
    "parse_form",
    "read_checklist",
    "read_memos",
    "receive_inspection",
    "refusal_of",
    "release_team",
    "require_action",
    "run_in_tenant",
    "runtime_of",
    "stage_rank",
    "sync_version",
    "translate",
    "unchanged",
    "verify_chain",
    "write_memo",
]
