"""Reading the rectification ledger: the item shape, the list and an item's history.

The ledger list is read at city scale, so a page, its total and the org
names come back in one statement (the items joined to their orgs, the total
as a scalar subquery), whatever the filters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import msgspec

from core.db import TenantSession
from core.inspection.model import ESCALATION_LABELS, ITEM_STATUS_LABELS, Escalation, ItemStatus
from core.inspection.tables import RectificationAction
from core.pagination import Page
from core.tenancy.tables import Org

__all__ = [
    "ACTION_KIND_LABELS",
    "ITEM_COLUMNS",
    "OVERDUE_STATUSES",
    "ActionOut",
    "ActionPage",
    "ItemOut",
    "ItemPage",
    "LedgerFilter",
    "is_overdue",
    "item_history",
    "item_out",
    "list_items",
    "org_names",
]

OVERDUE_STATUSES = (ItemStatus.open.value, ItemStatus.in_progress.value)
"""Statuses in which an item past its deadline is overdue (not yet submitted)."""

ACTION_KIND_LABELS = {"status": "状态变更", "escalation": "超期督办",
                      "carry_over": "转入持续整改"}
"""Kinds of ledger history entries, in Chinese."""

ITEM_COLUMNS = (
    "id", "inspection_id", "org_id", "finding_id", "problem", "measures", "deadline",
    "responsible_person", "responsible_leader", "lead_office", "status", "progress",
    "escalation", "escalated_on", "carried_over", "closed_on", "updated_at",
)
"""What the API reads of an item row."""


class ItemOut(msgspec.Struct, kw_only=True):
    """A ledger item as the API shows it, with labels and its overdue state."""

    id: int
    inspection_id: int
    org_id: int
    org_name: str = ""
    finding_id: int | None
    problem: str
    measures: str
    deadline: date
    responsible_person: str
    responsible_leader: str
    lead_office: str
    status: str
    status_label: str
    progress: str
    escalation: str
    escalation_label: str
    escalated_on: date | None
    carried_over: bool
    closed_on: date | None
    updated_at: datetime
    overdue: bool
    days_overdue: int


ItemPage = Page[ItemOut]
"""A page of the ledger and the total matching."""


class LedgerFilter(msgspec.Struct, kw_only=True):
    """Filters of the ledger list; ``None`` means any."""

    inspection_id: int | None = None
    round_id: int | None = None
    org_id: int | None = None
    status: ItemStatus | None = None
    escalation: Escalation | None = None
    overdue: bool | None = None


class ActionOut(msgspec.Struct, kw_only=True):
    """One entry of an item's history: a status change, an escalation or a carry-over."""

    id: int
    kind: str
    kind_label: str
    from_value: str
    from_label: str
    to_value: str
    to_label: str
    actor: str
    at: datetime
    remark: str


ActionPage = Page[ActionOut]
"""A page of an item's history."""


def is_overdue(deadline: date, status: str, today: date) -> bool:
    """Past the deadline and not yet submitted."""
    return deadline < today and status in OVERDUE_STATUSES


def _decorate(row: dict[str, Any], today: date) -> dict[str, Any]:
    overdue = is_overdue(row["deadline"], row["status"], today)
    row["status_label"] = ITEM_STATUS_LABELS[ItemStatus(row["status"])]
    row["escalation_label"] = ESCALATION_LABELS[Escalation(row["escalation"])]
    row["carried_over"] = bool(row["carried_over"])
    row["overdue"] = overdue
    row["days_overdue"] = (today - row["deadline"]).days if overdue else 0
    return row


def item_out(row: Mapping[str, Any], today: date, org_name: str = "") -> ItemOut:
    """The API shape of an item row."""
    picked = {name: row[name] for name in ITEM_COLUMNS}
    picked["org_name"] = org_name
    return msgspec.convert(_decorate(picked, today), ItemOut, strict=False)


async def org_names(session: TenantSession, org_ids: Iterable[int]) -> dict[int, str]:
    """Names of the tenant's orgs ``org_ids``, in one query."""
    wanted = sorted(set(org_ids))
    if not wanted:
        return {}
    rows = await session.list(Org, {"id": wanted}, limit=None)
    return {r["id"]: r["name"] for r in rows}


