"""An inspection's team (巡察组): who joins, in which role, and for how long.

People may come from other tenants: an account's grant follows it, so a
person with an account joins from the account's home tenant. A team has one
leader and at most :data:`MAX_DEPUTIES` deputies. Before a person joins, the
tenant's plugins may name recusal conflicts (:mod:`core.inspection.recusal`);
a conflicted person joins only with an exception whose approver may take
:data:`~core.inspection.recusal.OVERRIDE_ACTION`, and the exception is
audited. A person joining after authorisation is authorised at once, until
the inspection's grant ends (一次一授权).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec

from core.contributions import RecusalConflict, TeamCandidate
from core.db import Database, TenantSession
from core.errors import Conflict, Invalid, NotFound
from core.fields import changes_of
from core.inspection.common import load_inspection, require_stage
from core.inspection.inspections import EDITABLE
from core.inspection.model import TEAM_ROLE_LABELS, Stage, TeamRole
from core.inspection.recusal import (
    RecusalOverride,
    conflict_details,
    justification_of,
    recusal_conflicts,
    recusal_refusal,
)
from core.inspection.stages import grant_end
from core.inspection.tables import Inspection, TeamMember
from core.tenancy.registry import TenantRegistry
from core.work import Work

__all__ = [
    "EDITABLE",
    "MAX_DEPUTIES",
    "MemberIn",
    "MemberOut",
    "MemberPatch",
    "account_home",
    "add_member",
    "candidate_conflicts",
    "list_team",
    "remove_member",
    "update_member",
]

Person = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[\w.@-]+$")]
PersonName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Unit = Annotated[str, msgspec.Meta(max_length=200)]
MAX_DEPUTIES = 2


class MemberIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A person joining the team; ``home_tenant`` defaults to this tenant.

    ``recusal_override`` (office admin only) admits a person despite recusal
    conflicts; it is ignored when there is no conflict.
    """

    person: Person
    name: PersonName
    role: TeamRole
    home_tenant: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    home_unit: Unit = ""
    recusal_declared: bool = False
    recusal_override: RecusalOverride | None = None


class MemberPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to a member: role, unit or the recusal declaration."""

    role: TeamRole | msgspec.UnsetType = msgspec.UNSET
    home_unit: Unit | msgspec.UnsetType = msgspec.UNSET
    recusal_declared: bool | msgspec.UnsetType = msgspec.UNSET


class MemberOut(msgspec.Struct, kw_only=True):
    """A team member with the span of their access to this inspection.

    ``recusal_override`` is the justification of an approved recusal
    exception ("" if the person joined without one).
    """

    id: int
    person: str
    name: str
    role: str
    role_label: str
    home_tenant: str
    home_unit: str
    recusal_declared: bool
    recusal_override: str
    authorized_at: Any
    released_at: Any


def _out(row: dict[str, Any]) -> MemberOut:
    return MemberOut(
        id=row["id"], person=row["person"], name=row["name"], role=row["role"],
        role_label=TEAM_ROLE_LABELS[TeamRole(row["role"])], home_tenant=row["home_tenant"],
        home_unit=row["home_unit"], recusal_declared=bool(row["recusal_declared"]),
        recusal_override=row["recusal_override"] or "", authorized_at=row["authorized_at"],
        released_at=row["released_at"])


async def account_home(db: Database, username: str) -> str | None:
    """The home tenant of the account named ``username``, if there is one."""
    rows = await db.fetch(
        'SELECT t."code" FROM "account" a JOIN "tenant" t ON t."id" = a."home_tenant" '
        f'WHERE a."username" = {db.dialect.mark(1)}', [username])
    return str(rows[0]["code"]) if rows else None


async def _current(work: Work, inspection_id: int) -> list[dict[str, Any]]:
    """The people on the team now: never released, or authorised until a later time."""
    now = work.clock.now()
    rows = await work.session.list(TeamMember, {"inspection_id": inspection_id}, limit=None)
    return [r for r in rows if r["released_at"] is None or r["released_at"] > now]


async def _check_roles(work: Work, inspection_id: int, role: TeamRole,
                       member_id: int | None = None) -> None:
    """One leader, at most two deputies (among current members)."""
    rows = await _current(work, inspection_id)
    same = [r for r in rows if r["role"] == role.value and r["id"] != member_id]
    if role == TeamRole.leader and same:
        raise Conflict.on("role", f"巡察组已有组长：{same[0]['name']}")
    if role == TeamRole.deputy and len(same) >= MAX_DEPUTIES:
        raise Conflict.on("role", f"副组长不超过 {MAX_DEPUTIES} 名")


async def _member(work: Work, inspection_id: int, member_id: int) -> dict[str, Any]:
    row = await work.session.get(TeamMember, member_id)
    if row is None or row["inspection_id"] != inspection_id:
        raise NotFound("巡察组成员不存在")
    return row


def _require_current(work: Work, member: dict[str, Any]) -> None:
    """Refuse (409) a change to a person already taken off the team."""
    released = member["released_at"]
    if released is not None and released <= work.clock.now():
        raise Conflict.on("person", f"{member['name']}已调离巡察组，不能再调整")


async def _touch(work: Work, inspection: dict[str, Any]) -> None:
    await work.session.update(Inspection, {"id": inspection["id"]}, {
        "version": int(inspection["version"]) + 1, "updated_at": work.clock.now()})


async def list_team(session: TenantSession, inspection_id: int) -> list[MemberOut]:
    """The team: leader first, then deputies and members (released people included).

    Raises:
        NotFound: no such inspection.
    """
    await load_inspection(session, inspection_id)
    rows = await session.list(TeamMember, {"inspection_id": inspection_id}, limit=None)
    order = list(TeamRole)
    return [_out(r) for r in sorted(rows, key=lambda r: (order.index(TeamRole(r["role"])),
                                                         r["id"]))]


async def _home_of(work: Work, db: Database, tenants: TenantRegistry, data: MemberIn) -> str:
    """The tenant the person comes from: the account's, or the one named, or this one."""
    owner = await account_home(db, data.person)
    home = data.home_tenant or owner or work.tenant.code
    if await tenants.get(home) is None:
        raise Invalid.on("home_tenant", f"巡察机构 {home} 不存在")
    if owner is not None and owner != home:
        # The grant follows the account: it must be the same person.
        raise Invalid.on("home_tenant", f"账号 {data.person} 属于机构 {owner}，不属于 {home}")
    return home


async def candidate_conflicts(work: Work, inspection_id: int, data: MemberIn, *,
                              db: Database, tenants: TenantRegistry) -> list[RecusalConflict]:
    """The recusal conflicts the tenant's plugins name for ``data`` joining the team,
    asked before the person is added (nothing is written).

    Raises:
        NotFound: no such inspection.
        Invalid: unknown home tenant, an account of another tenant.
    """
    home = await _home_of(work, db, tenants, data)
    insp = await load_inspection(work.session, inspection_id)
    candidate = TeamCandidate(person=data.person, name=data.name, home_tenant=home,
                              home_unit=data.home_unit, role=data.role.value)
    return await recusal_conflicts(work, candidate, insp)


