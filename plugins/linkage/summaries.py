"""What a county reports up, computed from its own tables inside the reporting transaction.

Each function takes the inspections (or findings, clues) a transaction
touched and returns the summary events (``plugins.linkage.events``) describing
them as they stand now. Counts are aggregated in SQL, one statement per kind
for all the inspections at once. Persons of clues are read only for clues
about city-managed cadres (which go up to the city by rule, DOMAIN.md).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from core.api import (
    OVERDUE_STATUSES,
    Clue,
    ClueStatus,
    Escalation,
    Finding,
    Inspection,
    InspectionTarget,
    ItemStatus,
    Org,
    Round,
    TenantSession,
)
from plugins.linkage.events import (
    CityClueReported,
    ClueStats,
    FindingStats,
    InspectionProgress,
    RectificationStats,
    SharedFinding,
    TargetSummary,
)

__all__ = [
    "city_clues",
    "clue_stats",
    "fell_due",
    "finding_stats",
    "lock_inspections",
    "progress",
    "rectification_stats",
    "shared_findings",
]


def _in(session: TenantSession, values: Collection[Any], start: int) -> str:
    mark = session.db.dialect.mark
    return ", ".join(mark(start + i) for i in range(len(values)))


async def _fetch(session: TenantSession, sql: str, args: list[Any]) -> list[dict[str, Any]]:
    return await session.db.fetch(sql, args, session.tenant_id)


async def lock_inspections(session: TenantSession, ids: Collection[int]) -> None:
    """Lock the inspections' rows until commit (PostgreSQL), so two transactions
    reporting on one inspection count one after the other and the later report
    (the newer replica version) sees the earlier one's rows. SQLite has one
    writer at a time already."""
    if not session.db.postgres or not ids:
        return
    wanted = sorted(ids)  # one order everywhere: no deadlock between two reporters
    await _fetch(session, f'SELECT "id" FROM "inspection" WHERE "tenant_id" = $1 AND "id" IN '
                 f'({_in(session, wanted, 2)}) ORDER BY "id" FOR UPDATE',
                 [session.tenant_id, *wanted])


async def fell_due(session: TenantSession, since: date | None,
                   today: date) -> tuple[set[int], set[int], set[int]]:
    """What became overdue on a day from ``since`` to yesterday (everything overdue today
    when ``since`` is None): nothing changed in the rows, only the date.

    Returns:
        ``(item_ids, rectification_inspections, clue_inspections)``: the ledger
        items past their deadline and not yet submitted, their inspections, and
        the inspections of clues whose reply fell due unanswered.
    """
    mark = session.db.dialect.mark
    statuses = sorted(OVERDUE_STATUSES)
    items_sql = (f'SELECT "id", "inspection_id" FROM "rectification_item" WHERE "tenant_id" = '
                 f'{mark(1)} AND "deadline" < {mark(2)} '
                 f'AND "status" IN ({_in(session, statuses, 3)})')
    items_args: list[Any] = [session.tenant_id, today, *statuses]
    clues_sql = (f'SELECT DISTINCT "inspection_id" FROM "clue" WHERE "tenant_id" = {mark(1)} '
                 f'AND "reply_due" < {mark(2)} AND "status" <> {mark(3)}')
    clues_args: list[Any] = [session.tenant_id, today, ClueStatus.concluded.value]
    if since is not None:
        items_sql += f' AND "deadline" >= {mark(len(items_args) + 1)}'
        items_args.append(since)
        clues_sql += f' AND "reply_due" >= {mark(len(clues_args) + 1)}'
        clues_args.append(since)
    items = await _fetch(session, items_sql, items_args)
    clues = await _fetch(session, clues_sql, clues_args)
    return ({int(r["id"]) for r in items}, {int(r["inspection_id"]) for r in items},
            {int(r["inspection_id"]) for r in clues})


async def progress(session: TenantSession, ids: Collection[int]) -> list[InspectionProgress]:
    """Where each inspection stands: stage, round, targets and on-site dates."""
    rows = await session.list(Inspection, {"id": sorted(ids)}, limit=None)
    if not rows:
        return []
    rounds = {r["id"]: r for r in await session.list(
        Round, {"id": sorted({r["round_id"] for r in rows})}, limit=None)}
    links = await session.list(InspectionTarget, {"inspection_id": [r["id"] for r in rows]},
                               limit=None)
    orgs = {o["id"]: o for o in await session.list(
        Org, {"id": sorted({link["org_id"] for link in links})}, limit=None)} if links else {}
    targets: dict[int, list[TargetSummary]] = {}
    for link in links:
        org = orgs.get(link["org_id"])
        if org is not None:
            targets.setdefault(link["inspection_id"], []).append(TargetSummary(
                org_id=org["id"], code=org["code"], name=org["name"], kind=org["kind"]))
    out = []
    for row in rows:
        round_ = rounds.get(row["round_id"], {})
        out.append(InspectionProgress(
            inspection_id=row["id"], round_id=row["round_id"],
            round_year=int(round_.get("year") or 0), round_number=int(round_.get("number") or 0),
            kind=row["kind"], title=row["title"], stage=row["stage"],
            targets=sorted(targets.get(row["id"], []), key=lambda t: t.org_id),
            arrival_date=row["arrived_on"] or row["onsite_start"],
            withdrawal_date=row["withdrawn_on"] or row["onsite_end"],
        ))
    return out


async def finding_stats(session: TenantSession, ids: Collection[int]) -> list[FindingStats]:
    """Findings of each inspection by focus area, with the fix-now and shared counts."""
    wanted = sorted(ids)
    rows = await _fetch(session, (
        'SELECT "inspection_id", "category", COUNT(*) AS n, '
        'SUM(CASE WHEN "fix_now" THEN 1 ELSE 0 END) AS fix_now, '
        'SUM(CASE WHEN "shared" THEN 1 ELSE 0 END) AS shared FROM "finding" '
        f'WHERE "tenant_id" = {session.db.dialect.mark(1)} AND "inspection_id" IN '
        f'({_in(session, wanted, 2)}) GROUP BY "inspection_id", "category"'),
        [session.tenant_id, *wanted])
    stats: dict[int, dict[str, Any]] = {
        i: {"by_category": {}, "fix_now": 0, "shared": 0} for i in wanted}
    for row in rows:
        one = stats[int(row["inspection_id"])]
        one["by_category"][row["category"]] = int(row["n"])
        one["fix_now"] += int(row["fix_now"] or 0)
        one["shared"] += int(row["shared"] or 0)
    return [FindingStats(inspection_id=i, total=sum(s["by_category"].values()),
                         by_category=s["by_category"], fix_now=s["fix_now"],
                         shared=s["shared"]) for i, s in stats.items()]


async def rectification_stats(session: TenantSession, ids: Collection[int],
                              today: date) -> list[RectificationStats]:
    """Each inspection's ledger: items by status, closed, overdue (as the ledger counts
    it: past the deadline and not yet submitted) and items by escalation level."""
    wanted = sorted(ids)
    mark = session.db.dialect.mark
    args = [session.tenant_id, today, *OVERDUE_STATUSES, *wanted]
    rows = await _fetch(session, (
        'SELECT "inspection_id", "status", "escalation", COUNT(*) AS n, '
        f'SUM(CASE WHEN "deadline" < {mark(2)} AND "status" IN ({mark(3)}, {mark(4)}) '
        'THEN 1 ELSE 0 END) AS overdue FROM "rectification_item" '
        f'WHERE "tenant_id" = {mark(1)} AND "inspection_id" IN ({_in(session, wanted, 5)}) '
        'GROUP BY "inspection_id", "status", "escalation"'), args)
    stats: dict[int, dict[str, Any]] = {
        i: {"by_status": {}, "by_escalation": {}, "overdue": 0} for i in wanted}
    for row in rows:
        one, n = stats[int(row["inspection_id"])], int(row["n"])
        one["by_status"][row["status"]] = one["by_status"].get(row["status"], 0) + n
        if row["escalation"] != Escalation.none.value:
            one["by_escalation"][row["escalation"]] = (
                one["by_escalation"].get(row["escalation"], 0) + n)
        one["overdue"] += int(row["overdue"] or 0)
    return [RectificationStats(
        inspection_id=i, total=sum(s["by_status"].values()),
        closed=s["by_status"].get(ItemStatus.closed.value, 0), overdue=s["overdue"],
        by_status=s["by_status"], by_escalation=s["by_escalation"],
    ) for i, s in stats.items()]


async def clue_stats(session: TenantSession, ids: Collection[int],
                     today: date) -> list[ClueStats]:
    """Each inspection's clues as counts only: recorded, referred, concluded, replies
    overdue, by receiving body and by grade. No person, no text."""
    wanted = sorted(ids)
    mark = session.db.dialect.mark
    args = [session.tenant_id, today, ClueStatus.concluded.value, *wanted]
    rows = await _fetch(session, (
        'SELECT "inspection_id", "status", "grade", "receiving_body", COUNT(*) AS n, '
        f'SUM(CASE WHEN "reply_due" < {mark(2)} AND "status" <> {mark(3)} THEN 1 ELSE 0 END) '
        f'AS overdue FROM "clue" WHERE "tenant_id" = {mark(1)} AND "inspection_id" IN '
        f'({_in(session, wanted, 4)}) GROUP BY "inspection_id", "status", "grade", '
        '"receiving_body"'), args)
    stats: dict[int, dict[str, Any]] = {i: {
        "recorded": 0, "referred": 0, "concluded": 0, "overdue": 0, "by_body": {},
        "by_grade": {}} for i in wanted}
    for row in rows:
        one, n = stats[int(row["inspection_id"])], int(row["n"])
        one["recorded"] += n
        one["by_grade"][row["grade"]] = one["by_grade"].get(row["grade"], 0) + n
        if row["status"] != ClueStatus.recorded.value:
            one["referred"] += n
            body = row["receiving_body"] or ""
            one["by_body"][body] = one["by_body"].get(body, 0) + n
        if row["status"] == ClueStatus.concluded.value:
            one["concluded"] += n
        one["overdue"] += int(row["overdue"] or 0)
    return [ClueStats(inspection_id=i, recorded=s["recorded"], referred=s["referred"],
                      concluded=s["concluded"], overdue_replies=s["overdue"],
                      by_body=s["by_body"], by_grade=s["by_grade"]) for i, s in stats.items()]


async def _org_rows(session: TenantSession, rows: list[dict[str, Any]]) -> dict[int, Any]:
    ids = sorted({r["org_id"] for r in rows})
    return {o["id"]: o for o in await session.list(Org, {"id": ids}, limit=None)} if ids else {}


async def shared_findings(session: TenantSession,
                          findings: Collection[int]) -> list[SharedFinding]:
    """The findings as the city should hold them: shared ones in full, the others
    (un-shared in this transaction) withdrawn with their texts emptied."""
    rows = await session.list(Finding, {"id": sorted(findings)}, limit=None)
    orgs = await _org_rows(session, rows)
    out = []
    for row in rows:
        org = orgs.get(row["org_id"], {})
        shared = bool(row["shared"])
        out.append(SharedFinding(
            finding_id=row["id"], inspection_id=row["inspection_id"],
            org_name=org.get("name", "") if shared else "", org_kind=org.get("kind", ""),
            category=row["category"], severity=row["severity"],
            title=row["title"] if shared else "",
            description=row["description"] if shared else "", withdrawn=not shared))
    return out


def _persons(value: Any) -> list[dict[str, str]]:
    return [{str(k): str(v) for k, v in person.items()}
            for person in (value or []) if isinstance(person, Mapping)]


async def city_clues(session: TenantSession, clues: Collection[int]) -> list[CityClueReported]:
    """Clues about city-managed cadres with their persons; a clue no longer marked
    city-managed goes as withdrawn, its persons and texts emptied."""
    rows = await session.list(Clue, {"id": sorted(clues)}, limit=None)
    orgs = await _org_rows(session, rows)
    out = []
    for row in rows:
        managed = bool(row["city_managed"])
        out.append(CityClueReported(
            clue_id=row["id"], inspection_id=row["inspection_id"], grade=row["grade"],
            title=row["title"] if managed else "", summary=row["summary"] if managed else "",
            org_name=orgs.get(row["org_id"], {}).get("name", "") if managed else "",
            persons=_persons(row["persons"]) if managed else [],
            receiving_body=row["receiving_body"] or "", status=row["status"],
            reply_due=row["reply_due"], concluded_on=row["concluded_on"],
            withdrawn=not managed))
    return out
