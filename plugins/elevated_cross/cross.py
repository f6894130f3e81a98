"""Cross inspections (交叉巡察): the city assigns county A's team to county B's orgs.

The city's assignment goes down to both counties (``cross.assigned``); the
host county B accepts, authorising the team, or declines with a reason
(``cross.decided`` up); the city keeps the decision on its own row and tells
both counties again, so the assignment shows the same on every side.

A declined assignment may be submitted again by the city (its ``attempt``
grows; the host decides anew), and the city may cancel an assignment with a
reason: the host releases the team at once and closes its guest accounts.
When the host's deployment does not serve the sending county (the linked
topology), accepting makes guest accounts for the sending county's people
(:mod:`.guests`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

import msgspec

from core.api import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    IdField,
    Invalid,
    MemberIn,
    NotFound,
    Replica,
    Runtime,
    TeamRole,
    Work,
    add_member,
    create_inspection,
    list_orgs,
    list_rounds,
    release_team,
)
from plugins.elevated_cross.elevated import check_targets
from plugins.elevated_cross.events import CrossAssigned, CrossDecided, CrossMember, TargetOrg
from plugins.elevated_cross.guests import GuestOut, guests_of, mark_cancelled, open_guests
from plugins.elevated_cross.model import (
    CROSS_STATUS_LABELS,
    post_refusals,
    posts_of,
    require_city,
    require_county,
)
from plugins.elevated_cross.tables import CrossAssignment, CrossDecision, ElevatedInspection

__all__ = [
    "CancelIn",
    "CrossIn",
    "CrossOut",
    "DecisionIn",
    "MemberSpec",
    "ResubmitIn",
    "assign_cross",
    "cancel_cross",
    "cross_board",
    "decide_cross",
    "end_cancelled",
    "received_cross",
    "resubmit_cross",
    "stage_refusals",
    "take_decision",
]

County = Annotated[str, msgspec.Meta(max_length=64)]


class MemberSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A person of the sending county's team (their key in that county)."""

    person: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    role: TeamRole = TeamRole.member


class CrossIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new cross assignment: whose team (and its people), which county hosts, which of
    its orgs."""

    team_county: County
    host_county: County
    title: Annotated[str, msgspec.Meta(max_length=200)]
    org_ids: Annotated[list[IdField], msgspec.Meta(max_length=50)]
    round_label: Annotated[str, msgspec.Meta(max_length=100)] = ""
    members: Annotated[list[MemberSpec], msgspec.Meta(max_length=30)] = msgspec.field(
        default_factory=list)


class DecisionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The host county's decision; a refusal needs a reason. ``members``: the host's own
    people on the team (for the posts the city's rule gives the host)."""

    accept: bool
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""
    members: Annotated[list[MemberSpec], msgspec.Meta(max_length=30)] = msgspec.field(
        default_factory=list)


class ResubmitIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Submitting a declined assignment again; ``members`` (when given) replace the sending
    county's people, ``note`` says what changed."""

    members: Annotated[list[MemberSpec], msgspec.Meta(max_length=30)] | None = None
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class CancelIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The city's cancellation of an assignment; the reason is required."""

    reason: Annotated[str, msgspec.Meta(max_length=500)]


class CrossOut(msgspec.Struct, kw_only=True):
    """An assignment as any party sees it; ``role`` says this tenant's part in it."""

    id: int
    title: str
    round_label: str
    team_county: str
    team_county_name: str
    host_county: str
    host_county_name: str
    targets: list[TargetOrg]
    status: str
    status_label: str
    reason: str
    assigned_on: date
    members: list[CrossMember] = msgspec.field(default_factory=list)
    posts: dict[str, str] = msgspec.field(default_factory=dict)
    role: str = "city"
    inspection_id: int | None = None
    note: str = ""
    attempt: int = 1
    cancelled_on: date | None = None
    guests: list[GuestOut] = msgspec.field(default_factory=list)


