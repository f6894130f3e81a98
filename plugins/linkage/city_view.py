"""The city's view of its counties, built from the replicas it received and nothing else.

A city never reads a county's tables: what it knows of a county is the
latest report of each kind the county sent up (table ``replica`` of the
city, grouped by ``origin``), plus the county's name from the shared tenant
registry. Chain checks the city asked for are remembered in its own
``sync_state`` (memo ``audit_checks``) until the answer comes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from uuid6 import uuid7

from core.api import (
    Replica,
    TenantInfo,
    TenantRegistry,
    TenantSession,
    Work,
    read_memos,
    write_memo,
)
from plugins.linkage.events import AuditCheckRequested

__all__ = [
    "CHECKS_MEMO",
    "INSPECTION_KINDS",
    "SUMMARY_KINDS",
    "CountyView",
    "InspectionView",
    "city_clue_rows",
    "county_views",
    "request_check",
]

CHECKS_MEMO = "audit_checks"
"""``sync_state`` key of the chain checks asked: ``{county: {check_id, seq, at}}``."""

INSPECTION_KINDS = ("inspection", "finding_stats", "rectification_stats", "clue_stats",
                    "special_stats")
"""Replica kinds keyed by inspection id."""
SUMMARY_KINDS = ("county", *INSPECTION_KINDS, "audit_head", "audit_check")
"""Replica kinds the county list reads."""


@dataclass
class InspectionView:
    """One inspection of a county: its latest reports of each kind (None: not received)."""

    id: int
    progress: dict[str, Any] | None = None
    findings: dict[str, Any] | None = None
    rectification: dict[str, Any] | None = None
    clues: dict[str, Any] | None = None
    special: dict[str, Any] | None = None
    """A special inspection's figures (``special_stats``)."""


@dataclass
class CountyView:
    """What the city holds of one county."""

    code: str
    name: str
    region: str = ""
    profile: dict[str, Any] | None = None
    last_heard: datetime | None = None
    inspections: dict[int, InspectionView] = field(default_factory=dict)
    audit_head: dict[str, Any] | None = None
    audit_check: dict[str, Any] | None = None
    pending_check: dict[str, Any] | None = None
    shared: list[dict[str, Any]] = field(default_factory=list)

    def stages(self) -> Counter[str]:
        """Inspections by stage code."""
        return Counter(i.progress["stage"] for i in self.inspections.values() if i.progress)

    def _sum(self, part: str, name: str) -> int:
        return sum(int((getattr(i, part) or {}).get(name, 0)) for i in self.inspections.values())

    def findings_by_category(self) -> Counter[str]:
        """Findings of every inspection by focus area (category code)."""
        total: Counter[str] = Counter()
        for insp in self.inspections.values():
            total.update((insp.findings or {}).get("by_category", {}))
        return total

    def findings(self, name: str = "total") -> int:
        """A findings count summed over the inspections (``total``, ``fix_now``, ``shared``)."""
        return self._sum("findings", name)

    def rectification(self, name: str) -> int:
        """A ledger count summed over the inspections (``total``, ``closed``, ``overdue``)."""
        return self._sum("rectification", name)

    def escalations(self) -> Counter[str]:
        """Ledger items by escalation level, over the inspections."""
        total: Counter[str] = Counter()
        for insp in self.inspections.values():
            total.update((insp.rectification or {}).get("by_escalation", {}))
        return total

    def clues(self, name: str) -> int:
        """A clue count summed over the inspections (``recorded``, ``referred``, ...)."""
        return self._sum("clues", name)

    @property
    def reported(self) -> bool:
        """Whether anything of the county was received."""
        return self.last_heard is not None


async def _replicas(session: TenantSession, kinds: Iterable[str],
                    origin: str | None) -> list[dict[str, Any]]:
    where: dict[str, Any] = {"kind": list(kinds)}
    if origin is not None:
        where["origin"] = origin
    return await session.list(Replica, where, order_by=("origin", "kind", "key"), limit=None)


def _place(county: CountyView, row: dict[str, Any]) -> None:
    kind, data = row["kind"], row["data"]
    received = row["received_at"]
    if county.last_heard is None or (received is not None and received > county.last_heard):
        county.last_heard = received
    if kind in INSPECTION_KINDS:
        if not row["key"].isdigit():
            return
        insp = county.inspections.setdefault(int(row["key"]), InspectionView(int(row["key"])))
        attr = {"inspection": "progress", "finding_stats": "findings",
                "rectification_stats": "rectification", "clue_stats": "clues",
                "special_stats": "special"}[kind]
        setattr(insp, attr, data)
    elif kind == "county":
        county.profile = data
        county.name = data.get("name") or county.name
        county.region = data.get("region") or county.region
    elif kind == "audit_head":
        county.audit_head = data
    elif kind == "audit_check":
        county.audit_check = data
    elif kind == "shared_finding" and not data.get("withdrawn"):
        county.shared.append(data)


async def county_views(session: TenantSession, tenants: TenantRegistry, city: TenantInfo,
                       only: str | None = None, *, shared: bool = False) -> list[CountyView]:
    """Every county the city knows or heard from (or only county ``only``), in code order.

    Args:
        session: the city's session.
        tenants: the tenant registry (names of counties not heard from yet).
        city: the city.
        only: a county code.
        shared: also read the county's shared findings.
    """
    await tenants.refresh()
    counties = {t.code: CountyView(code=t.code, name=t.name, region=t.region)
                for t in tenants.children(city) if only in (None, t.code)}
    kinds = (*SUMMARY_KINDS, "shared_finding") if shared else SUMMARY_KINDS
    for row in await _replicas(session, kinds, only):
        origin = row["origin"]
        county = counties.get(origin)
        if county is None:
            county = counties[origin] = CountyView(code=origin, name=origin)
        _place(county, row)
    pending = (await read_memos(session, [CHECKS_MEMO])).get(CHECKS_MEMO) or {}
    for county in counties.values():
        asked = pending.get(county.code)
        answered = (county.audit_check or {}).get("check_id")
        if asked and asked.get("check_id") != answered:
            county.pending_check = asked
    return [counties[code] for code in sorted(counties)]


async def city_clue_rows(session: TenantSession, origin: str | None = None
                         ) -> list[dict[str, Any]]:
    """Replicas of clues about city-managed cadres still reported as such, newest first."""
    rows = await _replicas(session, ["city_clue"], origin)
    live = [r for r in rows if not r["data"].get("withdrawn")]
    return sorted(live, key=lambda r: (r["received_at"], r["origin"], r["key"]), reverse=True)


async def request_check(work: Work, county: str, head: dict[str, Any]) -> str:
    """Ask ``county`` to verify its chain against ``head`` (the latest the city holds).

    The request goes down in the city's transaction, audited, and is
    remembered until the answer (replica ``audit_check``) names it.

    Returns:
        The check's id.
    """
    check_id = str(uuid7())
    seq, digest = int(head["seq"]), str(head["hash"])
    async with work.transaction():
        work.emit(AuditCheckRequested(check_id=check_id, seq=seq, hash=digest), to=county)
        memos = (await read_memos(work.session, [CHECKS_MEMO])).get(CHECKS_MEMO) or {}
        memos[county] = {"check_id": check_id, "seq": seq,
                         "at": work.clock.now().isoformat()}
        await write_memo(work.session, CHECKS_MEMO, memos)
        await work.audit("county.audit_check", "county", county,
                         {"check_id": check_id, "seq": seq})
    return check_id
