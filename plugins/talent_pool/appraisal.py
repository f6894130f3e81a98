"""Appraisal of team members after a round (巡察干部考核).

After a round the office grades every member of the round's teams 优秀, 称职,
基本称职 or 不称职. A member is appraised only once the inspection has left
the on-site stage (``onsite``; i.e. from ``withdrawn`` on, DOMAIN.md). At
most 20% of the round's team members may be 优秀 (:func:`excellent_limit`).
An appraisal is stored with the team member and, when the member is a person
of the pool (same key, home tenant this tenant), on that person; every
change is audited. Other plugins read the appraisals through the core's
``xuncha_cadre_appraisals`` hook (:func:`inspection_appraisals`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from core.api import (
    TEAM_ROLE_LABELS,
    CadreAppraisal,
    Conflict,
    FieldError,
    Inspection,
    Invalid,
    NotFound,
    Round,
    Stage,
    TeamMember,
    TeamRole,
    TenantSession,
    Work,
    stage_rank,
)
from plugins.talent_pool.model import EXCELLENT_PERCENT, GRADE_LABELS, Grade
from plugins.talent_pool.tables import TalentAppraisal, TalentPerson

__all__ = [
    "AppraisalIn",
    "AppraisalsIn",
    "appraisable",
    "appraise",
    "excellent_limit",
    "inspection_appraisals",
    "person_appraisals",
    "round_label",
    "round_sheet",
]


class AppraisalIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The grade of one team member (``member_id`` of the core's team)."""

    member_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
    grade: Grade
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class AppraisalsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Grades of some of a round's team members (the others stay as they are)."""

    appraisals: Annotated[list[AppraisalIn], msgspec.Meta(min_length=1, max_length=500)]


