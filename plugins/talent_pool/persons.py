"""People of the pool: entry (nomination or self-nomination → eligibility check →
leading-group approval), their record and its lines, leaving with a reason.

Every write runs in one transaction with an audit entry. A person's full
record is personal data: :func:`read_record` audits each read
(``talent.record.read``); lists (:func:`list_persons`) carry only what the
roster needs (no birth date, phone, relatives or history).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

import msgspec

from core.api import Conflict, FieldError, Invalid, NotFound, Org, TenantSession, Work
from plugins.talent_pool.appraisal import person_appraisals
from plugins.talent_pool.model import (
    MAX_AGE_SETTING,
    MIN_PARTY_YEARS_SETTING,
    REQUIRE_PARTY_SETTING,
    HistoryKind,
    Nomination,
    Political,
    Pool,
    RelationKind,
    Status,
    specialty_options,
)
from plugins.talent_pool.secondment import person_secondments
from plugins.talent_pool.tables import (
    TalentAvailability,
    TalentHistory,
    TalentPerson,
    TalentRelation,
)

__all__ = [
    "AvailabilityIn",
    "Decision",
    "HistoryIn",
    "Leave",
    "PersonIn",
    "PersonPatch",
    "RelationIn",
    "add_line",
    "check_eligibility",
    "decide",
    "delete_line",
    "eligibility_reasons",
    "leave",
    "list_persons",
    "load_person",
    "nominate",
    "read_record",
    "recheck",
    "resolve_org",
    "update_person",
    "validate_person",
    "years_between",
]

Key = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[\w.@-]+$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Unit = Annotated[str, msgspec.Meta(max_length=200)]
Short = Annotated[str, msgspec.Meta(max_length=100)]
Text = Annotated[str, msgspec.Meta(max_length=2000)]
UNSET: Any = msgspec.UNSET


class PersonIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A nomination (组织推荐), a self-nomination (个人自荐: the person is the account
    nominating, ``person_key`` is theirs) or an imported roster line."""

    name: Name
    kind: Nomination = Nomination.nomination
    person_key: Key | None = None
    gender: Annotated[str, msgspec.Meta(max_length=8)] = ""
    birth_date: date | None = None
    political_status: Political = Political.cpc
    party_joined_on: date | None = None
    home_unit: Unit = ""
    post: Short = ""
    rank: Annotated[str, msgspec.Meta(max_length=64)] = ""
    phone: Annotated[str, msgspec.Meta(max_length=32)] = ""
    specialties: Annotated[list[Annotated[str, msgspec.Meta(max_length=32)]],
                           msgspec.Meta(max_length=20)] = []
    pools: Annotated[list[Pool], msgspec.Meta(max_length=4)] = []
    reason: Text = ""
    note: Text = ""


class PersonPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to a person's record (fields left out stay as they are)."""

    name: Name | msgspec.UnsetType = UNSET
    gender: Annotated[str, msgspec.Meta(max_length=8)] | msgspec.UnsetType = UNSET
    birth_date: date | msgspec.UnsetType | None = UNSET
    political_status: Political | msgspec.UnsetType = UNSET
    party_joined_on: date | msgspec.UnsetType | None = UNSET
    home_unit: Unit | msgspec.UnsetType = UNSET
    post: Short | msgspec.UnsetType = UNSET
    rank: Annotated[str, msgspec.Meta(max_length=64)] | msgspec.UnsetType = UNSET
    phone: Annotated[str, msgspec.Meta(max_length=32)] | msgspec.UnsetType = UNSET
    specialties: Annotated[list[Annotated[str, msgspec.Meta(max_length=32)]],
                           msgspec.Meta(max_length=20)] | msgspec.UnsetType = UNSET
    pools: Annotated[list[Pool], msgspec.Meta(max_length=4)] | msgspec.UnsetType = UNSET
    note: Text | msgspec.UnsetType = UNSET


class HistoryIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A line of work or study history."""

    kind: HistoryKind
    unit: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    post: Short = ""
    start_date: date | None = None
    end_date: date | None = None


class RelationIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A relative, or a former superior or subordinate, and where they work."""

    kind: RelationKind
    name: Name
    unit: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    post: Short = ""
    start_date: date | None = None
    end_date: date | None = None


class AvailabilityIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A period in which the person can join a team."""

    start_date: date
    end_date: date
    note: Annotated[str, msgspec.Meta(max_length=200)] = ""


class Decision(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The leading group's decision on a nomination."""

    approve: bool
    note: Text = ""


