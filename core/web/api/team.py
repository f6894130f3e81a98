"""Team API: form an inspection's team (巡察组); people may come from other tenants.

Before a person joins, the tenant's plugins may name recusal conflicts
(``core.inspection.recusal``); a conflicted person joins only with an
exception approved by an office admin (``team:override_recusal``).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import JSONBody

from core.contributions import TeamCandidate
from core.db import Database
from core.inspection.common import get_or_404, load_inspection, require_stage
from core.inspection.model import TEAM_ROLE_LABELS, Stage, TeamRole
from core.inspection.recusal import (
    OVERRIDE_ACTION,
    RecusalOverride,
    conflict_details,
    justification_of,
    recusal_conflicts,
    recusal_refusal,
)
from core.inspection.stages import grant_end
from core.inspection.tables import Inspection, TeamMember
from core.runtime import runtime_of
from core.web.api.inspections import EDITABLE
from core.web.deps import CurrentWork, Session
from core.web.errors import FieldError, InputError
from core.web.params import Id, changes_of
from core.work import Work

__all__ = ["TeamController"]

log = logging.getLogger(__name__)

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


async def _may_override(request: Request[Any, Any, Any]) -> None:
    """Refuse (403) unless the user may approve a recusal exception (office admin).

    The authorization layer's guard is imported lazily: until
    ``core.web.guard.require_action`` exists this fails closed (403).
    """
    try:
        from core.web.guard import require_action
    except ImportError as exc:
        log.warning("recusal override refused: the authorization guard is unavailable (%s)", exc)
        raise PermissionDeniedException("无法核验批准回避例外的权限，暂不能批准例外") from None
    await require_action(request, OVERRIDE_ACTION)


async def _check_roles(work: Work, inspection_id: int, role: TeamRole,
                       member_id: int | None = None) -> None:
    """One leader, at most two deputies (among current members)."""
    rows = await work.session.list(TeamMember, {"inspection_id": inspection_id,
                                                "released_at": None}, limit=None)
    same = [r for r in rows if r["role"] == role.value and r["id"] != member_id]
    if role == TeamRole.leader and same:
        raise InputError([FieldError("role", f"巡察组已有组长：{same[0]['name']}")], 409)
    if role == TeamRole.deputy and len(same) >= MAX_DEPUTIES:
        raise InputError([FieldError("role", f"副组长不超过 {MAX_DEPUTIES} 名")], 409)


class TeamController(Controller):
    """The team of one inspection."""

    path = "/t/{tenant:str}/api/inspections/{inspection_id:int}/team"
    tags = ["巡察组"]

    @get("/", opt={"action": "inspection:read"}, summary="巡察组成员")
    async def list_team(self, session: Session, inspection_id: Id) -> list[MemberOut]:
        """The team: leader first, then deputies and members."""
        await load_inspection(session, inspection_id)
        rows = await session.list(TeamMember, {"inspection_id": inspection_id}, limit=None)
        order = list(TeamRole)
        return [_out(r) for r in sorted(rows, key=lambda r: (order.index(TeamRole(r["role"])),
                                                             r["id"]))]

    @post("/", opt={"action": "team:write"}, summary="加入巡察组")
    async def add_member(self, request: Request[Any, Any, Any], state: State,
                         work: CurrentWork, inspection_id: Id,
                         data: JSONBody[MemberIn]) -> MemberOut:
        """Add a person; after authorisation the person is authorised on joining.

        Recusal conflicts named by plugins refuse the person (409) unless the
        body carries ``recusal_override`` and the user may approve it.
        """
        runtime = runtime_of(state)
        account_home = await _account_home(runtime.db, data.person)
        home = data.home_tenant or account_home or work.tenant.code
        if await runtime.tenants.get(home) is None:
            raise InputError([FieldError("home_tenant", f"巡察机构 {home} 不存在")])
        if account_home is not None and account_home != home:
            # The grant follows the account: it must be the same person.
            raise InputError([FieldError(
                "home_tenant", f"账号 {data.person} 属于机构 {account_home}，不属于 {home}")])
        justification = justification_of(data.recusal_override)
        async with work.transaction():
            insp = await load_inspection(work.session, inspection_id)
            require_stage(insp, EDITABLE, "调整巡察组")
            if await work.session.count(TeamMember, {"inspection_id": inspection_id,
                                                     "person": data.person,
                                                     "released_at": None}):
                raise InputError([FieldError("person", "此人已在巡察组中")], 409)
            await _check_roles(work, inspection_id, data.role)
            candidate = TeamCandidate(person=data.person, name=data.name, home_tenant=home,
                                      home_unit=data.home_unit, role=data.role.value)
            conflicts = await recusal_conflicts(work, candidate, insp)
            if conflicts and not justification:
                raise recusal_refusal(conflicts)
            if conflicts:
                await _may_override(request)
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
        return _out(await get_or_404(work.session, TeamMember, member_id, "巡察组成员"))

    @patch("/{member_id:int}", opt={"action": "team:write"}, summary="修改巡察组成员")
    async def update_member(self, work: CurrentWork, inspection_id: Id, member_id: Id,
                            data: JSONBody[MemberPatch]) -> MemberOut:
        """Change a member's role, unit or recusal declaration."""
        changes = changes_of(data)
        async with work.transaction():
            insp = await load_inspection(work.session, inspection_id)
            member = await self._member(work, inspection_id, member_id)
            require_stage(insp, EDITABLE, "调整巡察组")
            if "role" in changes:
                await _check_roles(work, inspection_id, changes["role"], member_id)
            values = {k: getattr(v, "value", v) for k, v in changes.items()}
            if values:
                await work.session.update(TeamMember, {"id": member_id}, values)
                await _touch(work, insp)
                await work.audit("team.update", "inspection", inspection_id,
                                 {"person": member["person"], **values})
        return _out(await self._member(work, inspection_id, member_id))

    @delete("/{member_id:int}", opt={"action": "team:write"}, summary="调离巡察组",
            status_code=200)
    async def remove_member(self, work: CurrentWork, inspection_id: Id,
                            member_id: Id) -> MemberOut:
        """Take a person off the team; an authorised person's access ends now."""
        async with work.transaction():
            insp = await load_inspection(work.session, inspection_id)
            member = await self._member(work, inspection_id, member_id)
            require_stage(insp, EDITABLE, "调整巡察组")
            if member["authorized_at"] is None:
                await work.session.delete(TeamMember, {"id": member_id})
            else:
                await work.session.update(TeamMember, {"id": member_id},
                                          {"released_at": work.clock.now()})
            await _touch(work, insp)
            await work.audit("team.remove", "inspection", inspection_id,
                             {"person": member["person"]})
        return _out({**member, "released_at": member["released_at"] or work.clock.now()})

    @staticmethod
    async def _member(work: Work, inspection_id: int, member_id: int) -> dict[str, Any]:
        row = await work.session.get(TeamMember, member_id)
        if row is None or row["inspection_id"] != inspection_id:
            raise NotFoundException("巡察组成员不存在")
        return row


async def _account_home(db: Database, username: str) -> str | None:
    """The home tenant of the account named ``username``, if there is one."""
    rows = await db.fetch(
        'SELECT t."code" FROM "account" a JOIN "tenant" t ON t."id" = a."home_tenant" '
        f'WHERE a."username" = {db.dialect.mark(1)}', [username])
    return str(rows[0]["code"]) if rows else None


async def _touch(work: Work, inspection: dict[str, Any]) -> None:
    await work.session.update(Inspection, {"id": inspection["id"]}, {
        "version": int(inspection["version"]) + 1, "updated_at": work.clock.now()})
