"""A county's side of directives: what it received and how it answers (上级部署的落实).

Directives arrive as replicas of kind ``directive`` from the county's city.
A common problem (共性问题) is answered with the county's own ledger items,
each linked to the directive (:class:`~plugins.linkage.tables.DirectiveItem`).
Whenever a linked item changes (created, moved, escalated), the county
reports ``directive.answered`` up with its counts, from
``xuncha_sync_outgoing`` in the transaction of the change.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Any

import msgspec

from core.api import (
    Conflict,
    Envelope,
    IdField,
    ItemOut,
    ItemsIn,
    ItemsOut,
    ItemStatus,
    NotFound,
    RectificationItem,
    RectificationItemChanged,
    Replica,
    TenantInfo,
    TenantSession,
    Work,
    create_items,
    is_overdue,
    item_out,
    org_names,
)
from plugins.linkage.directives import DirectiveDetail, DirectiveOut, DirectivePage
from plugins.linkage.events import DirectiveAnswered, DirectiveIssued
from plugins.linkage.model import DIRECTIVE_KIND_LABELS, DirectiveKind, is_county
from plugins.linkage.tables import DirectiveItem

__all__ = [
    "AnswerItemsIn",
    "Tally",
    "answer_directives",
    "answer_with_items",
    "linked_directive_ids",
    "received_detail",
    "received_directives",
    "received_out",
    "report_answers",
    "require_county",
]

UNSET: Any = msgspec.UNSET


class AnswerItemsIn(ItemsIn, kw_only=True, forbid_unknown_fields=True):
    """New ledger items answering a common problem, in one of the county's inspections.

    The fields are those of a ledger item (from ``finding_ids``, or one item
    with ``org_id``); ``problem`` defaults to the directive's title.
    """

    inspection_id: IdField


class Tally(msgspec.Struct, frozen=True, kw_only=True):
    """The ledger items answering one directive: how many, closed, overdue."""

    items: int = 0
    closed: int = 0
    overdue: int = 0


def require_county(tenant: TenantInfo) -> str:
    """The county's city (404 for a tenant without one: a city receives no directives)."""
    if not is_county(tenant) or tenant.parent_code is None:
        raise NotFound("本机构没有上级，未收到上级部署")
    return tenant.parent_code


def received_out(row: Mapping[str, Any]) -> DirectiveOut | None:
    """A replica of kind ``directive`` as the API shows it (None if unreadable)."""
    try:
        issued = msgspec.convert(row["data"], DirectiveIssued, strict=False)
    except msgspec.ValidationError:
        return None
    return DirectiveOut(
        id=issued.directive_id, origin=row["origin"], kind=issued.kind,
        kind_label=DIRECTIVE_KIND_LABELS.get(issued.kind, issued.kind), title=issued.title,
        body=issued.body, due_date=issued.due_date, targets=list(issued.targets),
        issued_on=issued.issued_on, withdrawn=issued.withdrawn,
        inspection_kind=issued.inspection_kind,
    )


async def _linked(session: TenantSession, origin: str) -> list[dict[str, Any]]:
    """Every ledger item linked to a directive of ``origin``: directive, id, status, deadline."""
    mark = session.db.dialect.mark
    sql = ('SELECT l."directive_id", i."id", i."status", i."deadline" '
           'FROM "directive_item" l JOIN "rectification_item" i '
           'ON i."id" = l."item_id" AND i."tenant_id" = l."tenant_id" '
           f'WHERE l."tenant_id" = {mark(1)} AND l."directive_origin" = {mark(2)}')
    return await session.db.fetch(sql, [session.tenant_id, origin], session.tenant_id)


async def linked_directive_ids(session: TenantSession, origin: str) -> set[int]:
    """The directives of ``origin`` the county answered with at least one ledger item."""
    return {int(row["directive_id"]) for row in await _linked(session, origin)}


def _tallies(rows: Sequence[Mapping[str, Any]], today: date) -> dict[int, Tally]:
    counts: dict[int, list[int]] = {}
    for row in rows:
        count = counts.setdefault(int(row["directive_id"]), [0, 0, 0])
        count[0] += 1
        count[1] += row["status"] == ItemStatus.closed.value
        count[2] += is_overdue(row["deadline"], row["status"], today)
    return {d: Tally(items=c[0], closed=c[1], overdue=c[2]) for d, c in counts.items()}


def _with_tally(out: DirectiveOut, tally: Tally | None) -> DirectiveOut:
    if tally is None:
        return out
    return msgspec.structs.replace(out, items=tally.items, closed=tally.closed,
                                   overdue=tally.overdue)


