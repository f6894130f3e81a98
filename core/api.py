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
- contributions returned by hooks: ``MenuItem``, ``Permission``, ``PolicyRule``,
  ``SyncSubject``, ``InspectionKind``, ``FindingCategory``, ``CoverageTarget``,
  ``EvaluationIndicator``, ``TeamCandidate``, ``RecusalConflict``, ``TenantSetting``,
  ``GrantTarget``;
- the unit of work, tenants, runtime, events and the workflow's events;
- tables a plugin may read (never write): ``Org``, ``Tenant``, ``Term``, ``Round``,
  ``Inspection``, ``InspectionTarget``, ``Finding``, ``Clue``, ``RectificationItem``...;
- read functions (preferred to the tables): ``list_orgs``, ``list_terms``,
  ``list_rounds``, ``inspections_with_targets``, the ledger's reads;
- services: ``create_inspection``, ``create_items``, sync memos;
- codes and labels: ``Stage``, ``stage_rank``, ``OrgKind``, ``*_LABELS``...;
- routes and pages: ``CurrentWork``, ``CurrentTenant``, ``Session``, ``require_action``
  (every route also declares ``opt={"action": ...}``), ``Id``, ``Limit``, ``Offset``,
  ``Page``, ``page_context``, ``runtime_of`` for the few that need the runtime.
"""

from __future__ import annotations

from core.audit.chain import verify as verify_chain
from core.audit.tables import GENESIS, AuditEntry, AuditHead
from core.clock import CHINA
from core.contributions import (
    CoverageTarget,
    EvaluationIndicator,
    FindingCategory,
    GrantTarget,
    InspectionKind,
    MenuItem,
    Permission,
    PolicyRule,
    RecusalConflict,
    SyncSubject,
    TeamCandidate,
    TenantSetting,
)
from core.db import TenantSession
from core.errors import Conflict, DomainError, FieldError, Forbidden, Invalid, NotFound
from core.events import Envelope, Event
from core.fields import IdField
from core.hookspecs import hookimpl
from core.inspection.common import stage_rank
from core.inspection.events import (
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
    ClueStatus,
    Escalation,
    ItemStatus,
    Stage,
)
from core.inspection.planning import create_inspection
from core.inspection.planning import kind_labels as inspection_kinds
from core.inspection.queries import inspections_with_targets, list_orgs, list_rounds, list_terms
from core.inspection.tables import (
    Clue,
    Finding,
    Inspection,
    InspectionTarget,
    RectificationItem,
    Round,
    Term,
)
from core.pagination import Page
from core.plugins import enabled_for
from core.runtime import Runtime, runtime_of
from core.sync.memos import read_memos, write_memo
from core.sync.tables import Replica
from core.tenancy.model import ORG_KIND_LABELS, TenantInfo
from core.tenancy.registry import TenantRegistry
from core.tenancy.tables import Org, OrgKind, Tenant
from core.web.deps import CurrentTenant, CurrentWork, Session
from core.web.errors import refusal_of, translate
from core.web.guard import require_action
from core.web.pages.home import page_context
from core.web.pages.inspection import is_htmx
from core.web.pages.views import moment
from core.web.params import Id, Limit, Offset
from core.work import Work

__all__ = [
    "CHINA",
    "CLUE_GRADE_LABELS",
    "CLUE_STATUS_LABELS",
    "ESCALATION_LABELS",
    "GENESIS",
    "ITEM_STAGES",
    "ORG_KIND_LABELS",
    "OVERDUE_STATUSES",
    "RECEIVING_BODY_LABELS",
    "SEVERITY_LABELS",
    "STAGE_LABELS",
    "AuditEntry",
    "AuditHead",
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
    "DomainError",
    "Envelope",
    "Escalation",
    "EvaluationIndicator",
    "Event",
    "FieldError",
    "Finding",
    "FindingCategory",
    "FindingChanged",
    "FindingRecorded",
    "Forbidden",
    "GrantTarget",
    "Id",
    "IdField",
    "Inspection",
    "InspectionKind",
    "InspectionPlanned",
    "InspectionStageChanged",
    "InspectionTarget",
    "Invalid",
    "ItemOut",
    "ItemStatus",
    "ItemsIn",
    "ItemsOut",
    "Limit",
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
    "RecusalConflict",
    "Replica",
    "Round",
    "Runtime",
    "Session",
    "Stage",
    "SyncSubject",
    "TeamCandidate",
    "Tenant",
    "TenantInfo",
    "TenantRegistry",
    "TenantSession",
    "TenantSetting",
    "Term",
    "Work",
    "create_inspection",
    "create_items",
    "enabled_for",
    "finding_categories",
    "hookimpl",
    "inspection_kinds",
    "inspections_with_targets",
    "is_htmx",
    "is_overdue",
    "item_out",
    "list_orgs",
    "list_rounds",
    "list_terms",
    "moment",
    "org_names",
    "page_context",
    "read_memos",
    "refusal_of",
    "require_action",
    "runtime_of",
    "stage_rank",
    "translate",
    "verify_chain",
    "write_memo",
]
