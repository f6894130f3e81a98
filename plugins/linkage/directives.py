"""What a city sends down (城市下发): directives, issued and withdrawn.

A city issues a directive of one kind (专项巡察部署、工作指示、共性问题、知识更新、
提级/交叉巡察安排) to every county or to some of them; issuing and
withdrawing emit ``directive.issued``, once for every county (``to=None``)
or once per county addressed. Counties answer with ``directive.answered``
(see :mod:`plugins.linkage.answers`); the city reads the answers from its
replicas. A county cannot issue: it has no counties.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from core.api import (
    Conflict,
    FieldError,
    Forbidden,
    Invalid,
    ItemOut,
    NotFound,
    Page,
    Replica,
    TenantInfo,
    TenantRegistry,
    Work,
    inspection_kinds,
)
from plugins.linkage.events import DirectiveIssued
from plugins.linkage.model import DIRECTIVE_KIND_LABELS, DirectiveKind, is_city
from plugins.linkage.tables import Directive

__all__ = [
    "CountyProgress",
    "DirectiveDetail",
    "DirectiveIn",
    "DirectiveOut",
    "DirectivePage",
    "WithdrawIn",
    "create_directive",
    "directive_detail",
    "directive_out",
    "known_counties",
    "list_directives",
    "require_city",
    "withdraw_directive",
]

Title = Annotated[str, msgspec.Meta(max_length=200)]
Body = Annotated[str, msgspec.Meta(max_length=20000)]
CountyCode = Annotated[str, msgspec.Meta(max_length=64)]
Reason = Annotated[str, msgspec.Meta(max_length=500)]


class DirectiveIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new directive; ``targets`` empty (or absent) addresses every county."""

    kind: Annotated[str, msgspec.Meta(max_length=32)]
    title: Title
    body: Body = ""
    due_date: date | None = None
    targets: Annotated[list[CountyCode], msgspec.Meta(max_length=500)] = msgspec.field(
        default_factory=list)
    inspection_kind: Annotated[str, msgspec.Meta(max_length=32)] = ""
    """A deployment's inspection kind (e.g. a special inspection's code)."""


class WithdrawIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Why a directive is taken back (optional)."""

    reason: Reason = ""


class DirectiveOut(msgspec.Struct, kw_only=True):
    """A directive as issued (city) or received (county), with its answer progress.

    ``items``, ``closed`` and ``overdue`` count the ledger items answering it:
    in a city summed over the counties that answered (``answered_counties``),
    in a county its own.
    """

    id: int
    origin: str
    kind: str
    kind_label: str
    title: str
    body: str
    due_date: date | None
    targets: list[str]
    issued_on: date
    withdrawn: bool
    withdrawn_on: date | None = None
    inspection_kind: str = ""
    inspection_kind_label: str = ""
    answered_counties: int = 0
    items: int = 0
    closed: int = 0
    overdue: int = 0


DirectivePage = Page[DirectiveOut]
"""A page of directives and the total."""


class CountyProgress(msgspec.Struct, kw_only=True):
    """How far one county is with a directive (from its ``directive.answered``)."""

    county: str
    county_name: str
    answered: bool
    items: int = 0
    closed: int = 0
    overdue: int = 0
    note: str = ""
    statistics: list[dict[str, Any]] = msgspec.field(default_factory=list)
    """A deployment of a kind: the county's figures (``code``, ``label``, ``value``, ``unit``)."""
    answered_at: datetime | None = None


class DirectiveDetail(msgspec.Struct, kw_only=True):
    """One directive; in a city with every county's progress, in a county with its items."""

    directive: DirectiveOut
    counties: list[CountyProgress] = msgspec.field(default_factory=list)
    items: list[ItemOut] = msgspec.field(default_factory=list)


def require_city(tenant: TenantInfo) -> None:
    """Refuse (403) a county: only a city issues and withdraws directives."""
    if not is_city(tenant):
        raise Forbidden("县级巡察机构不能下发部署，只能接收和回应上级部署")