def _out(row: Mapping[str, Any], names: Mapping[str, str], role: str = "city") -> CrossOut:
    return CrossOut(
        id=row["id"], title=row["title"], round_label=row["round_label"],
        team_county=row["team_county"],
        team_county_name=names.get(row["team_county"], row["team_county"]),
        host_county=row["host_county"],
        host_county_name=names.get(row["host_county"], row["host_county"]),
        targets=msgspec.convert(row["targets"] or [], list[TargetOrg]), status=row["status"],
        status_label=CROSS_STATUS_LABELS.get(row["status"], row["status"]),
        reason=row["reason"], assigned_on=row["assigned_on"], role=role,
        members=msgspec.convert(row.get("members") or [], list[CrossMember]),
        posts=dict(row.get("posts") or {}), attempt=int(row.get("attempt") or 1),
        cancelled_on=row.get("cancelled_on"))


def _announce(work: Work, row: Mapping[str, Any], names: Mapping[str, str]) -> None:
    out = _out(row, names)
    event = CrossAssigned(
        cross_id=out.id, title=out.title, round_label=out.round_label,
        team_county=out.team_county, team_county_name=out.team_county_name,
        host_county=out.host_county, host_county_name=out.host_county_name,
        targets=out.targets, status=out.status, reason=out.reason, assigned_on=out.assigned_on,
        members=out.members, posts=out.posts, attempt=out.attempt,
        cancelled_on=out.cancelled_on)
    for county in (out.host_county, out.team_county):
        work.emit(event, to=county)


async def assign_cross(work: Work, data: CrossIn, counties: Mapping[str, str]) -> CrossOut:
    """Assign ``team_county``'s team to ``host_county``'s orgs; both counties are told.

    Raises:
        Forbidden: the tenant is a county.
        Invalid: a county inspecting itself, unknown counties or orgs, empty title, a
            person in a post the city's rule gives the host county.
        Conflict: an org under the city's elevated inspection of the same round.
    """
    require_city(work.tenant)
    errors = []
    if not data.title.strip():
        errors.append(FieldError("title", "请填写交叉巡察名称"))
    if data.team_county not in counties:
        errors.append(FieldError("team_county",
                                 f"不是本市所辖的县（市、区）：{data.team_county[:64]}"))
    if data.team_county == data.host_county:
        errors.append(FieldError("host_county", "不能安排本县巡察组交叉巡察本县"))
    posts = posts_of(work.tenant.settings)
    errors.extend(FieldError("members", reason) for reason in post_refusals(
        posts, [(m.name, m.role.value) for m in data.members], "team"))
    if errors:
        raise Invalid(errors)
    targets = await check_targets(work, data.host_county, data.org_ids, "host_county",
                                  counties)
    round_label = data.round_label.strip()
    async with work.transaction():
        elevated = await work.session.list(ElevatedInspection, {
            "county": data.host_county, "round_label": round_label, "status__ne": "withdrawn"},
            limit=None)
        taken = {t["org_id"]: r["title"] for r in elevated if not r["allow_county"]
                 for t in r["targets"] or []}
        clash = [f"{t.name}（已在市委提级巡察“{taken[t.org_id]}”中）" for t in targets
                 if t.org_id in taken]
        if clash:
            raise Conflict([FieldError("org_ids", "同一轮次中下列对象已由市委提级巡察，"
                                       "不能再安排交叉巡察：" + "、".join(clash))])
        (cross_id,) = await work.session.insert(CrossAssignment, [{
            "title": data.title.strip(), "round_label": round_label,
            "team_county": data.team_county, "host_county": data.host_county,
            "targets": msgspec.to_builtins(targets), "assigned_on": work.clock.today(),
            "members": [{"person": m.person, "name": m.name, "role": m.role.value}
                        for m in data.members], "posts": posts,
            "created_by": work.actor[:128]}])
        row = await work.session.get(CrossAssignment, cross_id)
        assert row is not None
        await work.audit("cross.assign", "cross_assignment", cross_id, {
            "team_county": data.team_county, "host_county": data.host_county,
            "org_ids": [t.org_id for t in targets]})
        _announce(work, row, counties)
    return _out(row, counties)


async def cross_board(work: Work, counties: Mapping[str, str]) -> list[CrossOut]:
    """The city's assignment board: who inspects whom, and where each stands."""
    require_city(work.tenant)
    rows = await work.session.list(CrossAssignment, order_by=("-id",), limit=500)
    return [_out(r, counties) for r in rows]


