"""Value types that plugins contribute through hooks.

Each hook in :mod:`core.hookspecs` returns a list of these (or an awaitable
of one); the core collects them per plugin. ``TeamCandidate`` goes the
other way: the core passes it to ``xuncha_recusal_conflicts``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import msgspec

if TYPE_CHECKING:
    from piccolo.table import Table

    from core.db import TenantSession

__all__ = [
    "CoverageTarget",
    "EvaluationIndicator",
    "FindingCategory",
    "GrantTarget",
    "InspectionKind",
    "MenuItem",
    "Permission",
    "PolicyRule",
    "RecusalConflict",
    "SyncSubject",
    "TeamCandidate",
    "TenantSetting",
]


class MenuItem(msgspec.Struct, frozen=True, kw_only=True):
    """An entry of the navigation bar; ``path`` is relative to ``/t/{tenant}/``."""

    label: str
    path: str
    order: int = 100


class InspectionKind(msgspec.Struct, frozen=True, kw_only=True):
    """A kind of inspection (类型): regular, special, mobile, ... or a plugin's."""

    code: str
    label: str
    needs_topic: bool = False


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


class EvaluationIndicator(msgspec.Struct, frozen=True, kw_only=True):
    """An indicator of an evaluation (后评估), with its default weight."""

    code: str
    label: str
    subject: Literal["unit", "team", "cadre"]
    weight: float


class TenantSetting(msgspec.Struct, frozen=True, kw_only=True):
    """A per-tenant setting with its default (local practice varies)."""

    key: str
    label: str
    default: Any
    unit: str = ""


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
