"""What a county publishes up (``coverage.reported``) and what each side keeps of the other.

- :func:`sync_outgoing`: a transaction that moved an inspection (planned,
  stage changed) or changed the coverage decisions or plan republishes the
  county's current term, in that same transaction, if the report changed.
- :func:`sync_tick`: the sync service's minute tick republishes when the
  report changed without an event (an org added by ``xuncha tenants sync``,
  a round's period ending, a new day's risks).
- :func:`sync_received`: a city keeps each county's newest report per term
  (table ``coverage_county_report``); a county keeps the coverage directives
  of its own city (table ``coverage_directive``).

The county's memo row (``coverage_memo``) is updated first in a publishing
transaction, which serialises concurrent publishers: the second waits for
the first to commit and then sees its change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import msgspec

from core.api import Envelope, TenantInfo, Work
from plugins.village_coverage.events import (
    CoverageDirectiveIssued,
    CoverageReported,
    VillageLine,
)
from plugins.village_coverage.model import Population
from plugins.village_coverage.status import Coverage, current_term, load_coverage
from plugins.village_coverage.tables import (
    CoverageCountyReport,
    CoverageDirective,
    CoverageMemo,
)

__all__ = [
    "TRIGGERS",
    "build_report",
    "publish_if_changed",
    "store_directive",
    "store_report",
    "sync_outgoing",
    "sync_received",
    "sync_tick",
]

TRIGGERS = frozenset({"inspection.planned", "inspection.stage_changed", "coverage.changed"})
"""Event types after which a county's coverage may have changed."""


def build_report(coverage: Coverage, county_name: str = "") -> CoverageReported:
    """The county's coverage of the term, as the city sees it (with the county's name: a
    city served by another deployment knows the county by nothing else)."""
    term = coverage.term
    villages = [
        VillageLine(code=line.code, name=line.name, township=line.township,
                    classification=line.classification, mode=line.mode, state=line.state.value,
                    year=line.year, at_risk=line.at_risk)
        for line in coverage.members(Population.villages.value)]
    open_slots = coverage.open_slots
    return CoverageReported(
        term_id=term["id"], term_name=term["name"], term_start=term["start_date"],
        term_end=term["end_date"], as_of=coverage.today,
        populations=[coverage.totals(p) for p in coverage.populations],
        rounds_left=len(open_slots), capacity_left=len(open_slots) * coverage.high,
        warnings=list(coverage.warnings), villages=villages, county_name=county_name)


def _digest(report: CoverageReported) -> str:
    # The day alone does not make a new report.
    body = msgspec.json.encode(msgspec.structs.replace(report, as_of=report.term_start))
    return hashlib.sha256(body).hexdigest()


async def _lock_memo(work: Work, term_id: int) -> str:
    """Take the memo row of the term (create it if missing); returns its digest."""
    db, session = work.session.db, work.session
    mark = db.dialect.mark
    rows = await db.fetch(
        'INSERT INTO "coverage_memo" ("tenant_id", "term_id", "digest", "updated_at") '
        f"VALUES ({mark(1)}, {mark(2)}, '', {mark(3)}) "
        'ON CONFLICT ("tenant_id", "term_id") DO UPDATE SET "updated_at" = excluded."updated_at" '
        'RETURNING "digest"',
        [session.tenant_id, term_id, work.clock.now()], session.tenant_id)
    return str(rows[0]["digest"]) if rows else ""


async def publish_if_changed(work: Work) -> CoverageReported | None:
    """Emit the current term's report if it differs from the last one published.

    Call inside a transaction of the county; returns the report emitted, if any.
    """
    if not work.tenant.parent_code:
        return None
    term = await current_term(work)
    if term is None:
        return None
    async with work.transaction():
        published = await _lock_memo(work, term["id"])
        report = build_report(await load_coverage(work, term), work.tenant.name)
        digest = _digest(report)
        if digest == published:
            return None
        work.emit(report)
        await work.session.update(CoverageMemo, {"term_id": term["id"]},
                                  {"digest": digest, "updated_at": work.clock.now()})
    return report


async def sync_outgoing(events: Sequence[Envelope], work: Work) -> None:
    """Republish after a change that may move the county's coverage."""
    if work.tenant.parent_code and any(env.type in TRIGGERS for env in events):
        await publish_if_changed(work)


async def sync_tick(tenant: TenantInfo, runtime: Any) -> None:
    """Republish when the coverage changed without an event (once a minute at most)."""
    if not tenant.parent_code:
        return
    work = Work(session=runtime.db.tenant(tenant.id), tenant=tenant, actor="sync:tick",
                clock=runtime.clock, plugins=runtime.plugins)
    term = await current_term(work)
    if term is None:
        return
    rows = await work.session.list(CoverageMemo, {"term_id": term["id"]}, limit=1)
    report = build_report(await load_coverage(work, term), work.tenant.name)
    if rows and rows[0]["digest"] == _digest(report):
        return  # unchanged: no write transaction at all
    await publish_if_changed(work)


async def store_report(work: Work, origin: str, version: str, report: CoverageReported) -> bool:
    """Keep a county's report unless a newer one of the same term is held."""
    session = work.session
    where = {"county": origin, "term_id": report.term_id}
    held = await session.list(CoverageCountyReport, where, limit=1)
    values = {"term_start": report.term_start, "version": version,
              "data": msgspec.to_builtins(report), "received_at": work.clock.now()}
    if not held:
        await session.insert(CoverageCountyReport, [{**where, **values}])
        return True
    if held[0]["version"] >= version:
        return False
    await session.update(CoverageCountyReport, {"id": held[0]["id"]}, values)
    return True


async def store_directive(work: Work, origin: str, directive: CoverageDirectiveIssued) -> None:
    """Keep a directive of the county's city (a newer version replaces the older)."""
    session = work.session
    where = {"direction": "received", "county": origin, "source_id": directive.directive_id}
    values = {"kind": directive.kind, "title": directive.title, "body": directive.body,
              "village_codes": list(directive.village_codes),
              "issued_on": directive.issued_on}
    if not await session.update(CoverageDirective, where, values):
        await session.insert(CoverageDirective, [{**where, **values}])


async def sync_received(event: Envelope, tenant: TenantInfo, work: Work) -> None:
    """A city keeps its counties' reports; a county keeps its own city's directives."""
    payload = event.payload
    if isinstance(payload, CoverageReported):
        await store_report(work, event.origin, event.id, payload)
    elif isinstance(payload, CoverageDirectiveIssued) and event.origin == tenant.parent_code:
        await store_directive(work, event.origin, payload)
