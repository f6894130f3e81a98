"""Guest accounts of a cross team in the host county's own deployment (linked topology).

When the host county accepts a cross assignment and its deployment does not
serve the sending county, the sending county's people named in the
assignment (``cross.assigned`` carries them) cannot be put on the team with
their own accounts. The host then makes one guest account per person
(``guest-<cross>-<attempt>-<n>``, of the host tenant, no role anywhere) and
puts it on the team of that one inspection: the core gives it the team
place's access only while the place is authorised and not released.

A guest signs in with a one-time password the host office issues on its
assignment page and hands over in person (shown once, never stored). The
account is disabled, its sessions ended, when the team leaves (撤离 releases
the team) or the city cancels the assignment (the team is released at once
when the cancellation arrives); :func:`close_ended_guests` does it at the
sync service's tick and whenever the page is opened.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from core.api import (
    Conflict,
    DomainError,
    Forbidden,
    Inspection,
    MemberIn,
    NotFound,
    Runtime,
    TeamMember,
    TeamRole,
    TenantInfo,
    TenantSession,
    Work,
    add_member,
    close_guest_account,
    issue_guest_password,
    open_guest_account,
    stage_rank,
)
from plugins.elevated_cross.events import CrossMember
from plugins.elevated_cross.tables import CrossGuest

__all__ = [
    "CANCELLED",
    "WITHDRAWN",
    "GuestOut",
    "GuestPassword",
    "close_ended_guests",
    "guests_of",
    "issue_password",
    "mark_cancelled",
    "open_guests",
]

CANCELLED = "市委已取消该交叉巡察安排"
WITHDRAWN = "巡察组已撤离，访问权限已到期"


class GuestOut(msgspec.Struct, kw_only=True):
    """A guest account as the host office sees it (never a password)."""

    id: int
    cross_id: int
    username: str
    person: str
    name: str
    role: str
    team_county: str
    inspection_id: int
    password_issued_at: datetime | None
    closed_at: datetime | None
    closed_reason: str


class GuestPassword(msgspec.Struct, kw_only=True):
    """A one-time sign-in password just issued: shown once to the office, never kept."""

    id: int
    username: str
    name: str
    password: str


def _out(row: dict[str, Any]) -> GuestOut:
    return GuestOut(
        id=row["id"], cross_id=row["cross_id"], username=row["username"],
        person=row["person"], name=row["name"], role=row["role"],
        team_county=row["team_county"], inspection_id=row["inspection_id"],
        password_issued_at=row["password_issued_at"], closed_at=row["closed_at"],
        closed_reason=row["closed_reason"])


async def _refuse_override() -> None:
    raise Forbidden("交叉巡察组成员存在回避情形，请在巡察任务中另行处理")


async def open_guests(work: Work, runtime: Runtime, *, cross_id: int, attempt: int,
                      team_county: str, inspection_id: int,
                      members: list[CrossMember]) -> list[str]:
    """Guest accounts for ``members`` on the team of ``inspection_id``; joins the caller's
    transaction. Returns the names of the people who could not be put on the team."""
    missing = []
    for number, member in enumerate(members, start=1):
        username = f"guest-{cross_id}-{attempt}-{number}"
        try:
            await open_guest_account(runtime.db, username, member.name, work.tenant.code,
                                     now=work.clock.now(), actor=work.actor)
            await add_member(work, inspection_id, MemberIn(
                person=username, name=member.name, role=TeamRole(member.role),
                home_unit=f"{team_county}（交叉巡察派出方）"[:100]),
                db=runtime.db, tenants=runtime.tenants, approve_override=_refuse_override)
        except DomainError:
            missing.append(member.name)
            await close_guest_account(runtime.db, username, now=work.clock.now(),
                                      actor=work.actor)
            continue
        await work.session.insert(CrossGuest, [{
            "cross_id": cross_id, "attempt": attempt, "inspection_id": inspection_id,
            "username": username, "person": member.person[:64], "name": member.name[:64],
            "role": member.role[:16], "team_county": team_county[:64]}])
        await work.audit("cross.guest_open", "cross_assignment", cross_id, {
            "username": username, "person": member.person, "team_county": team_county,
            "inspection_id": inspection_id})
    return missing


async def guests_of(session: TenantSession, cross_id: int | None = None) -> list[GuestOut]:
    """The host's guest accounts (of one assignment), oldest first."""
    where = {} if cross_id is None else {"cross_id": cross_id}
    rows = await session.list(CrossGuest, where, order_by=("id",), limit=None)
    return [_out(r) for r in rows]