def _where(session: TenantSession, spec: LedgerFilter, today: date,
           ) -> tuple[str, list[Any]]:
    """A WHERE clause over alias ``{a}`` (format it per use) and its parameters."""
    mark = session.db.dialect.mark
    args: list[Any] = [session.tenant_id]
    parts = ['{a}."tenant_id" = ' + mark(1)]

    def arg(value: Any) -> str:
        args.append(value)
        return mark(len(args))

    if spec.inspection_id is not None:
        parts.append('{a}."inspection_id" = ' + arg(spec.inspection_id))
    if spec.round_id is not None:
        parts.append('{a}."inspection_id" IN (SELECT "id" FROM "inspection" WHERE '
                     f'"tenant_id" = {mark(1)} AND "round_id" = {arg(spec.round_id)})')
    if spec.org_id is not None:
        parts.append('{a}."org_id" = ' + arg(spec.org_id))
    if spec.status is not None:
        parts.append('{a}."status" = ' + arg(spec.status.value))
    if spec.escalation is not None:
        parts.append('{a}."escalation" = ' + arg(spec.escalation.value))
    if spec.overdue is not None:
        late = (f'{{a}}."deadline" < {arg(today)} AND {{a}}."status" IN '
                f"({arg(OVERDUE_STATUSES[0])}, {arg(OVERDUE_STATUSES[1])})")
        parts.append(f"({late})" if spec.overdue else f"NOT ({late})")
    return " AND ".join(parts), args


async def list_items(session: TenantSession, spec: LedgerFilter, today: date, *,
                     limit: int, offset: int) -> ItemPage:
    """A page of the ledger ordered by deadline, with org names and the total: one statement."""
    clause, args = _where(session, spec, today)
    mark = session.db.dialect.mark
    columns = ", ".join(f'i."{c}"' for c in ITEM_COLUMNS)
    sql = (f'SELECT {columns}, o."name" AS org_name, '
           f'(SELECT COUNT(*) FROM "rectification_item" c WHERE {clause.format(a="c")}) '
           'AS _total FROM "rectification_item" i '
           'LEFT JOIN "org" o ON o."id" = i."org_id" AND o."tenant_id" = i."tenant_id" '
           f'WHERE {clause.format(a="i")} ORDER BY i."deadline", i."id" '
           f"LIMIT {mark(len(args) + 1)} OFFSET {mark(len(args) + 2)}")
    rows = await session.db.fetch(sql, [*args, limit, offset], session.tenant_id)
    if rows:
        total = int(rows[0]["_total"])
    elif offset:
        count = f'SELECT COUNT(*) AS n FROM "rectification_item" c WHERE {clause.format(a="c")}'
        total = int((await session.db.fetch(count, args, session.tenant_id))[0]["n"])
    else:
        total = 0
    for row in rows:
        del row["_total"]
        row["org_name"] = row["org_name"] or ""
        _decorate(row, today)
    items = msgspec.convert(rows, list[ItemOut], strict=False)
    return ItemPage(items=items, total=total, limit=limit, offset=offset)


def _value_label(kind: str, value: str) -> str:
    if kind == "status" and value in ItemStatus.__members__:
        return ITEM_STATUS_LABELS[ItemStatus(value)]
    if kind == "escalation" and value in Escalation.__members__:
        return ESCALATION_LABELS[Escalation(value)]
    if kind == "carry_over" and value:
        return "持续整改"
    return value


async def item_history(session: TenantSession, item_id: int, *, limit: int,
                       offset: int) -> ActionPage:
    """An item's actions, oldest first."""
    rows, total = await session.page(RectificationAction, {"item_id": item_id},
                                     order_by=("at", "id"), limit=limit, offset=offset)
    items = [ActionOut(
        id=r["id"], kind=r["kind"], kind_label=ACTION_KIND_LABELS.get(r["kind"], r["kind"]),
        from_value=r["from_value"], from_label=_value_label(r["kind"], r["from_value"]),
        to_value=r["to_value"], to_label=_value_label(r["kind"], r["to_value"]),
        actor=r["actor"], at=r["at"], remark=r["remark"]) for r in rows]
    return ActionPage(items=items, total=total, limit=limit, offset=offset)
