"""What a county reports up to its city (上下联动, "up"), and its answer to a chain check.

Three hooks of the core live here:

- :func:`sync_outgoing` (``xuncha_sync_outgoing``): from the workflow events
  of a committing transaction, the summaries of each inspection it touched,
  once per inspection and kind, computed inside that transaction: progress
  on a plan or stage change, findings statistics, shared findings,
  rectification statistics, clue counts and clues about city-managed
  cadres (the only clues whose persons leave the county).
- :func:`sync_tick` (``xuncha_sync_tick``): the county's profile and the
  head of its audit chain, when they changed since last published (memos
  ``profile`` and ``audit_head`` in ``sync_state``, written with the event);
  and on the first tick of a day, the counts of the inspections and
  directives whose items or clue replies that day made overdue (memo
  ``overdue_as_of``): a date passing changes no row, so nothing else would.
- :func:`sync_received` (``xuncha_sync_received``): a chain check asked by
  the city, answered with the result.

A tenant without a parent reports nothing and returns at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import msgspec

from core.api import (
    GENESIS,
    AuditEntry,
    AuditHead,
    ChecklistMarked,
    ClueChanged,
    ClueClosed,
    ClueRecorded,
    ClueReferred,
    Envelope,
    Event,
    FindingChanged,
    FindingRecorded,
    Inspection,
    InspectionPlanned,
    InspectionStageChanged,
    RectificationItemChanged,
    Runtime,
    TenantInfo,
    TenantSession,
    Work,
    inspection_statistics,
    read_memos,
    verify_chain,
    write_memo,
)
from plugins.linkage import summaries
from plugins.linkage.answers import answer_directives
from plugins.linkage.events import (
    AuditChecked,
    AuditCheckRequested,
    AuditHeadReported,
    CountyProfile,
    SpecialStats,
    StatisticSummary,
)

__all__ = [
    "AUDIT_HEAD_MEMO",
    "OVERDUE_MEMO",
    "PROFILE_MEMO",
    "Touched",
    "check_chain",
    "county_profile",
    "sync_outgoing",
    "sync_received",
    "sync_tick",
    "touched_by",
]

PROFILE_MEMO = "profile"
"""The ``sync_state`` key of the profile last published."""
AUDIT_HEAD_MEMO = "audit_head"
"""The ``sync_state`` key of the audit chain head last published."""
OVERDUE_MEMO = "overdue_as_of"
"""The ``sync_state`` key of the day whose newly overdue counts were last published."""

_CLUE_EVENTS = (ClueRecorded, ClueReferred, ClueClosed, ClueChanged)

@dataclass
class Touched:
    """What one transaction changed that the city hears about, by kind."""

    progress: set[int] = field(default_factory=set)
    findings: set[int] = field(default_factory=set)
    rectification: set[int] = field(default_factory=set)
    clues: set[int] = field(default_factory=set)
    special: set[int] = field(default_factory=set)
    """Inspections whose checklist changed (their figures go up with the findings')."""
    shared: set[int] = field(default_factory=set)
    """Findings shared, or shared until this transaction."""
    city_clues: set[int] = field(default_factory=set)
    """Clues about city-managed cadres, or thought to be until this transaction."""

    def inspections(self) -> set[int]:
        """Every inspection touched."""
        return self.progress | self.findings | self.rectification | self.clues | self.special

    def __bool__(self) -> bool:
        return bool(self.inspections() or self.shared or self.city_clues)


def touched_by(events: Sequence[Envelope]) -> Touched:
    """Sort the workflow events of a transaction into what must be reported."""
    touched = Touched()
    for env in events:
        event: Event = env.payload
        if isinstance(event, InspectionPlanned | InspectionStageChanged):
            touched.progress.add(event.inspection_id)
        elif isinstance(event, FindingRecorded):  # FindingChanged too
            touched.findings.add(event.inspection_id)
            if event.shared or (isinstance(event, FindingChanged) and event.was_shared):
                touched.shared.add(event.finding_id)
        elif isinstance(event, _CLUE_EVENTS):
            touched.clues.add(event.inspection_id)
            if event.city_managed or (isinstance(event, ClueChanged)
                                      and event.was_city_managed):
                touched.city_clues.add(event.clue_id)
        elif isinstance(event, RectificationItemChanged):
            touched.rectification.add(event.inspection_id)
        elif isinstance(event, ChecklistMarked):
            touched.special.add(event.inspection_id)
    return touched


async def sync_outgoing(events: Sequence[Envelope], work: Work) -> None:
    """Emit the summaries of what the transaction changed (a county only)."""
    if not work.tenant.parent_code:
        return
    touched = touched_by(events)
    if not touched:
        return
    session, today = work.session, work.clock.today()
    await summaries.lock_inspections(session, touched.inspections())
    out: list[Event] = []
    if touched.progress:
        out += await summaries.progress(session, touched.progress)
    if touched.findings:
        out += await summaries.finding_stats(session, touched.findings)
    if touched.shared:
        out += await summaries.shared_findings(session, touched.shared)
    if touched.rectification:
        out += await summaries.rectification_stats(session, touched.rectification, today)
    if touched.clues:
        out += await summaries.clue_stats(session, touched.clues, today)
    if touched.city_clues:
        out += await summaries.city_clues(session, touched.city_clues)
    out += await _special_stats(work, touched.progress | touched.findings | touched.special)
    for event in out:
        work.emit(event)


async def _special_stats(work: Work, ids: set[int]) -> list[Event]:
    """The figures plugins count for each touched inspection that has any."""
    out: list[Event] = []
    for row in await work.session.list(Inspection, {"id": sorted(ids)}, limit=None) if ids else []:
        figures = await inspection_statistics(work, row["id"], row["kind"])
        if figures:
            out.append(SpecialStats(inspection_id=row["id"], kind=row["kind"], statistics=[
                StatisticSummary(code=f.code, label=f.label, value=f.value, unit=f.unit)
                for f in figures]))
    return out


async def county_profile(session: TenantSession, tenant: TenantInfo) -> CountyProfile:
    """The county's name, region and active orgs by kind."""
    mark = session.db.dialect.mark
    rows = await session.db.fetch(
        f'SELECT "kind", COUNT(*) AS n FROM "org" WHERE "tenant_id" = {mark(1)} AND "active" '
        'GROUP BY "kind"', [session.tenant_id], session.tenant_id)
    return CountyProfile(code=tenant.code, name=tenant.name, region=tenant.region,
                         orgs_by_kind={r["kind"]: int(r["n"]) for r in rows})


async def _head(session: TenantSession, runtime: Runtime) -> AuditHeadReported | None:
    rows = await session.list(AuditHead, limit=1)
    if not rows or int(rows[0]["seq"]) == 0:
        return None
    row = rows[0]
    return AuditHeadReported(seq=int(row["seq"]), hash=row["hash"],
                             at=row["updated_at"] or runtime.clock.now())


async def sync_tick(tenant: TenantInfo, runtime: Runtime) -> None:
    """Publish the profile and the audit chain head of a county, where they changed.

    Nothing is written when nothing changed (no write transaction is opened);
    otherwise each event and its memo commit together. The sync service runs
    one tick at a time; two processes ticking at once may both publish a
    change: the city keeps the newer, no harm done.
    """
    if not tenant.parent_code:
        return
    await _publish_changes(tenant, runtime)


async def _publish_changes(tenant: TenantInfo, runtime: Runtime) -> None:
    session = runtime.db.tenant(tenant.id)
    memos = await read_memos(session, [PROFILE_MEMO, AUDIT_HEAD_MEMO, OVERDUE_MEMO])
    due: list[tuple[str, Event, Any]] = []
    profile = await county_profile(session, tenant)
    if memos.get(PROFILE_MEMO) != msgspec.to_builtins(profile):
        due.append((PROFILE_MEMO, profile, msgspec.to_builtins(profile)))
    head = await _head(session, runtime)
    if head is not None and memos.get(AUDIT_HEAD_MEMO) != {"seq": head.seq, "hash": head.hash}:
        due.append((AUDIT_HEAD_MEMO, head, {"seq": head.seq, "hash": head.hash}))
    today = runtime.clock.today()
    new_day = memos.get(OVERDUE_MEMO) != today.isoformat()
    if not due and not new_day:
        return
    work = Work(session=session, tenant=tenant, actor="sync:tick", clock=runtime.clock,
                plugins=runtime.plugins)
    async with work.transaction():
        for key, event, memo in due:
            work.emit(event)
            await write_memo(session, key, memo)
        if new_day:
            last = memos.get(OVERDUE_MEMO)
            await _report_fell_due(work, date.fromisoformat(last) if last else None, today)
            await write_memo(session, OVERDUE_MEMO, today.isoformat())


async def _report_fell_due(work: Work, since: date | None, today: date) -> None:
    """Report again what a new day made overdue: the ledger and clue counts of the
    inspections concerned, and the directives those items answer."""
    session = work.session
    items, ledgers, clues = await summaries.fell_due(session, since, today)
    await summaries.lock_inspections(session, ledgers | clues)
    out: list[Event] = []
    if ledgers:
        out += await summaries.rectification_stats(session, ledgers, today)
    if clues:
        out += await summaries.clue_stats(session, clues, today)
    for event in out:
        work.emit(event)
    await answer_directives(work, items)


async def check_chain(work: Work, request: AuditCheckRequested) -> AuditChecked:
    """Verify the tenant's chain and that it still holds the head the city keeps.

    A chain rewritten consistently (every hash recomputed) verifies on its
    own; the city's head is what catches it, and a truncated chain.
    """
    report = await verify_chain(work.session.db, work.tenant.id)
    problems = list(report.problems)
    if request.seq > 0:
        rows = await work.session.list(AuditEntry, {"seq": request.seq}, limit=None)
        if not rows:
            problems.append(f"上级所持链头第 {request.seq} 条在本机构审计链中已不存在"
                            "（审计链被截断或记录被删除）")
        elif not any(r["hash"] == request.hash for r in rows):
            problems.append(f"第 {request.seq} 条的哈希与上级所持链头不一致（审计链被改写）")
    elif request.hash != GENESIS:
        problems.append("上级所持链头无效（第 0 条只能是空链）")
    return AuditChecked(check_id=request.check_id, seq=request.seq, hash=request.hash,
                        ok=not problems, entries=report.entries, problems=problems,
                        checked_at=work.clock.now())


async def sync_received(event: Envelope, tenant: TenantInfo, work: Work) -> None:
    """Answer a chain check the county's own city asked for."""
    request = event.payload
    if not isinstance(request, AuditCheckRequested):
        return
    if not tenant.parent_code or event.origin != tenant.parent_code:
        return
    work.emit(await check_chain(work, request))