async def received_directives(work: Work, kind: DirectiveKind | None, *, limit: int,
                              offset: int) -> DirectivePage:
    """The directives the county received from its city, newest first, with its own counts."""
    origin = require_county(work.tenant)
    rows = await work.session.list(Replica, {"kind": "directive", "origin": origin},
                                   limit=None)
    outs = [out for out in map(received_out, rows) if out is not None
            and (kind is None or out.kind == kind.value)]
    outs.sort(key=lambda out: out.id, reverse=True)
    shown = outs[offset: offset + limit]
    tallies = _tallies(await _linked(work.session, origin), work.clock.today()) if shown else {}
    return DirectivePage(items=[_with_tally(o, tallies.get(o.id)) for o in shown],
                         total=len(outs), limit=limit, offset=offset)


async def _received(work: Work, directive_id: int) -> DirectiveOut:
    origin = require_county(work.tenant)
    rows = await work.session.list(Replica, {"kind": "directive", "origin": origin,
                                             "key": str(directive_id)}, limit=1)
    out = received_out(rows[0]) if rows else None
    if out is None:
        raise NotFound("未收到该部署")
    return out


async def _items_of(work: Work, origin: str, directive_id: int) -> list[ItemOut]:
    session = work.session
    links = await session.list(DirectiveItem, {"directive_origin": origin,
                                               "directive_id": directive_id}, limit=None)
    if not links:
        return []
    rows = await session.list(RectificationItem, {"id": [r["item_id"] for r in links]},
                              order_by=("deadline", "id"), limit=None)
    names = await org_names(session, [r["org_id"] for r in rows])
    today = work.clock.today()
    return [item_out(r, today, names.get(r["org_id"], "")) for r in rows]


async def received_detail(work: Work, directive_id: int) -> DirectiveDetail:
    """One received directive with the county's ledger items answering it."""
    out = await _received(work, directive_id)
    items = await _items_of(work, out.origin, directive_id)
    today = work.clock.today()
    tally = Tally(items=len(items),
                  closed=sum(i.status == ItemStatus.closed.value for i in items),
                  overdue=sum(is_overdue(i.deadline, i.status, today) for i in items))
    return DirectiveDetail(directive=_with_tally(out, tally), items=items)


async def answer_with_items(work: Work, directive_id: int, data: AnswerItemsIn) -> ItemsOut:
    """Create ledger items answering a common problem and link them to it.

    Raises:
        NotFound: no such directive received (or the tenant has no city).
        Conflict: not a common problem, or withdrawn; and the ledger's own refusals.
    """
    directive = await _received(work, directive_id)
    if directive.kind != DirectiveKind.common_problem.value:
        raise Conflict.on("directive_id", "只有“共性问题”需要以整改事项回应，本部署为“"
                          f"{directive.kind_label}”")
    if directive.withdrawn:
        raise Conflict.on("directive_id", "该部署已被上级撤回，不能再回应")
    fields = {name: getattr(data, name) for name in ItemsIn.__struct_fields__}
    if fields["finding_ids"] is UNSET and fields["problem"] is UNSET:
        fields["problem"] = directive.title[:4000]
    async with work.transaction():
        created = await create_items(work, data.inspection_id, ItemsIn(**fields))
        now = work.clock.now()
        await work.session.insert(DirectiveItem, [{
            "directive_origin": directive.origin, "directive_id": directive_id,
            "item_id": item.id, "created_at": now} for item in created.items])
        await work.audit("directive.answer", "directive", directive_id, {
            "origin": directive.origin, "item_ids": [item.id for item in created.items]})
    return created


async def report_answers(events: Sequence[Envelope], work: Work) -> None:
    """Emit ``directive.answered`` for each directive whose linked items changed.

    Called through ``xuncha_sync_outgoing`` just before the transaction
    commits, so the counts include the change.
    """
    await answer_directives(work, {env.payload.item_id for env in events
                                   if isinstance(env.payload, RectificationItemChanged)})


async def answer_directives(work: Work, item_ids: Collection[int]) -> None:
    """Emit ``directive.answered`` for each directive answered by one of ``item_ids``
    (a county only): its items, closed and overdue as they stand now."""
    tenant = work.tenant
    if not item_ids or not is_county(tenant) or tenant.parent_code is None:
        return
    touched = set(item_ids)
    rows = await _linked(work.session, tenant.parent_code)
    hit = sorted({int(r["directive_id"]) for r in rows if r["id"] in touched})
    if not hit:
        return
    tallies = _tallies(rows, work.clock.today())
    for directive_id in hit:
        tally = tallies[directive_id]
        work.emit(DirectiveAnswered(directive_id=directive_id, items=tally.items,
                                    closed=tally.closed, overdue=tally.overdue))