async def add_member(work: Work, inspection_id: int, data: MemberIn, *, db: Database,
                     tenants: TenantRegistry,
                     approve_override: Callable[[], Awaitable[None]]) -> MemberOut:
    """Add a person to the team; after authorisation the person is authorised on joining.

    Args:
        work: the unit of work of the inspection's tenant.
        inspection_id: the inspection.
        data: the person, role and, if needed, the recusal exception.
        db: the deployment's database (accounts live outside the tenant).
        tenants: the deployment's tenants (the person's home must be one).
        approve_override: raises unless the actor may approve a recusal
            exception; asked only when the person has conflicts and the
            request carries an exception.

    Raises:
        NotFound: no such inspection.
        Invalid: unknown home tenant, an account of another tenant, a
            justification that is mostly blank.
        Conflict: the inspection is past briefing, the person is on the team,
            a second leader or a third deputy, recusal conflicts without an
            exception.
    """
    home = await _home_of(work, db, tenants, data)
    justification = justification_of(data.recusal_override)
    async with work.transaction():
        insp = await load_inspection(work.session, inspection_id)
        require_stage(insp, EDITABLE, "调整巡察组")
        if any(r["person"] == data.person for r in await _current(work, inspection_id)):
            raise Conflict.on("person", "此人已在巡察组中")
        await _check_roles(work, inspection_id, data.role)
        candidate = TeamCandidate(person=data.person, name=data.name, home_tenant=home,
                                  home_unit=data.home_unit, role=data.role.value)
        conflicts = await recusal_conflicts(work, candidate, insp)
        if conflicts and not justification:
            raise recusal_refusal(conflicts)
        if conflicts:
            await approve_override()
        override = justification if conflicts else ""
        now = work.clock.now()
        authorized = insp["stage"] != Stage.planned.value
        (member_id,) = await work.session.insert(TeamMember, [{
            "inspection_id": inspection_id, "person": data.person, "name": data.name,
            "role": data.role.value, "home_tenant": home, "home_unit": data.home_unit,
            "recusal_declared": data.recusal_declared, "recusal_override": override,
            "joined_at": now, "authorized_at": now if authorized else None,
            "released_at": grant_end(work, insp) if authorized else None}])
        await _touch(work, insp)
        await work.audit("team.add", "inspection", inspection_id,
                         {"person": data.person, "role": data.role.value, "home": home,
                          "recusal_override": bool(override)})
        if override:
            await work.audit("team.recusal_override", "inspection", inspection_id, {
                "person": data.person, "name": data.name, "home": home,
                "member_id": member_id, "conflicts": conflict_details(conflicts),
                "justification": override})
    return _out(await _member(work, inspection_id, member_id))


async def update_member(work: Work, inspection_id: int, member_id: int,
                        data: MemberPatch) -> MemberOut:
    """Change a member's role, unit or recusal declaration.

    Raises:
        NotFound: no such inspection or member.
        Conflict: the inspection is past briefing; a second leader or a
            third deputy.
    """
    changes = changes_of(data)
    async with work.transaction():
        insp = await load_inspection(work.session, inspection_id)
        member = await _member(work, inspection_id, member_id)
        require_stage(insp, EDITABLE, "调整巡察组")
        _require_current(work, member)
        if "role" in changes:
            await _check_roles(work, inspection_id, changes["role"], member_id)
        values = {k: getattr(v, "value", v) for k, v in changes.items()}
        if values:
            await work.session.update(TeamMember, {"id": member_id}, values)
            await _touch(work, insp)
            await work.audit("team.update", "inspection", inspection_id,
                             {"person": member["person"], **values})
    return _out(await _member(work, inspection_id, member_id))


async def remove_member(work: Work, inspection_id: int, member_id: int) -> MemberOut:
    """Take a person off the team: an authorised person's access ends now, a person
    never authorised is forgotten.

    Raises:
        NotFound: no such inspection or member.
        Conflict: the inspection is past briefing.
    """
    async with work.transaction():
        insp = await load_inspection(work.session, inspection_id)
        member = await _member(work, inspection_id, member_id)
        require_stage(insp, EDITABLE, "调整巡察组")
        _require_current(work, member)
        if member["authorized_at"] is None:
            await work.session.delete(TeamMember, {"id": member_id})
        else:
            await work.session.update(TeamMember, {"id": member_id},
                                      {"released_at": work.clock.now()})
        await _touch(work, insp)
        await work.audit("team.remove", "inspection", inspection_id,
                         {"person": member["person"]})
    return _out({**member, "released_at": member["released_at"] or work.clock.now()})