class Leave(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Taking a person out of the pool, with the reason."""

    reason: Annotated[str, msgspec.Meta(min_length=2, max_length=500)]


LINES: dict[str, type[Any]] = {"history": TalentHistory, "relations": TalentRelation,
                               "availability": TalentAvailability}
LINE_LABELS = {"history": "经历", "relations": "社会关系", "availability": "可参加时段"}


def years_between(start: date, end: date) -> int:
    """Whole years from ``start`` to ``end`` (an age, a party standing)."""
    years = end.year - start.year
    return years - 1 if (end.month, end.day) < (start.month, start.day) else years


def eligibility_reasons(person: Mapping[str, Any], settings: Mapping[str, Any],
                        today: date) -> list[str]:
    """Why ``person`` does not meet the tenant's entry rules (empty: eligible).

    The rules are tenant settings: membership of the Party (special
    inspectors 特约巡察员 only are exempt), a minimum Party standing in years
    and a maximum age (0 turns a rule off).
    """
    reasons: list[str] = []
    pools = set(person.get("pools") or [])
    exempt = bool(pools) and pools <= {Pool.special.value}
    member = person.get("political_status") == Political.cpc.value
    if settings.get(REQUIRE_PARTY_SETTING) and not exempt and not member:
        reasons.append("政治面貌须为中共正式党员（特约巡察员除外）")
    min_years = int(settings.get(MIN_PARTY_YEARS_SETTING) or 0)
    if min_years and member and not exempt:
        joined = person.get("party_joined_on")
        if joined is None:
            reasons.append("未填写入党时间，无法核对党龄")
        elif years_between(joined, today) < min_years:
            reasons.append(f"党龄不足 {min_years} 年")
    max_age = int(settings.get(MAX_AGE_SETTING) or 0)
    if max_age:
        born = person.get("birth_date")
        if born is None:
            reasons.append("未填写出生日期，无法核对年龄")
        elif years_between(born, today) > max_age:
            reasons.append(f"年龄超过 {max_age} 周岁")
    return reasons


def validate_person(values: Mapping[str, Any], settings: Mapping[str, Any],
                    today: date) -> list[FieldError]:
    """Field refusals of a person's values: specialties the tenant uses, at least one
    pool, dates not in the future."""
    errors = []
    known = {code for code, _ in specialty_options(settings)}
    for value in values.get("specialties") or []:
        if value not in known:
            errors.append(FieldError(
                "specialties", f"专业特长“{value[:32]}”不在本机构的专业特长目录中"))
            break
    if "pools" in values and not values["pools"]:
        errors.append(FieldError("pools", "请至少选择一个入库类别"))
    for name, label in (("birth_date", "出生日期"), ("party_joined_on", "入党时间")):
        day = values.get(name)
        if day is not None and day > today:
            errors.append(FieldError(name, f"{label}不能晚于今天"))
    born, joined = values.get("birth_date"), values.get("party_joined_on")
    if born is not None and joined is not None and joined < born:
        errors.append(FieldError("party_joined_on", "入党时间不能早于出生日期"))
    return errors


async def resolve_org(session: TenantSession, unit: str) -> int | None:
    """The id of the tenant's org named (or coded) ``unit``, if there is one."""
    unit = unit.strip()
    if not unit:
        return None
    for column in ("name", "code"):
        rows = await session.list(Org, {column: unit}, limit=1)
        if rows:
            return int(rows[0]["id"])
    return None


async def load_person(session: TenantSession, person_id: int) -> dict[str, Any]:
    """The tenant's person or 404."""
    row = await session.get(TalentPerson, person_id)
    if row is None:
        raise NotFound("人才库中没有此人")
    return row


def _stored(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, list):
            out[key] = [str(v) for v in dict.fromkeys(value)]
        elif isinstance(value, Political | Pool | Nomination):
            out[key] = value.value
        else:
            out[key] = value
    return out


async def nominate(work: Work, data: PersonIn) -> dict[str, Any]:
    """Put a person forward: the eligibility check runs at once; an eligible person waits
    for the leading group (``pending``), the others are ``ineligible`` with the reasons.

    Raises:
        Invalid: an unknown specialty, no pool, a date in the future.
        Conflict: the person is already in the pool or waiting.
    """
    today = work.clock.today()
    values = _stored({k: v for k, v in msgspec.structs.asdict(data).items()
                      if k not in ("kind", "reason", "person_key")})
    errors = validate_person(values, work.tenant.settings, today)
    if errors:
        raise Invalid(errors)
    key = data.person_key
    if data.kind == Nomination.self:
        key = work.actor[:64]
    key = key or f"tp-{secrets.token_hex(5)}"
    async with work.transaction():
        same = await work.session.list(TalentPerson, {"person_key": key}, limit=1)
        if same and same[0]["status"] in (Status.pending, Status.active, Status.ineligible):
            raise Conflict.on("person_key", f"{same[0]['name']}已在人才库中或正在审批")
        reasons = eligibility_reasons(values, work.tenant.settings, today)
        row = {**values, "person_key": key,
               "home_org_id": await resolve_org(work.session, data.home_unit),
               "status": (Status.ineligible if reasons else Status.pending).value,
               "nomination_kind": data.kind.value, "nominated_by": work.actor,
               "nominated_on": today, "nomination_reason": data.reason,
               "eligibility": reasons, "created_at": work.clock.now(),
               "updated_at": work.clock.now()}
        if same:  # came back after leaving or a refusal: the same record, a new entry
            person_id = int(same[0]["id"])
            await work.session.update(TalentPerson, {"id": person_id}, {
                **row, "decided_by": "", "decided_on": None, "decision_note": "",
                "left_on": None, "leave_reason": ""})
        else:
            (person_id,) = await work.session.insert(TalentPerson, [row])
        await work.audit("talent.nominate", "talent_person", person_id, {
            "kind": data.kind.value, "status": row["status"], "eligibility": reasons})
    return await load_person(work.session, person_id)


async def check_eligibility(work: Work, person: dict[str, Any]) -> list[str]:
    """Run the eligibility check again on a waiting or refused nomination (after its
    record was completed); moves it between ``pending`` and ``ineligible``."""
    if person["status"] not in (Status.pending, Status.ineligible):
        return list(person["eligibility"] or [])
    reasons = eligibility_reasons(person, work.tenant.settings, work.clock.today())
    status = (Status.ineligible if reasons else Status.pending).value
    await work.session.update(TalentPerson, {"id": person["id"]}, {
        "eligibility": reasons, "status": status, "updated_at": work.clock.now()})
    return reasons


async def recheck(work: Work, person_id: int) -> dict[str, Any]:
    """The eligibility check of a nomination, run again (audited).

    Raises:
        NotFound: no such person.
        Conflict: the person is not waiting for a decision.
    """
    async with work.transaction():
        person = await load_person(work.session, person_id)
        if person["status"] not in (Status.pending, Status.ineligible):
            raise Conflict.on("status", "只有待审批或资格审查未通过的人员需要资格审查")
        reasons = await check_eligibility(work, person)
        await work.audit("talent.eligibility", "talent_person", person_id,
                         {"eligibility": reasons})
    return await load_person(work.session, person_id)


async def update_person(work: Work, person_id: int, data: PersonPatch) -> dict[str, Any]:
    """Change a person's record; a waiting nomination is checked again.

    Raises:
        NotFound: no such person.
        Invalid: an unknown specialty, no pool, a date in the future.
        Conflict: the person has left the pool.
    """
    values = _stored({k: v for k, v in msgspec.structs.asdict(data).items() if v is not UNSET})
    async with work.transaction():
        person = await load_person(work.session, person_id)
        if person["status"] == Status.left:
            raise Conflict.on("status", "此人已出库，不能再修改；如需重新入库请重新推荐")
        merged = {**person, **values}
        errors = validate_person({**values, "birth_date": merged["birth_date"],
                                  "party_joined_on": merged["party_joined_on"]},
                                 work.tenant.settings, work.clock.today())
        if errors:
            raise Invalid(errors)
        if "home_unit" in values:
            values["home_org_id"] = await resolve_org(work.session, values["home_unit"])
        if values:
            await work.session.update(TalentPerson, {"id": person_id},
                                      {**values, "updated_at": work.clock.now()})
            await work.audit("talent.update", "talent_person", person_id,
                             {"fields": sorted(values)})
            await check_eligibility(work, await load_person(work.session, person_id))
    return await load_person(work.session, person_id)


async def decide(work: Work, person_id: int, data: Decision) -> dict[str, Any]:
    """The leading group approves (the person enters the pool) or refuses a nomination.

    Raises:
        NotFound: no such person.
        Conflict: the nomination is not waiting (refused by the eligibility
            check, already decided, left).
    """
    async with work.transaction():
        person = await load_person(work.session, person_id)
        if person["status"] == Status.ineligible and data.approve:
            raise Conflict.on("approve", "资格审查未通过，不能批准入库："
                              + "；".join(person["eligibility"] or []))
        if person["status"] not in (Status.pending, Status.ineligible):
            raise Conflict.on("approve", "此人不在待审批状态")
        if not data.approve and not data.note.strip():
            raise Invalid.on("note", "不同意入库时请写明理由")
        status = Status.active if data.approve else Status.rejected
        await work.session.update(TalentPerson, {"id": person_id}, {
            "status": status.value, "decided_by": work.actor,
            "decided_on": work.clock.today(), "decision_note": data.note.strip(),
            "updated_at": work.clock.now()})
        await work.audit("talent.decide", "talent_person", person_id,
                         {"approve": data.approve, "note": data.note.strip()})
    return await load_person(work.session, person_id)


async def leave(work: Work, person_id: int, data: Leave) -> dict[str, Any]:
    """Take a person out of the pool with the reason (调出、退休、不再适合...).

    Raises:
        NotFound: no such person.
        Conflict: the person is not in the pool.
    """
    reason = data.reason.strip()
    if len(reason) < 2:
        raise Invalid.on("reason", "请写明出库原因")
    async with work.transaction():
        person = await load_person(work.session, person_id)
        if person["status"] != Status.active:
            raise Conflict.on("reason", "此人不在库中")
        await work.session.update(TalentPerson, {"id": person_id}, {
            "status": Status.left.value, "left_on": work.clock.today(), "leave_reason": reason,
            "updated_at": work.clock.now()})
        await work.audit("talent.leave", "talent_person", person_id, {"reason": reason})
    return await load_person(work.session, person_id)


def _line_errors(kind: str, data: Any, today: date) -> list[FieldError]:
    start, end = getattr(data, "start_date", None), getattr(data, "end_date", None)
    errors = []
    if start is not None and end is not None and end < start:
        errors.append(FieldError("end_date", "结束日期不能早于开始日期"))
    if kind == "history" and start is not None and start > today:
        errors.append(FieldError("start_date", "开始日期不能晚于今天"))
    if kind == "availability" and start is not None and end is not None \
            and (end - start).days > 3 * 366:
        errors.append(FieldError("end_date", "一个可参加时段不超过三年"))
    return errors


async def add_line(work: Work, person_id: int, kind: str, data: Any) -> dict[str, Any]:
    """Add a line of history, a relation or an availability period to a person.

    Raises:
        NotFound: no such person.
        Invalid: dates the wrong way round.
        Conflict: the person has left the pool.
    """
    errors = _line_errors(kind, data, work.clock.today())
    if errors:
        raise Invalid(errors)
    values = {k: (v.value if isinstance(v, HistoryKind | RelationKind) else v)
              for k, v in msgspec.structs.asdict(data).items()}
    async with work.transaction():
        person = await load_person(work.session, person_id)
        if person["status"] == Status.left:
            raise Conflict.on("person", "此人已出库，不能再修改")
        if "unit" in values:
            values["org_id"] = await resolve_org(work.session, values["unit"])
        (line_id,) = await work.session.insert(LINES[kind], [{**values, "person_id": person_id}])
        await work.audit(f"talent.{kind}.add", "talent_person", person_id, {"line": line_id})
    return {"id": line_id, **values}


async def delete_line(work: Work, person_id: int, kind: str, line_id: int) -> None:
    """Remove a line of a person's record.

    Raises:
        NotFound: no such person or line (or a line of another person).
    """
    async with work.transaction():
        await load_person(work.session, person_id)
        table = LINES[kind]
        removed = await work.session.delete(table, {"id": line_id, "person_id": person_id})
        if not removed:
            raise NotFound(f"没有这条{LINE_LABELS[kind]}")
        await work.audit(f"talent.{kind}.delete", "talent_person", person_id,
                         {"line": line_id})


async def read_record(work: Work, person_id: int) -> dict[str, Any]:
    """A person's whole record with its lines, appraisals and secondment history; the
    read is audited (personal data).

    Raises:
        NotFound: no such person.
    """
    person = await load_person(work.session, person_id)
    record: dict[str, Any] = {"person": person}
    for kind, table in LINES.items():
        order = ("start_date", "id")
        record[kind] = await work.session.list(table, {"person_id": person_id},
                                               order_by=order, limit=None)
    record["appraisals"] = await person_appraisals(work.session, person_id)
    record["secondments"] = await person_secondments(work, person_id)
    await work.audit("talent.record.read", "talent_person", person_id, {})
    return record


async def list_persons(session: TenantSession, *, status: str | None = None,
                       pool: str | None = None, specialty: str | None = None,
                       query: str = "", limit: int = 50, offset: int = 0
                       ) -> tuple[list[dict[str, Any]], int]:
    """One page of the roster (the columns a list shows) and the total matching."""
    where: dict[str, Any] = {}
    if status:
        where["status"] = status
    columns = {n: n for n in ("id", "person_key", "name", "home_unit", "post", "rank",
                              "specialties", "pools", "status", "nomination_kind",
                              "nominated_on")}
    search = (("name", "home_unit", "post"), query.strip()) if query.strip() else None
    if pool or specialty:
        # JSON lists: filtered here (a county's pool is a few thousand people at most).
        rows = await session.list(TalentPerson, where, search=search, order_by=("name", "id"),
                                  limit=None)
        rows = [r for r in rows if (not pool or pool in (r["pools"] or []))
                and (not specialty or specialty in (r["specialties"] or []))]
        total = len(rows)
        return [{k: r[k] for k in columns} for r in rows[offset:offset + limit]], total
    return await session.page(TalentPerson, where, search=search, order_by=("name", "id"),
                              limit=limit, offset=offset, columns=columns)
