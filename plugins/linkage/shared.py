"""Shared findings (共享问题): from one county, through the city, to its siblings.

A county reports a finding it marked shared (``shared_finding.reported``);
the city keeps it as a replica and forwards it to every county
(``shared_finding.forwarded``, ``to=None``) with the source county's code
and name. Each county keeps the forwarded copies as replicas and lists
those of its siblings; its own, forwarded back, are not shown. A finding
un-shared (``withdrawn``) is forwarded too and disappears from the lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from core.api import (
    ORG_KIND_LABELS,
    SEVERITY_LABELS,
    Envelope,
    Page,
    Replica,
    Tenant,
    TenantInfo,
    Work,
    finding_categories,
)
from plugins.linkage.events import SharedFinding, SharedFindingForwarded
from plugins.linkage.model import is_county

__all__ = [
    "SharedFindingOut",
    "SharedFindingPage",
    "forward_shared_finding",
    "list_shared_findings",
]


class SharedFindingOut(msgspec.Struct, kw_only=True):
    """A shared finding of a county, as the city or a sibling county sees it."""

    source: str
    source_name: str
    finding_id: int
    inspection_id: int
    org_name: str
    org_kind: str
    org_kind_label: str
    category: str
    category_label: str
    severity: str
    severity_label: str
    title: str
    description: str
    reported_at: datetime


SharedFindingPage = Page[SharedFindingOut]
"""A page of shared findings, newest first, and the total."""


_SEVERITY_LABELS: Mapping[Any, str] = SEVERITY_LABELS
"""Keyed by StrEnum members, which hash and compare as their codes: a code finds its label."""


async def _county_name(work: Work, code: str) -> str:
    """The name a county reported (its profile), or the one this deployment knows."""
    rows = await work.session.list(Replica, {"kind": "county", "origin": code}, limit=1)
    if rows and isinstance(rows[0]["data"], dict) and rows[0]["data"].get("name"):
        return str(rows[0]["data"]["name"])
    db = work.session.db
    found = await db.fetch(f'SELECT "name" FROM "{Tenant._meta.tablename}" '
                           f'WHERE "code" = {db.dialect.mark(1)}', [code])
    return str(found[0]["name"]) if found else code


async def forward_shared_finding(event: Envelope, work: Work) -> None:
    """In a city, forward a county's shared finding to every county (``xuncha_sync_received``)."""
    if not isinstance(event.payload, SharedFinding) or is_county(work.tenant):
        return
    work.emit(SharedFindingForwarded(source=event.origin,
                                     source_name=await _county_name(work, event.origin),
                                     finding=event.payload))


def _out(source: str, source_name: str, finding: SharedFinding, reported_at: datetime,
         categories: Mapping[str, str]) -> SharedFindingOut:
    return SharedFindingOut(
        source=source, source_name=source_name, finding_id=finding.finding_id,
        inspection_id=finding.inspection_id, org_name=finding.org_name,
        org_kind=finding.org_kind,
        org_kind_label=ORG_KIND_LABELS.get(finding.org_kind, finding.org_kind),
        category=finding.category,
        category_label=categories.get(finding.category, finding.category),
        severity=finding.severity,
        severity_label=_SEVERITY_LABELS.get(finding.severity, finding.severity),
        title=finding.title, description=finding.description, reported_at=reported_at)


def _visible(tenant: TenantInfo, row: Mapping[str, Any], names: Mapping[str, str],
             categories: Mapping[str, str]) -> SharedFindingOut | None:
    """A replica of kind ``shared_finding`` as this tenant lists it, or None."""
    data = row["data"]
    try:
        if is_county(tenant):
            if row["origin"] != tenant.parent_code:
                return None
            forwarded = msgspec.convert(data, SharedFindingForwarded, strict=False)
            if forwarded.source == tenant.code or forwarded.finding.withdrawn:
                return None  # its own, back from the city; or un-shared
            return _out(forwarded.source, forwarded.source_name, forwarded.finding,
                        row["occurred_at"], categories)
        finding = msgspec.convert(data, SharedFinding, strict=False)
    except msgspec.ValidationError:
        return None
    if finding.withdrawn:
        return None
    return _out(row["origin"], names.get(row["origin"], row["origin"]), finding,
                row["occurred_at"], categories)


async def list_shared_findings(work: Work, *, source: str | None, limit: int,
                               offset: int) -> SharedFindingPage:
    """Shared findings this tenant holds: in a county its siblings', in a city its counties'.

    Args:
        work: the tenant's unit of work.
        source: only those of this county.
        limit: page size.
        offset: rows to skip.
    """
    rows = await work.session.list(Replica, {"kind": "shared_finding"}, limit=None)
    names: dict[str, str] = {}
    if not is_county(work.tenant):
        for code in sorted({r["origin"] for r in rows}):
            names[code] = await _county_name(work, code)
    # Every loaded plugin's categories: a sibling's finding may use one this tenant disabled.
    found = await finding_categories(work)
    categories = {code: c.label for code, c in found.items()}
    outs = [out for row in rows
            if (out := _visible(work.tenant, row, names, categories)) is not None
            and (source is None or out.source == source)]
    outs.sort(key=lambda out: (out.reported_at, out.source, out.finding_id), reverse=True)
    return SharedFindingPage(items=outs[offset: offset + limit], total=len(outs),
                             limit=limit, offset=offset)
