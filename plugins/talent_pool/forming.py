"""Forming a team from the pool in one step, through the core's own ``add_member``.

Every person joins as if added by hand (stage, roles, recusal conflicts named
by every enabled plugin, authorisation on joining, audit), all in one
transaction: a refusal of one person adds nobody. No recusal exception is
approved here; a justified exception is the team page's business.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from core.api import (
    FieldError,
    Forbidden,
    Invalid,
    MemberIn,
    Runtime,
    TeamRole,
    Work,
    add_member,
)
from plugins.talent_pool.model import Status
from plugins.talent_pool.suggest import suggest
from plugins.talent_pool.tables import TalentPerson

__all__ = ["FormTeamIn", "Pick", "form_team"]


class Pick(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A person of the pool and the place on the team."""

    person_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
    role: TeamRole


class FormTeamIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Who joins: the picks given, or (none given) the suggestion's team as it stands."""

    members: Annotated[list[Pick], msgspec.Meta(max_length=30)] | None = None
    specialties: Annotated[list[Annotated[str, msgspec.Meta(max_length=32)]],
                           msgspec.Meta(max_length=20)] = []


async def _refuse_override() -> None:
    raise Forbidden.on("members", "从人才库组建巡察组时不能批准回避例外，请在巡察组页面逐人办理")


async def form_team(work: Work, inspection_id: int, data: FormTeamIn, *,
                    runtime: Runtime) -> list[dict[str, Any]]:
    """Add the chosen people to the inspection's team, all or nothing.

    Raises:
        NotFound: no such inspection.
        Invalid: nobody to add, a person not in the pool.
        Conflict: what the core refuses (stage, roles, recusal conflicts).
    """
    picks = data.members
    if picks is None:
        suggestion = await suggest(work, inspection_id, data.specialties)
        picks = [Pick(person_id=c.person_id, role=TeamRole(c.role)) for c in suggestion.team]
    if not picks:
        raise Invalid([FieldError("members", "没有可加入巡察组的人选")])
    ids = [p.person_id for p in picks]
    if len(set(ids)) != len(ids):
        raise Invalid([FieldError("members", "同一人不能重复加入")])
    added = []
    async with work.transaction():
        rows = {r["id"]: r for r in await work.session.list(TalentPerson, {"id": ids},
                                                              limit=None)}
        for index, pick in enumerate(picks):
            person = rows.get(pick.person_id)
            if person is None or person["status"] != Status.active.value:
                raise Invalid([FieldError(f"members[{index}].person_id",
                                          "此人不在人才库中（未入库或已出库）")])
            member = await add_member(
                work, inspection_id,
                MemberIn(person=person["person_key"], name=person["name"], role=pick.role,
                         home_unit=person["home_unit"][:200]),
                db=runtime.db, tenants=runtime.tenants, approve_override=_refuse_override)
            added.append({"id": member.id, "person": member.person, "name": member.name,
                          "role": member.role, "role_label": member.role_label})
        await work.audit("talent.form_team", "inspection", inspection_id,
                         {"members": [[p.person_id, p.role.value] for p in picks]})
    return added
