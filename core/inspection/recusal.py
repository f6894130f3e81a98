"""Recusal (回避) when a person joins a team.

Plugins enabled for the tenant name the conflicts (``xuncha_recusal_conflicts``;
the talent pool answers from its recusal data). A conflicted person is
refused, every reason listed, unless an office admin approves an exception
(action ``team:override_recusal``) with a written justification; the team
controller checks that action and records the exception.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from core.contributions import RecusalConflict, TeamCandidate
from core.errors import Conflict, FieldError, Invalid
from core.inspection.tables import InspectionTarget
from core.tenancy.tables import Org
from core.work import Work

__all__ = [
    "MIN_JUSTIFICATION",
    "OVERRIDE_ACTION",
    "RECUSAL_HOOK",
    "RecusalOverride",
    "conflict_details",
    "justification_of",
    "recusal_conflicts",
    "recusal_refusal",
]

RECUSAL_HOOK = "xuncha_recusal_conflicts"
OVERRIDE_ACTION = "team:override_recusal"
MIN_JUSTIFICATION = 10
MAX_JUSTIFICATION = 1000
OVERRIDE_FIELD = "recusal_override.justification"


class RecusalOverride(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An exception to recusal approved by an office admin, with the written reason."""

    justification: Annotated[str, msgspec.Meta(min_length=MIN_JUSTIFICATION,
                                                max_length=MAX_JUSTIFICATION)]


def justification_of(override: RecusalOverride | None) -> str:
    """The trimmed justification ("" without an override); 400 if it is mostly blank."""
    if override is None:
        return ""
    text = override.justification.strip()
    if len(text) < MIN_JUSTIFICATION:
        raise Invalid([FieldError(
            OVERRIDE_FIELD, f"书面理由不能少于 {MIN_JUSTIFICATION} 个字符（不计首尾空白）")])
    return text


async def _target_orgs(work: Work, inspection_id: int) -> list[dict[str, Any]]:
    targets = await work.session.list(InspectionTarget, {"inspection_id": inspection_id},
                                      limit=None)
    ids = [t["org_id"] for t in targets]
    if not ids:
        return []
    return await work.session.list(Org, {"id": ids}, order_by=("id",), limit=None)


async def recusal_conflicts(work: Work, candidate: TeamCandidate,
                            inspection: dict[str, Any]) -> list[RecusalConflict]:
    """The conflicts the tenant's plugins name for ``candidate`` joining ``inspection``.

    Raises:
        TypeError: a plugin returned something other than ``RecusalConflict``
            items; the request fails rather than ignore a conflict.
    """
    orgs = await _target_orgs(work, inspection["id"])
    found: list[RecusalConflict] = []
    for plugin, items in await work.plugins.collect(
            RECUSAL_HOOK, work.tenant.plugins, person=candidate, inspection=dict(inspection),
            orgs=[dict(o) for o in orgs], tenant=work.tenant, work=work):
        for item in items:
            if not isinstance(item, RecusalConflict):
                raise TypeError(f"plugin {plugin}: {RECUSAL_HOOK} returned "
                                f"{type(item).__name__}, not RecusalConflict")
            found.append(item)
    return found


def recusal_refusal(conflicts: list[RecusalConflict]) -> Conflict:
    """The 409 refusal: one error per conflict, then how to ask for an exception."""
    errors = [FieldError("person", f"存在回避情形：{c.reason}") for c in conflicts]
    errors.append(FieldError(
        OVERRIDE_FIELD,
        f"如确需参加，须由巡察办主任批准回避例外并填写书面理由（{MIN_JUSTIFICATION} 至 "
        f"{MAX_JUSTIFICATION} 个字符）"))
    return Conflict(errors)


def conflict_details(conflicts: list[RecusalConflict]) -> list[dict[str, Any]]:
    """The conflicts as plain data for the audit trail."""
    return [msgspec.to_builtins(c) for c in conflicts]