async def issue_password(work: Work, runtime: Runtime, cross_id: int,
                         guest_id: int) -> GuestPassword:
    """A new one-time sign-in password for one guest of the assignment (the earlier one
    and the guest's sessions end).

    Raises:
        NotFound: no such guest of this assignment in this tenant.
        Conflict: the guest's access has ended.
    """
    await close_ended_guests(work.tenant, runtime)
    row = await work.session.get(CrossGuest, guest_id)
    if row is None or row["cross_id"] != cross_id:
        raise NotFound("该交叉巡察没有这个临时账号")
    if row["closed_at"] is not None:
        raise Conflict.on("guest_id", f"{row['name']}的临时账号已停用：{row['closed_reason']}")
    async with work.transaction():
        password = await issue_guest_password(runtime.db, row["username"],
                                              now=work.clock.now(), actor=work.actor)
        await work.session.update(CrossGuest, {"id": guest_id},
                                  {"password_issued_at": work.clock.now()})
        await work.audit("cross.guest_password", "cross_assignment", cross_id,
                         {"username": row["username"]})
    return GuestPassword(id=guest_id, username=row["username"], name=row["name"],
                         password=password)


async def _ended(session: TenantSession, row: dict[str, Any], now: datetime) -> str:
    """Why the guest's access has ended, or ``""`` while it runs."""
    if row["closed_reason"]:
        return str(row["closed_reason"])
    inspection = await session.get(Inspection, row["inspection_id"])
    if inspection is None:
        return CANCELLED
    places = await session.list(TeamMember, {"inspection_id": row["inspection_id"],
                                             "person": row["username"]}, limit=None)
    released = bool(places) and all(
        p["released_at"] is not None and p["released_at"] <= now for p in places)
    if released or stage_rank(inspection["stage"]) >= stage_rank("withdrawn"):
        return WITHDRAWN
    return ""


async def close_ended_guests(tenant: TenantInfo, runtime: Runtime) -> int:
    """Disable the guest accounts whose work has ended (withdrawal, cancellation);
    returns how many were closed now."""
    session = runtime.db.tenant(tenant.id)
    now = runtime.clock.now()
    closed = 0
    for row in await session.list(CrossGuest, {"closed_at": None}, limit=None):
        reason = await _ended(session, row, now)
        if not reason:
            continue
        work = Work(session=session, tenant=tenant, actor="system:elevated_cross",
                    clock=runtime.clock, plugins=runtime.plugins)
        async with work.transaction():
            changed = await session.update(CrossGuest, {"id": row["id"], "closed_at": None},
                                           {"closed_at": now, "closed_reason": reason})
            if not changed:
                continue
            await close_guest_account(runtime.db, row["username"], now=now,
                                      actor=work.actor)
            await work.audit("cross.guest_close", "cross_assignment", row["cross_id"],
                             {"username": row["username"], "reason": reason})
        closed += 1
    return closed


async def mark_cancelled(session: TenantSession, cross_id: int) -> None:
    """Note that the assignment was cancelled: its guests close at the next
    :func:`close_ended_guests` (their team places are released already)."""
    await session.update(CrossGuest, {"cross_id": cross_id, "closed_at": None,
                                      "closed_reason": ""}, {"closed_reason": CANCELLED})