async def take_decision(work: Work, origin: str, decided: CrossDecided,
                        counties: Mapping[str, str]) -> None:
    """Keep the host county's decision on the city's row and tell both counties (its host
    only, once: a later decision changes nothing)."""
    rows = await work.session.list(CrossAssignment, {
        "id": decided.cross_id, "host_county": origin, "status": "proposed",
        "attempt": decided.attempt}, limit=1)
    if not rows:
        return
    await work.session.update(CrossAssignment, {"id": rows[0]["id"]}, {
        "status": "accepted" if decided.accepted else "declined",
        "reason": decided.reason, "decided_on": decided.decided_on})
    row = await work.session.get(CrossAssignment, rows[0]["id"])
    assert row is not None
    await work.audit("cross.decided", "cross_assignment", row["id"],
                     {"host_county": origin, "accepted": decided.accepted,
                      "attempt": decided.attempt})
    _announce(work, row, counties)


def _told(row: Mapping[str, Any]) -> CrossAssigned | None:
    try:
        return msgspec.convert(row["data"], CrossAssigned, strict=False)
    except msgspec.ValidationError:
        return None


def _decision_for(rows: list[dict[str, Any]], told: CrossAssigned) -> dict[str, Any] | None:
    """The host's decision on the current submission, or (for a cancelled assignment) its
    acceptance, whose inspection the cancellation ended."""
    mine = next((r for r in rows if r["cross_id"] == told.cross_id), None)
    if mine is None or mine["attempt"] == told.attempt or (
            told.status == "cancelled" and mine["accepted"]):
        return mine
    return None


async def received_cross(work: Work) -> list[CrossOut]:
    """The assignments the county hosts or sends a team to (its own decision applied;
    the host sees the guest accounts it made)."""
    origin = require_county(work.tenant)
    rows = await work.session.list(Replica, {"kind": "cross", "origin": origin}, limit=None)
    decisions = await work.session.list(CrossDecision, {"origin": origin}, limit=None)
    guests = await guests_of(work.session)
    out = []
    for told in filter(None, map(_told, rows)):
        role = "host" if told.host_county == work.tenant.code else "team"
        row = {**msgspec.to_builtins(told), "id": told.cross_id,
               "targets": msgspec.to_builtins(told.targets)}
        mine = _decision_for(decisions, told) if role == "host" else None
        if mine is not None and told.status == "proposed" and mine["attempt"] == told.attempt:
            row["status"] = "accepted" if mine["accepted"] else "declined"
            row["reason"] = mine["reason"]
        row["assigned_on"], row["cancelled_on"] = told.assigned_on, told.cancelled_on
        names = {told.team_county: told.team_county_name,
                 told.host_county: told.host_county_name}
        found = _out(row, names, role)
        if mine is not None:
            found.inspection_id, found.note = mine["inspection_id"], mine["note"]
            found.guests = [g for g in guests if g.cross_id == told.cross_id]
        out.append(found)
    out.sort(key=lambda r: r.id, reverse=True)
    return out


async def _refuse_override() -> None:
    raise Forbidden("交叉巡察组成员存在回避情形，请在巡察任务中另行处理")


async def _authorise(work: Work, runtime: Runtime, told: CrossOut,
                     own: list[MemberSpec]) -> tuple[int, str]:
    """The host's own inspection of the targets, with the sending county's people on its
    team (their access follows the inspection: 一次一授权); returns it and a note of
    who could not be put on it.

    One deployment serving both counties puts the people on the team with their own
    accounts; a deployment of its own makes guest accounts for them (:mod:`.guests`)."""
    rounds = await list_rounds(work.session)
    if not rounds:
        raise Conflict.on("cross_id", "本县尚未建立巡察轮次，请先建立轮次再同意交叉巡察")
    same_year = [r for r in rounds if r["year"] == work.clock.today().year]
    active = {o["id"] for o in await list_orgs(work.session)}
    org_ids = [t.org_id for t in told.targets if t.org_id in active]
    if not org_ids:
        raise Conflict.on("cross_id", "巡察对象已不在本县机构名录中")
    inspection_id = await create_inspection(
        work, round_id=(same_year or rounds)[-1]["id"], kind="cross", org_ids=org_ids,
        title=f"交叉巡察：{told.title}"[:200],
        team_name=f"{told.team_county_name}巡察组"[:64])
    missing = []
    await runtime.tenants.refresh()
    if await runtime.tenants.get(told.team_county) is None:
        missing = await open_guests(work, runtime, cross_id=told.id, attempt=told.attempt,
                                    team_county=told.team_county,
                                    inspection_id=inspection_id, members=told.members)
    else:
        for member in told.members:
            try:
                await add_member(work, inspection_id, MemberIn(
                    person=member.person, name=member.name, role=TeamRole(member.role),
                    home_tenant=told.team_county), db=runtime.db, tenants=runtime.tenants,
                    approve_override=_refuse_override)
            except DomainError:
                missing.append(member.name)
    for spec in own:  # the host's own people: errors refuse the acceptance
        await add_member(work, inspection_id, MemberIn(
            person=spec.person, name=spec.name, role=spec.role,
            home_tenant=work.tenant.code), db=runtime.db, tenants=runtime.tenants,
            approve_override=_refuse_override)
    note = (f"以下人员未能加入巡察组（账号无法建立或存在回避情形）：{'、'.join(missing)}"
            if missing else "")
    return inspection_id, note


