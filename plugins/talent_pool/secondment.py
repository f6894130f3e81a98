"""Secondment up and down (上挂下派): the city asks, its counties nominate, the city decides.

1. The city requests cadres for one of its rounds: how many of each
   specialty, the period, a note, the counties asked (none: all);
   ``secondment_request.issued`` goes down to each.
2. A county sees the request (its replica, from its own city only) and
   nominates active persons of its pool having a specialty asked for; the
   nomination is kept on the person (``talent_secondment``) and
   ``secondment_nominee.nominated`` goes up with name, unit, post, rank and
   specialties only.
3. The city receives the nominee (``talent_secondment_nominee``), accepts
   (no more than the request asks for in all) or declines with a reason;
   ``secondment_decision.decided`` goes down to that county, which writes the
   outcome and the period on the person's secondment history.

Every write is audited; events received are applied in the transaction that
records them in the inbox (exactly once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Any

import msgspec

from core.api import (
    Conflict,
    Envelope,
    FieldError,
    Forbidden,
    Invalid,
    NotFound,
    Replica,
    Round,
    TenantInfo,
    TenantRegistry,
    Work,
)
from plugins.talent_pool.appraisal import round_label
from plugins.talent_pool.events import (
    SecondmentDecided,
    SecondmentNominated,
    SecondmentRequested,
    SpecialtyNeed,
)
from plugins.talent_pool.model import (
    SECONDMENT_LABELS,
    SecondmentStatus,
    Status,
    specialty_label,
    specialty_options,
)
from plugins.talent_pool.tables import (
    TalentPerson,
    TalentSecondment,
    TalentSecondmentNominee,
    TalentSecondmentRequest,
)

__all__ = [
    "DecisionIn",
    "NeedIn",
    "NominationIn",
    "RequestIn",
    "apply_received",
    "counties_of",
    "create_request",
    "decide_nominee",
    "is_city",
    "list_requests",
    "nominate",
    "person_secondments",
    "request_detail",
    "seconded_people",
]

Text = Annotated[str, msgspec.Meta(max_length=2000)]
REQUEST_KIND = "secondment_request"


class NeedIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """How many people of one specialty."""

    specialty: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    count: Annotated[int, msgspec.Meta(ge=1, le=50)]


class RequestIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A city's request for cadres for a round; ``targets`` empty asks every county."""

    round_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    needs: Annotated[list[NeedIn], msgspec.Meta(min_length=1, max_length=20)]
    start_date: date
    end_date: date
    note: Text = ""
    targets: Annotated[list[Annotated[str, msgspec.Meta(max_length=64)]],
                       msgspec.Meta(max_length=200)] = []


class NominationIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A county puts a person of its pool forward for the city's request."""

    person_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class DecisionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The city accepts or declines a nominee (declining needs a reason)."""

    accept: bool
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


def is_city(tenant: TenantInfo) -> bool:
    """Whether the tenant is a city office (it requests; counties nominate)."""
    return tenant.level == "city"


def _require_city(tenant: TenantInfo) -> None:
    if not is_city(tenant):
        raise Forbidden("县级巡察机构不能提出上挂需求，只能推荐人选")


async def counties_of(work: Work, tenants: TenantRegistry) -> dict[str, str]:
    """The city's counties by code with names: those served here (the registry) and
    those served elsewhere that reported to it (replicas of kind ``county``)."""
    found: dict[str, str] = {}
    for row in await work.session.list(Replica, {"kind": "county"}, limit=None):
        data = row["data"] if isinstance(row["data"], dict) else {}
        found[row["origin"]] = str(data.get("name") or row["origin"])
    await tenants.refresh()
    for child in tenants.children(work.tenant):
        found[child.code] = child.name
    return dict(sorted(found.items()))


def _needs_out(needs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{"specialty": n["specialty"], "label": specialty_label(str(n["specialty"])),
             "count": int(n["count"])} for n in needs]


async def create_request(work: Work, data: RequestIn, counties: Mapping[str, str]
                         ) -> dict[str, Any]:
    """Issue a request to ``data.targets`` (or every county) and send it down.

    Raises:
        Forbidden: the tenant is a county.
        Invalid: an unknown round, specialty or county, a repeated specialty,
            an end before the start.
    """
    _require_city(work.tenant)
    errors: list[FieldError] = []
    known = {code for code, _ in specialty_options(work.tenant.settings)}
    seen: set[str] = set()
    for i, need in enumerate(data.needs):
        if need.specialty not in known:
            errors.append(FieldError(f"needs[{i}].specialty",
                                     f"专业特长“{need.specialty}”不在本机构的专业特长目录中"))
        elif need.specialty in seen:
            errors.append(FieldError(f"needs[{i}].specialty",
                                     f"专业特长“{specialty_label(need.specialty)}”重复填写"))
        seen.add(need.specialty)
    if data.end_date < data.start_date:
        errors.append(FieldError("end_date", "结束日期不能早于开始日期"))
    if not data.title.strip():
        errors.append(FieldError("title", "请填写需求名称"))
    targets = list(dict.fromkeys(t.strip() for t in data.targets if t.strip()))
    unknown = [t for t in targets if t not in counties]
    if unknown:
        errors.append(FieldError("targets",
                                 "不是本市所辖的县（市、区）：" + "、".join(unknown[:10])))
    round_row = await work.session.get(Round, data.round_id)
    if round_row is None:
        errors.append(FieldError("round_id", "本机构没有这个轮次"))
    if errors:
        raise Invalid(errors)
    assert round_row is not None
    needs = [{"specialty": n.specialty, "count": n.count} for n in data.needs]
    async with work.transaction():
        (request_id,) = await work.session.insert(TalentSecondmentRequest, [{
            "round_id": data.round_id, "title": data.title.strip(), "needs": needs,
            "start_date": data.start_date, "end_date": data.end_date, "note": data.note,
            "targets": targets, "issued_on": work.clock.today(),
            "issued_by": work.actor[:128], "created_at": work.clock.now()}])
        event = SecondmentRequested(
            request_id=request_id, title=data.title.strip(), round_name=round_label(round_row),
            needs=[SpecialtyNeed(**n) for n in _needs_out(needs)], start_date=data.start_date,
            end_date=data.end_date, note=data.note, targets=targets,
            issued_on=work.clock.today())
        recipients: list[str | None] = list(targets) or [None]
        for code in recipients:
            work.emit(event, to=code)
        await work.audit("talent.secondment.request", "talent_secondment_request", request_id,
                         {"round_id": data.round_id, "needs": needs, "targets": targets})
    return await request_detail(work, request_id)


async def _received(work: Work, request_id: int | None = None) -> list[dict[str, Any]]:
    """Requests this county received from its own city (replicas)."""
    parent = work.tenant.parent_code
    if not parent:
        return []
    where: dict[str, Any] = {"kind": REQUEST_KIND, "origin": parent}
    if request_id is not None:
        where["key"] = str(request_id)
    rows = await work.session.list(Replica, where, limit=None)
    out = []
    for row in rows:
        data = row["data"] if isinstance(row["data"], dict) else {}
        if "request_id" in data:
            out.append({**data, "origin": row["origin"]})
    return sorted(out, key=lambda r: -int(r["request_id"]))


def _request_out(row: Mapping[str, Any], origin: str, round_name: str) -> dict[str, Any]:
    return {"id": row["id"], "origin": origin, "title": row["title"], "round_id": row["round_id"],
            "round_name": round_name, "needs": _needs_out(row["needs"] or []),
            "start_date": row["start_date"], "end_date": row["end_date"], "note": row["note"],
            "targets": list(row["targets"] or []), "issued_on": row["issued_on"]}


def _replica_out(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": int(data["request_id"]), "origin": data["origin"], "title": data["title"],
            "round_id": None, "round_name": data.get("round_name", ""),
            "needs": _needs_out(data.get("needs") or []),
            "start_date": date.fromisoformat(str(data["start_date"])),
            "end_date": date.fromisoformat(str(data["end_date"])),
            "note": data.get("note", ""), "targets": list(data.get("targets") or []),
            "issued_on": date.fromisoformat(str(data["issued_on"]))}


async def list_requests(work: Work) -> list[dict[str, Any]]:
    """A city's own requests, or the requests a county received, newest first."""
    if is_city(work.tenant):
        rows = await work.session.list(TalentSecondmentRequest, order_by=("-id",), limit=None)
        rounds = await _round_names(work, {r["round_id"] for r in rows})
        return [_request_out(r, work.tenant.code, rounds.get(r["round_id"], "")) for r in rows]
    return [_replica_out(r) for r in await _received(work)]