async def known_counties(work: Work, tenants: TenantRegistry) -> dict[str, str]:
    """The counties of the work's city by code, with names.

    Counties served by this deployment are children in the registry; a
    county served elsewhere is known from the profile it reported (replica
    of kind ``county``).
    """
    found: dict[str, str] = {}
    for row in await work.session.list(Replica, {"kind": "county"}, limit=None):
        data = row["data"] if isinstance(row["data"], dict) else {}
        found[row["origin"]] = str(data.get("name") or row["origin"])
    await tenants.refresh()
    for child in tenants.children(work.tenant):
        found[child.code] = child.name
    return dict(sorted(found.items()))


def directive_out(row: Mapping[str, Any], origin: str) -> DirectiveOut:
    """The API shape of a directive row (a city's own)."""
    return DirectiveOut(
        id=row["id"], origin=origin, kind=row["kind"],
        kind_label=DIRECTIVE_KIND_LABELS.get(row["kind"], row["kind"]), title=row["title"],
        body=row["body"], due_date=row["due_date"], targets=list(row["targets"] or []),
        issued_on=row["issued_on"], withdrawn=bool(row["withdrawn"]),
        withdrawn_on=row["withdrawn_on"], inspection_kind=row.get("inspection_kind") or "",
    )


def _check(data: DirectiveIn, counties: Mapping[str, str], today: date,
           inspection_kinds: Mapping[str, str]) -> list[str]:
    """The targets to keep (deduplicated); raises Invalid naming every bad field."""
    errors: list[FieldError] = []
    if data.kind not in DIRECTIVE_KIND_LABELS:
        kinds = "、".join(f"{k}（{v}）" for k, v in DIRECTIVE_KIND_LABELS.items())
        errors.append(FieldError("kind", f"部署类型无效：{data.kind[:32]}（可选：{kinds}）"))
    if not data.title.strip():
        errors.append(FieldError("title", "请填写标题"))
    if data.inspection_kind and data.kind != DirectiveKind.deployment.value:
        errors.append(FieldError("inspection_kind", "只有“专项巡察部署”可以指定巡察类型"))
    elif data.inspection_kind and data.inspection_kind not in inspection_kinds:
        errors.append(FieldError("inspection_kind",
                                 f"巡察类型 {data.inspection_kind[:32]} 不存在或未启用"))
    if data.due_date is not None and data.due_date < today:
        errors.append(FieldError("due_date", "完成期限不能早于今天"))
    targets = list(dict.fromkeys(code.strip() for code in data.targets if code.strip()))
    unknown = [code for code in targets if code not in counties]
    if unknown:
        known = "、".join(counties) or "无"
        errors.append(FieldError(
            "targets", f"不是本市所辖的县（市、区）：{'、'.join(unknown[:10])}（所辖：{known}）"))
    if errors:
        raise Invalid(errors)
    return targets


def _announce(work: Work, row: Mapping[str, Any]) -> None:
    """Emit ``directive.issued`` to every county, or to each county addressed."""
    targets = list(row["targets"] or [])
    event = DirectiveIssued(
        directive_id=row["id"], kind=row["kind"], title=row["title"], body=row["body"],
        due_date=row["due_date"], targets=targets, issued_on=row["issued_on"],
        withdrawn=bool(row["withdrawn"]), inspection_kind=row.get("inspection_kind") or "",
    )
    if not targets:
        work.emit(event)
        return
    for code in targets:
        work.emit(event, to=code)


async def _load(work: Work, directive_id: int) -> dict[str, Any]:
    row = await work.session.get(Directive, directive_id)
    if row is None:
        raise NotFound("部署不存在")
    return row


async def create_directive(work: Work, data: DirectiveIn,
                           counties: Mapping[str, str]) -> DirectiveOut:
    """Issue a directive to ``data.targets`` (of ``counties``), or to every county.

    Raises:
        Forbidden: the tenant is a county.
        Invalid: bad kind, empty title, past due date, unknown counties, an
            inspection kind on anything but a deployment or unknown to the city.
    """
    require_city(work.tenant)
    today, now = work.clock.today(), work.clock.now()
    kinds = {code: k.label for code, k in (await inspection_kinds(work)).items()}
    targets = _check(data, counties, today, kinds)
    async with work.transaction():
        (directive_id,) = await work.session.insert(Directive, [{
            "kind": data.kind, "inspection_kind": data.inspection_kind,
            "title": data.title.strip(), "body": data.body,
            "due_date": data.due_date, "targets": targets, "issued_on": today,
            "issued_by": work.actor[:128], "created_at": now, "updated_at": now}])
        row = await _load(work, directive_id)
        await work.audit("directive.issue", "directive", directive_id, {
            "kind": data.kind, "title": row["title"], "targets": targets,
            "due_date": data.due_date.isoformat() if data.due_date else None})
        _announce(work, row)
    return directive_out(row, work.tenant.code)