async def decide_cross(work: Work, cross_id: int, data: DecisionIn,
                       runtime: Runtime) -> CrossOut:
    """The host county accepts or declines with a reason; once per submission.

    Accepting authorises the team: the host's own inspection of the targets (kind
    ``cross``) with the sending county's people on its team (guest accounts when this
    deployment does not serve their county), so they reach that inspection's data here
    only while it runs.

    Raises:
        NotFound: no such assignment for this county as host.
        Invalid: a refusal without a reason; a person in a post the city's rule gives
            the other side (the sending county's people as assigned, or the host's own).
        Conflict: decided already, or cancelled; no round to file the inspection under.
    """
    origin = require_county(work.tenant)
    mine = next((c for c in await received_cross(work) if c.id == cross_id), None)
    if mine is None or mine.role != "host":
        raise NotFound("本县不是该交叉巡察的被巡察方，或未收到该安排")
    if mine.status == "cancelled":
        raise Conflict.on("cross_id", "市委已取消该交叉巡察安排")
    if not data.accept and not data.reason.strip():
        raise Invalid.on("reason", "拒绝时请说明理由")
    if data.accept:
        refusals = post_refusals(mine.posts, [(m.name, m.role) for m in mine.members], "team")
        refusals += post_refusals(mine.posts, [(m.name, m.role.value) for m in data.members],
                                  "host")
        if refusals:
            raise Invalid([FieldError("members", reason) for reason in refusals])
    today = work.clock.today()
    async with work.transaction():
        held = await work.session.list(CrossDecision, {
            "origin": origin, "cross_id": cross_id}, limit=1)
        if (held and held[0]["attempt"] >= mine.attempt) or mine.status != "proposed":
            raise Conflict.on("cross_id", "已对该交叉巡察安排作出决定")
        inspection_id, note = (await _authorise(work, runtime, mine, data.members)
                               if data.accept else (None, ""))
        values = {"accepted": data.accept, "reason": data.reason.strip(), "decided_on": today,
                  "attempt": mine.attempt, "inspection_id": inspection_id, "note": note,
                  "decided_by": work.actor[:128]}
        if held:  # the refusal of an earlier submission gives way to this answer
            changed = await work.session.update(CrossDecision, {
                "id": held[0]["id"], "attempt": held[0]["attempt"]}, values)
            if not changed:
                raise Conflict.on("cross_id", "已对该交叉巡察安排作出决定")
        else:
            await work.session.insert(CrossDecision, [{
                "origin": origin, "cross_id": cross_id, **values}])
        await work.audit("cross.decide", "cross_assignment", cross_id,
                         {"accepted": data.accept, "reason": data.reason.strip(),
                          "inspection_id": inspection_id, "attempt": mine.attempt})
        work.emit(CrossDecided(cross_id=cross_id, accepted=data.accept,
                               reason=data.reason.strip(), decided_on=today,
                               attempt=mine.attempt))
    return next(c for c in await received_cross(work) if c.id == cross_id)


async def _load(work: Work, cross_id: int) -> dict[str, Any]:
    row = await work.session.get(CrossAssignment, cross_id)
    if row is None:
        raise NotFound("交叉巡察安排不存在")
    return row


