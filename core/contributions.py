"""Value types that plugins contribute through hooks.

Each hook in :mod:`core.hookspecs` returns a list of these (or an awaitable
of one); the core collects them per plugin. ``TeamCandidate`` goes the
other way: the core passes it to ``xuncha_recusal_conflicts``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

import msgspec

if TYPE_CHECKING:
    from piccolo.table import Table

    from core.db import TenantSession

__all__ = [
    "CadreAppraisal",
    "ChecklistItem",
    "CoverageTarget",
    "DeskEntry",
    "DeskItem",
    "DeskLevel",
    "DeskViewer",
    "EvaluationDeduction",
    "EvaluationIndicator",
    "ExtraFields",
    "FindingCategory",
    "GrantTarget",
    "InspectionKind",
    "InspectionStatistic",
    "MenuItem",
    "Permission",
    "PolicyRule",
    "RecusalConflict",
    "ReportSection",
    "SyncSubject",
    "TeamCandidate",
    "TenantSetting",
]


class MenuItem(msgspec.Struct, frozen=True, kw_only=True):
    """An entry of the navigation bar; ``path`` is relative to ``/t/{tenant}/``.

    With ``action``, the entry shows only to accounts allowed that action in
    the tenant (its page refuses the others anyway).
    """

    label: str
    path: str
    order: int = 100
    action: str = ""


class InspectionKind(msgspec.Struct, frozen=True, kw_only=True):
    """A kind of inspection (类型): regular, special, mobile, ... or a plugin's."""

    code: str
    label: str
    needs_topic: bool = False


class ExtraFields(msgspec.Struct, frozen=True, kw_only=True):
    """Typed extra fields an inspection kind adds to its inspections or to their findings.

    ``struct`` is a ``msgspec.Struct`` (``kw_only``, every field with a
    default or required); each field names itself in Chinese with
    ``Annotated[..., msgspec.Meta(title="...")]``. Values of ``str``,
    ``int``, ``float``, ``bool``, ``date`` or an ``enum.Enum`` of ``str``
    are shown in forms and exports; they are validated by ``msgspec.convert``
    on create and update (a 400 naming ``extra.<field>``) and stored as JSON.
    """

    kind: str
    on: Literal["inspection", "finding"]
    struct: type[msgspec.Struct]


class ChecklistItem(msgspec.Struct, frozen=True, kw_only=True):
    """One item of an inspection kind's checklist (检查清单), with its problem library.

    ``basis`` names the policy text the item comes from; ``problems`` are the
    typical problems (问题库) a team looks for; ``category`` suggests the
    finding category of a problem found; ``required`` items must be checked
    (or marked not applicable) where a plugin's stage check demands it.
    """

    kind: str
    code: str
    label: str
    group: str = ""
    basis: str = ""
    problems: tuple[str, ...] = ()
    category: str | None = None
    required: bool = True


class ReportSection(msgspec.Struct, frozen=True, kw_only=True):
    """A section a plugin adds to the draft inspection report (.docx), before 意见建议.

    ``rows`` is an optional table whose first row is the header.
    """

    title: str
    paragraphs: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    order: int = 100


class InspectionStatistic(msgspec.Struct, frozen=True, kw_only=True):
    """One figure of an inspection a plugin counts, shown on its page and sent up."""

    code: str
    label: str
    value: int | float
    unit: str = ""


class FindingCategory(msgspec.Struct, frozen=True, kw_only=True):
    """A focus area for classifying findings; ``parent`` nests finer ones."""

    code: str
    label: str
    parent: str | None = None


class Permission(msgspec.Struct, frozen=True, kw_only=True):
    """An action a route can declare (``object:verb``), with a Chinese label."""

    action: str
    label: str


class PolicyRule(msgspec.Struct, frozen=True, kw_only=True):
    """A default policy: ``role`` may perform ``action`` (``effect`` allow/deny)."""

    role: str
    action: str
    effect: Literal["allow", "deny"] = "allow"


class SyncSubject(msgspec.Struct, frozen=True, kw_only=True):
    """A subject family carried between tenants over NATS.

    The full subject is ``<direction>.<tenant-code>.<plugin>.<entity>.<verb>``.
    """

    direction: Literal["up", "down"]
    entity: str
    verbs: tuple[str, ...]


class CoverageTarget(msgspec.Struct, frozen=True, kw_only=True):
    """A coverage population (全覆盖) counted separately, e.g. villages."""

    code: str
    label: str
    org_kinds: tuple[str, ...]


class GrantTarget(msgspec.Struct, frozen=True, kw_only=True):
    """A path parameter naming an object that belongs to an inspection, an org or a body.

    Per-inspection grants (一次一授权) and liaison scopes are decided on the
    object a request touches; a route whose path holds ``path_param`` (e.g.
    ``{note_id:int}``) touches the object with that id. Give either ``table``,
    whose row of that id (read through the tenant's session) names the
    owners in its ``inspection_id``, ``org_id`` and ``receiving_body``
    columns (those it has), or ``resolve(session, id)``, an async function
    returning a mapping with those keys, or ``None`` when there is no such
    object (the request then answers 404).
    """

    path_param: str
    table: type[Table] | None = None
    resolve: Callable[[TenantSession, int], Awaitable[Mapping[str, Any] | None]] | None = None

    def __post_init__(self) -> None:
        if (self.table is None) == (self.resolve is None):
            raise ValueError(f"GrantTarget {self.path_param}: give either table or resolve")