def excellent_limit(members: int) -> int:
    """How many of ``members`` team members of a round may be graded 优秀.

    The rule offices use: 20% of the round's team members, rounded down
    (``floor(0.2 × n)``, in integers), but at least 1 when the round has any member, so a
    small round can still name one outstanding cadre: 1-9 members → 1,
    10-14 → 2, 15-19 → 3, 20 → 4; no member → 0.
    """
    if members <= 0:
        return 0
    return max(1, members * EXCELLENT_PERCENT // 100)


def appraisable(stage: str) -> bool:
    """Whether an inspection at ``stage`` has left the on-site stage (考核 may start)."""
    return stage_rank(stage) > stage_rank(Stage.onsite.value)


def round_label(row: Mapping[str, Any]) -> str:
    """A round's name, or ``<year>年第<n>轮``."""
    return str(row.get("name") or f"{row['year']}年第{row['number']}轮")


async def _round(session: TenantSession, round_id: int) -> dict[str, Any]:
    row = await session.get(Round, round_id)
    if row is None:
        raise NotFound("轮次不存在")
    return row


async def round_sheet(work: Work, round_id: int) -> dict[str, Any]:
    """The round's inspections, each with its members and their appraisals, and the cap.

    Raises:
        NotFound: no such round in this tenant.
    """
    session = work.session
    found = await _round(session, round_id)
    inspections = await session.list(Inspection, {"round_id": round_id}, order_by=("id",),
                                     limit=None)
    ids = [i["id"] for i in inspections]
    members = await session.list(TeamMember, {"inspection_id": ids}, order_by=("id",),
                                 limit=None) if ids else []
    graded = {a["member_id"]: a for a in await session.list(
        TalentAppraisal, {"round_id": round_id}, limit=None)}
    linked = await _pool_ids(session, work.tenant.code, members)
    order = {TeamRole.leader.value: 0, TeamRole.deputy.value: 1, TeamRole.member.value: 2}
    out = []
    for insp in inspections:
        own = sorted((m for m in members if m["inspection_id"] == insp["id"]),
                     key=lambda m: (order.get(m["role"], 3), m["id"]))
        out.append({"id": insp["id"], "title": insp["title"], "stage": insp["stage"],
                    "open": appraisable(insp["stage"]),
                    "members": [_member_out(m, graded.get(m["id"]), linked) for m in own]})
    excellent = sum(1 for a in graded.values() if a["grade"] == Grade.excellent.value)
    return {"round": {"id": found["id"], "label": round_label(found)},
            "inspections": out, "members": len(members),
            "limit": excellent_limit(len(members)), "excellent": excellent}


def _member_out(member: Mapping[str, Any], graded: Mapping[str, Any] | None,
                linked: Mapping[tuple[str, str], int]) -> dict[str, Any]:
    role = member["role"]
    return {
        "member_id": member["id"], "name": member["name"], "person": member["person"],
        "role": role, "role_label": TEAM_ROLE_LABELS.get(TeamRole(role), role)
        if role in TeamRole.__members__ else role,
        "person_id": linked.get((member["home_tenant"], member["person"])),
        "grade": graded["grade"] if graded else "",
        "grade_label": GRADE_LABELS[Grade(graded["grade"])] if graded else "",
        "note": graded["note"] if graded else "",
    }


async def _pool_ids(session: TenantSession, tenant: str, members: list[dict[str, Any]]
                    ) -> dict[tuple[str, str], int]:
    """(home tenant, key) -> the pool person of the members who are persons of this pool."""
    keys = [m["person"] for m in members if m["home_tenant"] == tenant]
    if not keys:
        return {}
    rows = await session.list(TalentPerson, {"person_key": keys}, limit=None)
    return {(tenant, r["person_key"]): int(r["id"]) for r in rows}


async def appraise(work: Work, round_id: int, data: AppraisalsIn) -> dict[str, Any]:
    """Record (or change) grades of members of the round's teams, all or nothing.

    Raises:
        NotFound: no such round.
        Invalid: a member not on a team of the round, the same member twice,
            more 优秀 than :func:`excellent_limit` allows for the round.
        Conflict: an inspection still before or in its on-site stage.
    """
    ids = [a.member_id for a in data.appraisals]
    if len(set(ids)) != len(ids):
        raise Invalid.on("appraisals", "同一名成员在一次提交中出现了多次")
    now = work.clock.now()
    async with work.transaction():
        session = work.session
        await _round(session, round_id)
        inspections = {i["id"]: i for i in await session.list(
            Inspection, {"round_id": round_id}, limit=None)}
        members = await session.list(TeamMember, {"inspection_id": list(inspections)},
                                     limit=None) if inspections else []
        by_id = {m["id"]: m for m in members}
        errors = [FieldError(f"appraisals[{i}].member_id", "此人不是本轮巡察组成员")
                  for i, a in enumerate(data.appraisals) if a.member_id not in by_id]
        if errors:
            raise Invalid(errors)
        for a in data.appraisals:
            insp = inspections[by_id[a.member_id]["inspection_id"]]
            if not appraisable(insp["stage"]):
                raise Conflict.on("appraisals", f"“{insp['title']}”尚未结束进驻（撤离）"
                                  "，巡察组成员须在撤离后考核")
        existing = {a["member_id"]: a for a in await session.list(
            TalentAppraisal, {"round_id": round_id}, limit=None)}
        grades = {k: v["grade"] for k, v in existing.items()}
        grades.update({a.member_id: a.grade.value for a in data.appraisals})
        _check_cap(len(members), sum(1 for g in grades.values()
                                     if g == Grade.excellent.value))
        linked = await _pool_ids(session, work.tenant.code, [by_id[i] for i in ids])
        for a in data.appraisals:
            await _store(work, round_id, by_id[a.member_id], a, existing.get(a.member_id),
                         linked, now)
    return await round_sheet(work, round_id)


def _check_cap(members: int, excellent: int) -> None:
    limit = excellent_limit(members)
    if excellent > limit:
        raise Invalid.on("appraisals", (
            f"本轮巡察组成员共 {members} 人，评为“优秀”的不超过 {limit} 人"
            f"（20%，向下取整，至少 1 人），本次提交后将有 {excellent} 人评为“优秀”，"
            "请调整后再提交"))


async def _store(work: Work, round_id: int, member: Mapping[str, Any], data: AppraisalIn,
                 before: Mapping[str, Any] | None, linked: Mapping[tuple[str, str], int],
                 now: Any) -> None:
    person_id = linked.get((member["home_tenant"], member["person"]))
    values = {"round_id": round_id, "inspection_id": member["inspection_id"],
              "member_id": member["id"], "person_id": person_id, "person": member["person"],
              "home_tenant": member["home_tenant"], "member_name": member["name"],
              "team_role": member["role"], "grade": data.grade.value, "note": data.note.strip(),
              "appraised_by": work.actor[:128], "appraised_at": now}
    if before is None:
        await work.session.insert(TalentAppraisal, [values])
    elif before["grade"] == values["grade"] and before["note"] == values["note"]:
        return
    else:
        await work.session.update(TalentAppraisal, {"id": before["id"]}, values)
    detail = {"round_id": round_id, "inspection_id": member["inspection_id"],
              "member_id": member["id"], "grade": data.grade.value,
              "before": before["grade"] if before else None}
    if person_id is not None:
        await work.audit("talent.appraisal", "talent_person", person_id, detail)
    else:
        await work.audit("talent.appraisal", "team_member", member["id"], detail)


async def person_appraisals(session: TenantSession, person_id: int) -> list[dict[str, Any]]:
    """A pool person's appraisals, newest round first, with round and inspection names."""
    rows = await session.list(TalentAppraisal, {"person_id": person_id},
                              order_by=("-round_id", "-id"), limit=None)
    if not rows:
        return []
    rounds = {r["id"]: round_label(r) for r in await session.list(
        Round, {"id": list({r["round_id"] for r in rows})}, limit=None)}
    titles = {i["id"]: i["title"] for i in await session.list(
        Inspection, {"id": list({r["inspection_id"] for r in rows})}, limit=None)}
    return [{"round_id": r["round_id"], "round": rounds.get(r["round_id"], ""),
             "inspection_id": r["inspection_id"],
             "inspection": titles.get(r["inspection_id"], ""),
             "role_label": TEAM_ROLE_LABELS.get(TeamRole(r["team_role"]), r["team_role"])
             if r["team_role"] in TeamRole.__members__ else r["team_role"],
             "grade": r["grade"], "grade_label": GRADE_LABELS[Grade(r["grade"])],
             "note": r["note"], "appraised_at": r["appraised_at"]} for r in rows]


async def inspection_appraisals(work: Work, inspection_id: int) -> list[CadreAppraisal]:
    """The appraisals of an inspection's team members (the ``xuncha_cadre_appraisals``
    answer); ``account`` is none for a generated pool key (``tp-...``)."""
    rows = await work.session.list(TalentAppraisal, {"inspection_id": inspection_id},
                                   order_by=("id",), limit=None)
    return [CadreAppraisal(
        inspection_id=inspection_id, member_name=r["member_name"],
        account=None if r["person"].startswith("tp-") else r["person"],
        team_role=r["team_role"], grade=r["grade"],
        grade_label=GRADE_LABELS[Grade(r["grade"])], note=r["note"],
        appraised_at=r["appraised_at"]) for r in rows]