async def withdraw_directive(work: Work, directive_id: int, data: WithdrawIn) -> DirectiveOut:
    """Take a directive back; the counties addressed are told (409 if withdrawn already)."""
    require_city(work.tenant)
    today = work.clock.today()
    async with work.transaction():
        row = await _load(work, directive_id)
        changed = await work.session.update(
            Directive, {"id": directive_id, "withdrawn": False},
            {"withdrawn": True, "withdrawn_on": today, "withdrawn_by": work.actor[:128],
             "withdraw_reason": data.reason.strip(), "updated_at": work.clock.now()})
        if not changed:
            raise Conflict.on("withdrawn", "该部署已经撤回")
        row = await _load(work, directive_id)
        await work.audit("directive.withdraw", "directive", directive_id,
                         {"reason": data.reason.strip()})
        _announce(work, row)
    return directive_out(row, work.tenant.code)


async def _answers(work: Work, directive_ids: list[int] | None = None,
                   ) -> dict[int, dict[str, dict[str, Any]]]:
    """The counties' answers (replicas) by directive id, then by county."""
    where: dict[str, Any] = {"kind": "directive_answer"}
    if directive_ids is not None:
        where["key"] = [str(i) for i in directive_ids]
    found: dict[int, dict[str, dict[str, Any]]] = {}
    for row in await work.session.list(Replica, where, limit=None):
        if row["key"].isdigit() and isinstance(row["data"], dict):
            found.setdefault(int(row["key"]), {})[row["origin"]] = {
                **row["data"], "answered_at": row["occurred_at"]}
    return found


def _with_totals(out: DirectiveOut, answers: Mapping[str, Mapping[str, Any]]) -> DirectiveOut:
    return msgspec.structs.replace(
        out, answered_counties=len(answers),
        items=sum(int(a.get("items", 0)) for a in answers.values()),
        closed=sum(int(a.get("closed", 0)) for a in answers.values()),
        overdue=sum(int(a.get("overdue", 0)) for a in answers.values()))


async def list_directives(work: Work, kind: DirectiveKind | None, *, limit: int,
                          offset: int) -> DirectivePage:
    """The city's directives, newest first, with the counties' answers summed."""
    where = {"kind": kind.value} if kind is not None else {}
    rows, total = await work.session.page(Directive, where, order_by=("-id",), limit=limit,
                                          offset=offset)
    answers = await _answers(work, [r["id"] for r in rows]) if rows else {}
    items = [_with_totals(directive_out(r, work.tenant.code), answers.get(r["id"], {}))
             for r in rows]
    return DirectivePage(items=items, total=total, limit=limit, offset=offset)


async def directive_detail(work: Work, directive_id: int,
                           counties: Mapping[str, str]) -> DirectiveDetail:
    """One directive of the city and each addressed county's progress."""
    row = await _load(work, directive_id)
    answers = (await _answers(work, [directive_id])).get(directive_id, {})
    addressed = list(row["targets"] or []) or list(counties)
    codes = list(dict.fromkeys([*addressed, *sorted(answers)]))
    progress = []
    for code in codes:
        answer = answers.get(code)
        progress.append(CountyProgress(
            county=code, county_name=counties.get(code, code), answered=answer is not None,
            items=int(answer.get("items", 0)) if answer else 0,
            closed=int(answer.get("closed", 0)) if answer else 0,
            overdue=int(answer.get("overdue", 0)) if answer else 0,
            note=str(answer.get("note", "")) if answer else "",
            statistics=list(answer.get("statistics") or []) if answer else [],
            answered_at=answer["answered_at"] if answer else None))
    out = _with_totals(directive_out(row, work.tenant.code), answers)
    if out.inspection_kind:
        kinds = await inspection_kinds(work)
        found = kinds.get(out.inspection_kind)
        out = msgspec.structs.replace(
            out, inspection_kind_label=found.label if found else out.inspection_kind)
    return DirectiveDetail(directive=out, counties=progress)