class EvaluationDeduction(msgspec.Struct, frozen=True, kw_only=True):
    """A deduction item (扣分项) of an indicator: at most ``points`` off its weight.

    ``prefill`` names a fact the evaluation plugin can count from the records
    (``overdue_items``, ``open_items``, ``report_late``), so it proposes the
    deduction with its reason; ``per_case`` is what one such case takes off.
    """

    code: str
    label: str
    points: float
    prefill: str = ""
    per_case: float = 0.0


class EvaluationIndicator(msgspec.Struct, frozen=True, kw_only=True):
    """An indicator of an evaluation (后评估), with its default weight and deduction items.

    ``scope`` says who is evaluated: ``unit`` (default; an office evaluating what it
    inspects, its teams and cadres) or ``office`` (a city evaluating a county office's
    own inspection work). Weights sum to 100 per scope and subject.
    """

    code: str
    label: str
    subject: Literal["unit", "team", "cadre"]
    weight: float
    deductions: tuple[EvaluationDeduction, ...] = ()
    scope: Literal["unit", "office"] = "unit"


class TenantSetting(msgspec.Struct, frozen=True, kw_only=True):
    """A per-tenant setting with its default (local practice varies).

    The office admin edits it on the tenant settings page; its kind follows
    the default's type (a whole number, a number, yes/no, or text), numbers
    within ``minimum``..``maximum`` (default 0..100000) and text one of
    ``choices`` (value, Chinese label) when given.
    """

    key: str
    label: str
    default: Any
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[tuple[str, str], ...] = ()


class TeamCandidate(msgspec.Struct, frozen=True, kw_only=True):
    """A person about to join an inspection's team (passed to recusal checks).

    ``person`` is the person key (the account name of team members), which
    is only unique together with ``home_tenant``: the code of the tenant the
    person belongs to (another tenant's for a seconded cadre).
    """

    person: str
    name: str
    home_tenant: str
    home_unit: str = ""
    role: str = ""


class RecusalConflict(msgspec.Struct, frozen=True, kw_only=True):
    """A reason (回避情形) that bars a person from a team.

    ``reason`` is shown to users, in Chinese; ``org_id`` names the target
    org concerned, if any; ``rule`` is a stable code such as
    ``worked_there_within_3_years``, ``relative`` or ``superior_subordinate``.
    """

    reason: str
    org_id: int | None = None
    rule: str = ""


class CadreAppraisal(msgspec.Struct, frozen=True, kw_only=True):
    """The appraisal (考核) of one member of an inspection's team after its round
    (answered by ``xuncha_cadre_appraisals``).

    ``account`` is the member's account name when the member has one (none
    for a person known only by a generated key); ``team_role`` is the team
    place (``leader``, ``deputy``, ``member``); ``grade`` a stable code
    (the talent pool's: ``excellent``, ``competent``, ``basic``,
    ``incompetent``) and ``grade_label`` its Chinese name (优秀, 称职, ...).
    """

    inspection_id: int
    member_name: str
    account: str | None
    team_role: str
    grade: str
    grade_label: str
    note: str
    appraised_at: datetime


DeskLevel = Literal["overdue", "red", "yellow", "todo"]
"""How urgent a to-do is: past due, due within 10 days, within 20 days, or simply waiting."""


class DeskViewer(msgspec.Struct, frozen=True, kw_only=True):
    """The person whose desk (工作台) is shown (passed to ``xuncha_desk_items``).

    ``actions`` are what the person's roles allow tenant-wide in the tenant
    shown; ``orgs`` and ``bodies`` are the orgs (ids) and receiving bodies
    (codes) a liaison acts for. Team places are not in ``actions``: they are
    per inspection, read from the team (``person`` and ``home_tenant``).
    """

    username: str
    home_tenant: str
    actions: frozenset[str] = frozenset()
    orgs: frozenset[int] = frozenset()
    bodies: frozenset[str] = frozenset()

    def may(self, action: str) -> bool:
        """Whether the person's roles allow ``action`` tenant-wide."""
        return action in self.actions


class DeskEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One thing to do: a title, where to do it and, if it has one, its due date.

    ``path`` is relative to ``/t/{tenant}/`` (like ``MenuItem.path``).
    """

    title: str
    path: str
    due: date | None = None
    level: DeskLevel = "todo"
    note: str = ""


class DeskItem(msgspec.Struct, frozen=True, kw_only=True):
    """One kind of to-do on a person's desk: its label, how many and the first few.

    ``count`` may exceed ``len(entries)`` (a desk shows the most urgent
    first); ``path`` (relative to ``/t/{tenant}/``, "" for none) opens the
    full list. ``level`` is the most urgent level among them; ``code`` is a
    stable name such as ``papers_to_review`` (tests and styles key on it).
    """

    code: str
    label: str
    count: int
    entries: tuple[DeskEntry, ...] = ()
    level: DeskLevel = "todo"
    path: str = ""
    order: int = 100