async def resubmit_cross(work: Work, cross_id: int, data: ResubmitIn,
                         counties: Mapping[str, str]) -> CrossOut:
    """Submit a declined assignment again (the host decides anew); both counties are told.

    Raises:
        Forbidden: the tenant is a county.
        NotFound: no such assignment of the city.
        Invalid: a person in a post the city's rule gives the host county.
        Conflict: the assignment is not declined (still awaiting, accepted, cancelled).
    """
    require_city(work.tenant)
    async with work.transaction():
        row = await _load(work, cross_id)
        if row["status"] != "declined":
            raise Conflict.on("cross_id", "只有被巡察县已拒绝的安排才能重新提交")
        values: dict[str, Any] = {"status": "proposed", "reason": "", "decided_on": None,
                                  "attempt": int(row["attempt"] or 1) + 1}
        if data.members is not None:
            refusals = post_refusals(dict(row["posts"] or {}), [
                (m.name, m.role.value) for m in data.members], "team")
            if refusals:
                raise Invalid([FieldError("members", reason) for reason in refusals])
            values["members"] = [{"person": m.person, "name": m.name, "role": m.role.value}
                                 for m in data.members]
        changed = await work.session.update(
            CrossAssignment, {"id": cross_id, "status": "declined"}, values)
        if not changed:
            raise Conflict.on("cross_id", "该安排已被他人修改，请刷新后重试")
        row = await _load(work, cross_id)
        await work.audit("cross.resubmit", "cross_assignment", cross_id, {
            "attempt": row["attempt"], "note": data.note.strip(),
            "members_changed": data.members is not None})
        _announce(work, row, counties)
    return _out(row, counties)


async def cancel_cross(work: Work, cross_id: int, data: CancelIn,
                       counties: Mapping[str, str]) -> CrossOut:
    """Cancel an assignment with a reason; both counties are told, and the host ends the
    team's access (its guest accounts included).

    Raises:
        Forbidden: the tenant is a county.
        NotFound: no such assignment of the city.
        Invalid: no reason.
        Conflict: cancelled already.
    """
    require_city(work.tenant)
    reason = data.reason.strip()
    if not reason:
        raise Invalid.on("reason", "取消时请说明理由")
    async with work.transaction():
        row = await _load(work, cross_id)
        changed = await work.session.update(
            CrossAssignment, {"id": cross_id, "status__ne": "cancelled"},
            {"status": "cancelled", "reason": reason, "cancelled_on": work.clock.today()})
        if not changed:
            raise Conflict.on("cross_id", "该交叉巡察安排已取消")
        row = await _load(work, cross_id)
        await work.audit("cross.cancel", "cross_assignment", cross_id, {"reason": reason})
        _announce(work, row, counties)
    return _out(row, counties)


async def end_cancelled(work: Work, origin: str, told: CrossAssigned) -> int | None:
    """The host's side of a cancellation from its city: release the team of the inspection
    it made on acceptance (access ends now) and mark its guests for closing. Returns the
    inspection released, if any."""
    if told.status != "cancelled" or told.host_county != work.tenant.code:
        return None
    decisions = await work.session.list(CrossDecision, {
        "origin": origin, "cross_id": told.cross_id, "accepted": True}, limit=None)
    released = None
    for decision in decisions:
        if decision["inspection_id"] is None:
            continue
        await release_team(work, decision["inspection_id"])
        await work.audit("cross.cancelled", "inspection", decision["inspection_id"], {
            "cross_id": told.cross_id, "reason": told.reason})
        released = decision["inspection_id"]
    await mark_cancelled(work.session, told.cross_id)
    return released


async def stage_refusals(work: Work, inspection_id: int, kind: str) -> list[str]:
    """Why the host's cross inspection may not move on: the city cancelled its assignment
    (its team was released; moving on would authorise the places never authorised)."""
    if kind != "cross" or not work.tenant.parent_code:
        return []
    decisions = await work.session.list(CrossDecision, {"inspection_id": inspection_id},
                                        limit=1)
    if not decisions:
        return []
    told = await work.session.list(Replica, {
        "kind": "cross", "origin": work.tenant.parent_code,
        "key": str(decisions[0]["cross_id"])}, limit=1)
    assignment = _told(told[0]) if told else None
    if assignment is not None and assignment.status == "cancelled":
        return ["市委已取消该交叉巡察安排，巡察任务不能继续推进"]
    return []