async def _round_names(work: Work, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {r["id"]: round_label(r) for r in await work.session.list(
        Round, {"id": list(ids)}, limit=None)}


async def _own_request(work: Work, request_id: int) -> dict[str, Any]:
    row = await work.session.get(TalentSecondmentRequest, request_id)
    if row is None:
        raise NotFound("没有此上挂需求")
    return row


async def _received_request(work: Work, request_id: int) -> dict[str, Any]:
    found = await _received(work, request_id)
    if not found:
        raise NotFound("没有此上挂需求")
    return _replica_out(found[0])


def _nominee_out(row: Mapping[str, Any]) -> dict[str, Any]:
    status = SecondmentStatus(row["status"])
    return {"id": row["id"], "request_id": row["request_id"], "county": row["county"],
            "name": row["name"], "home_unit": row["home_unit"], "post": row["post"],
            "rank": row["rank"], "specialties": list(row["specialties"] or []),
            "specialty_labels": [specialty_label(s) for s in row["specialties"] or []],
            "note": row["note"], "nominated_on": row["nominated_on"], "status": status.value,
            "status_label": SECONDMENT_LABELS[status], "decided_on": row["decided_on"],
            "decision_note": row["decision_note"]}


async def request_detail(work: Work, request_id: int) -> dict[str, Any]:
    """One request: in a city with the nominees received; in a county with its own
    nominations.

    Raises:
        NotFound: no such request here (another city's is unknown).
    """
    if is_city(work.tenant):
        row = await _own_request(work, request_id)
        rounds = await _round_names(work, {row["round_id"]})
        nominees = await work.session.list(TalentSecondmentNominee, {"request_id": request_id},
                                           order_by=("county", "id"), limit=None)
        accepted = sum(1 for n in nominees if n["status"] == SecondmentStatus.accepted.value)
        out = _request_out(row, work.tenant.code, rounds.get(row["round_id"], ""))
        return {**out, "nominees": [_nominee_out(n) for n in nominees], "accepted": accepted,
                "wanted": sum(n["count"] for n in out["needs"])}
    out = await _received_request(work, request_id)
    return {**out, "nominations": await _nominations(work, out["origin"], request_id),
            "accepted": 0, "wanted": sum(n["count"] for n in out["needs"])}


async def _nominations(work: Work, origin: str, request_id: int) -> list[dict[str, Any]]:
    rows = await work.session.list(TalentSecondment, {"origin": origin, "request_id": request_id},
                                   order_by=("id",), limit=None)
    names = {p["id"]: p for p in await work.session.list(
        TalentPerson, {"id": [r["person_id"] for r in rows]}, limit=None)} if rows else {}
    return [_secondment_out(r, names.get(r["person_id"])) for r in rows]


def _secondment_out(row: Mapping[str, Any], person: Mapping[str, Any] | None
                    ) -> dict[str, Any]:
    status = SecondmentStatus(row["status"])
    return {"id": row["id"], "person_id": row["person_id"],
            "name": person["name"] if person else "", "origin": row["origin"],
            "request_id": row["request_id"], "request_title": row["request_title"],
            "start_date": row["start_date"], "end_date": row["end_date"],
            "status": status.value, "status_label": SECONDMENT_LABELS[status],
            "note": row["note"], "nominated_on": row["nominated_on"],
            "decided_on": row["decided_on"], "decision_note": row["decision_note"]}


async def nominate(work: Work, request_id: int, data: NominationIn) -> dict[str, Any]:
    """Put a person of the county's pool forward for the city's request; only the fields
    the decision needs go up.

    Raises:
        NotFound: no such request received from this county's city.
        Invalid: a person not in the pool, without a specialty asked for.
        Conflict: the person is already nominated for this request.
    """
    request = await _received_request(work, request_id)
    async with work.transaction():
        person = await work.session.get(TalentPerson, data.person_id)
        if person is None or person["status"] != Status.active.value:
            raise Invalid.on("person_id", "此人不在本机构人才库中（未入库或已出库）")
        wanted = {n["specialty"] for n in request["needs"]}
        if not wanted & set(person["specialties"] or []):
            labels = "、".join(n["label"] for n in request["needs"])
            raise Invalid.on("person_id", f"{person['name']}不具备本次需要的专业特长（{labels}）")
        same = await work.session.list(TalentSecondment, {
            "origin": request["origin"], "request_id": request_id,
            "person_id": data.person_id}, limit=1)
        if same:
            raise Conflict.on("person_id", f"{person['name']}已被推荐参加此次上挂")
        today = work.clock.today()
        await work.session.insert(TalentSecondment, [{
            "person_id": data.person_id, "origin": request["origin"], "request_id": request_id,
            "request_title": request["title"][:200], "start_date": request["start_date"],
            "end_date": request["end_date"], "status": SecondmentStatus.nominated.value,
            "note": data.note.strip(), "nominated_by": work.actor[:128], "nominated_on": today,
            "updated_at": work.clock.now()}])
        specialties = [s for s in person["specialties"] or [] if s in wanted]
        work.emit(SecondmentNominated(
            request_id=request_id, person_id=data.person_id, name=person["name"],
            home_unit=person["home_unit"], post=person["post"], rank=person["rank"],
            specialties=specialties, note=data.note.strip(), nominated_on=today))
        await work.audit("talent.secondment.nominate", "talent_person", data.person_id,
                         {"origin": request["origin"], "request_id": request_id,
                          "sent": ["name", "home_unit", "post", "rank", "specialties"]})
    return await request_detail(work, request_id)


async def decide_nominee(work: Work, request_id: int, nominee_id: int, data: DecisionIn
                         ) -> dict[str, Any]:
    """The city accepts or declines a nominee; the decision goes down to the county.

    Raises:
        NotFound: no such request or nominee of it.
        Invalid: declining without a reason.
        Conflict: already decided, or accepting more than the request asks for.
    """
    async with work.transaction():
        request = await _own_request(work, request_id)
        nominee = await work.session.get(TalentSecondmentNominee, nominee_id)
        if nominee is None or nominee["request_id"] != request_id:
            raise NotFound("此需求没有这名人选")
        if not data.accept and not data.note.strip():
            raise Invalid.on("note", "不予接收时请写明理由")
        if nominee["status"] != SecondmentStatus.nominated.value:
            raise Conflict.on("accept", f"已对{nominee['name']}作出决定")
        wanted = sum(int(n["count"]) for n in request["needs"] or [])
        if data.accept:
            accepted = await work.session.count(TalentSecondmentNominee, {
                "request_id": request_id, "status": SecondmentStatus.accepted.value})
            if accepted >= wanted:
                raise Conflict.on("accept", f"此需求共需 {wanted} 人，已接收 {accepted} 人，"
                                  "不能再接收")
        status = SecondmentStatus.accepted if data.accept else SecondmentStatus.declined
        today = work.clock.today()
        await work.session.update(TalentSecondmentNominee, {"id": nominee_id}, {
            "status": status.value, "decided_by": work.actor[:128], "decided_on": today,
            "decision_note": data.note.strip()})
        work.emit(SecondmentDecided(
            request_id=request_id, person_id=nominee["county_person_id"], accepted=data.accept,
            note=data.note.strip(), start_date=request["start_date"],
            end_date=request["end_date"], decided_on=today), to=nominee["county"])
        await work.audit("talent.secondment.decide", "talent_secondment_nominee", nominee_id,
                         {"request_id": request_id, "county": nominee["county"],
                          "accepted": data.accept})
    return await request_detail(work, request_id)


async def apply_received(event: Envelope, tenant: TenantInfo, work: Work) -> None:
    """Apply a nominee (city, from one of its counties) or a decision (county, from its
    city) inside the transaction that records the event in the inbox."""
    payload = event.payload
    if isinstance(payload, SecondmentNominated) and is_city(tenant):
        await _nominee_received(work, event.origin, payload)
    elif isinstance(payload, SecondmentDecided) and event.origin == tenant.parent_code:
        await _decision_received(work, event.origin, payload)


async def _nominee_received(work: Work, county: str, got: SecondmentNominated) -> None:
    request = await work.session.get(TalentSecondmentRequest, got.request_id)
    if request is None or (request["targets"] and county not in request["targets"]):
        return  # not a request of this city to that county: nothing to record
    key = {"request_id": got.request_id, "county": county, "county_person_id": got.person_id}
    values = {"name": got.name[:64], "home_unit": got.home_unit[:200], "post": got.post[:100],
              "rank": got.rank[:64], "specialties": list(got.specialties)[:20],
              "note": got.note[:500], "nominated_on": got.nominated_on,
              "received_at": work.clock.now()}
    same = await work.session.list(TalentSecondmentNominee, key, limit=1)
    if same:
        await work.session.update(TalentSecondmentNominee, {"id": same[0]["id"]}, values)
        nominee_id = same[0]["id"]
    else:
        (nominee_id,) = await work.session.insert(TalentSecondmentNominee, [{**key, **values}])
    await work.audit("talent.secondment.nominee", "talent_secondment_nominee", nominee_id,
                     {"request_id": got.request_id, "county": county})


async def _decision_received(work: Work, city: str, got: SecondmentDecided) -> None:
    status = SecondmentStatus.accepted if got.accepted else SecondmentStatus.declined
    changed = await work.session.update(TalentSecondment, {
        "origin": city, "request_id": got.request_id, "person_id": got.person_id}, {
        "status": status.value, "decided_on": got.decided_on, "decision_note": got.note[:500],
        "start_date": got.start_date, "end_date": got.end_date,
        "updated_at": work.clock.now()})
    if changed:
        await work.audit("talent.secondment.decided", "talent_person", got.person_id,
                         {"origin": city, "request_id": got.request_id,
                          "accepted": got.accepted})


async def person_secondments(work: Work, person_id: int) -> list[dict[str, Any]]:
    """A county person's secondment history (上挂下派经历), newest first."""
    rows = await work.session.list(TalentSecondment, {"person_id": person_id},
                                   order_by=("-id",), limit=None)
    return [_secondment_out(r, None) for r in rows]


async def seconded_people(work: Work) -> list[dict[str, Any]]:
    """The city's seconded people: nominees it accepted, with the period and request."""
    rows = await work.session.list(TalentSecondmentNominee, {
        "status": SecondmentStatus.accepted.value}, order_by=("-request_id", "county", "id"),
        limit=None)
    requests = {r["id"]: r for r in await work.session.list(
        TalentSecondmentRequest, {"id": list({r["request_id"] for r in rows})},
        limit=None)} if rows else {}
    out = []
    for row in rows:
        request = requests.get(row["request_id"])
        out.append({**_nominee_out(row),
                    "request_title": request["title"] if request else "",
                    "start_date": request["start_date"] if request else None,
                    "end_date": request["end_date"] if request else None})
    return out
