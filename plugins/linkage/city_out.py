"""The JSON shapes of the city's view of its counties, and how a view becomes one.

Codes come with their Chinese labels: stages and clue words from the
workflow's model, inspection kinds and finding categories from the hooks
(a category of a plugin the city does not load keeps its code as label).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import msgspec

from core.api import (
    CHINA,
    CLUE_GRADE_LABELS,
    CLUE_STATUS_LABELS,
    ESCALATION_LABELS,
    ORG_KIND_LABELS,
    RECEIVING_BODY_LABELS,
    SEVERITY_LABELS,
    STAGE_LABELS,
    Page,
)
from plugins.linkage.city_view import CountyView, InspectionView

__all__ = [
    "AuditOut",
    "CityClueOut",
    "CityCluePage",
    "ClueCountsOut",
    "Count",
    "CountyDetailOut",
    "CountyOut",
    "InspectionOut",
    "Labels",
    "RectificationOut",
    "SharedFindingOut",
    "audit_status",
    "china_time",
    "city_clue_out",
    "county_detail_out",
    "county_out",
]


class Labels(msgspec.Struct, kw_only=True):
    """Chinese labels of the codes the city does not define itself."""

    kinds: dict[str, str]
    categories: dict[str, str]


class Count(msgspec.Struct, kw_only=True):
    """A code, its Chinese label and a count."""

    code: str
    label: str
    count: int


class RectificationOut(msgspec.Struct, kw_only=True):
    """Ledger items: total, closed (销号), completion rate (0-1, None without items),
    overdue and escalated by level."""

    total: int
    closed: int
    completion_rate: float | None
    overdue: int
    by_escalation: list[Count]


class ClueCountsOut(msgspec.Struct, kw_only=True):
    """Clue outcomes as counts (persons never leave the county)."""

    recorded: int
    referred: int
    concluded: int
    overdue_replies: int


class AuditCheckOut(msgspec.Struct, kw_only=True):
    """The county's answer to the last chain check."""

    check_id: str
    seq: int
    ok: bool
    entries: int
    problems: list[str]
    checked_at: datetime


class AuditOut(msgspec.Struct, kw_only=True):
    """The county's audit chain head as last received and the last check's result."""

    head_seq: int | None
    head_hash: str | None
    head_at: datetime | None
    last_check: AuditCheckOut | None
    pending: bool
    status: str


class CountyOut(msgspec.Struct, kw_only=True):
    """One county as the city sees it (from its reports only)."""

    code: str
    name: str
    region: str
    reported: bool
    last_heard: datetime | None
    orgs_by_kind: list[Count]
    inspections: int
    stages: list[Count]
    findings: int
    fix_now: int
    shared_findings: int
    findings_by_category: list[Count]
    rectification: RectificationOut
    clues: ClueCountsOut
    audit: AuditOut


class TargetOut(msgspec.Struct, kw_only=True):
    """An inspected org of the county."""

    org_id: int
    code: str
    name: str
    kind: str
    kind_label: str


class InspectionOut(msgspec.Struct, kw_only=True):
    """One inspection of the county with its reported counts."""

    id: int
    round_year: int | None
    round_number: int | None
    kind: str | None
    kind_label: str
    title: str
    stage: str | None
    stage_label: str
    targets: list[TargetOut]
    arrival_date: date | None
    withdrawal_date: date | None
    findings: int
    findings_by_category: list[Count]
    rectification: RectificationOut
    clues: ClueCountsOut


class SharedFindingOut(msgspec.Struct, kw_only=True):
    """A finding the county shared with the city (and, through it, its siblings)."""

    finding_id: int
    inspection_id: int
    org_name: str
    org_kind_label: str
    category: str
    category_label: str
    severity_label: str
    title: str
    description: str


class CountyDetailOut(msgspec.Struct, kw_only=True):
    """A county with its inspections and shared findings."""

    county: CountyOut
    inspections: list[InspectionOut]
    shared_findings: list[SharedFindingOut]


class PersonOut(msgspec.Struct, kw_only=True):
    """A person concerned by a clue about a city-managed cadre (confidential)."""

    name: str
    position: str
    unit: str = ""


class CityClueOut(msgspec.Struct, kw_only=True):
    """A clue about a city-managed cadre reported by a county, with its persons."""

    county: str
    county_name: str
    clue_id: int
    inspection_id: int
    title: str
    summary: str
    org_name: str
    grade: str
    grade_label: str
    persons: list[PersonOut]
    receiving_body: str
    receiving_body_label: str
    status: str
    status_label: str
    reply_due: date | None
    concluded_on: date | None
    received_at: datetime | None


CityCluePage = Page[CityClueOut]
"""A page of clues about city-managed cadres and the total."""


def _day(value: Any) -> date | None:
    return msgspec.convert(value, date | None, strict=False)


def _label(labels: Mapping[Any, str], code: str) -> str:
    # The core's label dicts are keyed by StrEnum members, which hash and compare as
    # their codes: a plain code finds its label, an unknown one falls back to itself.
    return labels.get(code, code)


def _counts(counter: Mapping[str, int], labels: Mapping[Any, str]) -> list[Count]:
    return [Count(code=code, label=_label(labels, code), count=int(n))
            for code, n in sorted(counter.items(), key=lambda kv: (-int(kv[1]), kv[0])) if n]


def _rectification(total: int, closed: int, overdue: int,
                   escalations: Mapping[str, int]) -> RectificationOut:
    return RectificationOut(total=total, closed=closed, overdue=overdue,
                            completion_rate=round(closed / total, 4) if total else None,
                            by_escalation=_counts(escalations, ESCALATION_LABELS))


def _clues(get: Callable[[str], int]) -> ClueCountsOut:
    return ClueCountsOut(recorded=get("recorded"), referred=get("referred"),
                         concluded=get("concluded"), overdue_replies=get("overdue_replies"))


def audit_status(county: CountyView) -> str:
    """"链头第 N 条，已核验 通过/未通过" or "…，未核验" (or that no head came yet)."""
    head, check = county.audit_head, county.audit_check
    if head is None:
        return "尚未收到审计链链头"
    text = f"链头第 {head['seq']} 条，"
    if check is None:
        return text + "未核验"
    text += "已核验 通过" if check.get("ok") else "已核验 未通过"
    if int(check.get("seq", 0)) != int(head["seq"]):
        text += f"（核验至第 {check.get('seq')} 条）"
    return text


def _audit(county: CountyView) -> AuditOut:
    head, check = county.audit_head, county.audit_check
    last = msgspec.convert(check, AuditCheckOut, strict=False) if check else None
    return AuditOut(head_seq=int(head["seq"]) if head else None,
                    head_hash=head["hash"] if head else None,
                    head_at=msgspec.convert(head["at"], datetime, strict=False) if head else None,
                    last_check=last, pending=county.pending_check is not None,
                    status=audit_status(county))


def county_out(county: CountyView, labels: Labels) -> CountyOut:
    """The JSON shape of a county."""
    profile = county.profile or {}
    return CountyOut(
        code=county.code, name=county.name, region=county.region, reported=county.reported,
        last_heard=county.last_heard,
        orgs_by_kind=_counts(profile.get("orgs_by_kind", {}), ORG_KIND_LABELS),
        inspections=len([i for i in county.inspections.values() if i.progress]),
        stages=_counts(county.stages(), STAGE_LABELS),
        findings=county.findings(), fix_now=county.findings("fix_now"),
        shared_findings=county.findings("shared"),
        findings_by_category=_counts(county.findings_by_category(), labels.categories),
        rectification=_rectification(county.rectification("total"),
                                     county.rectification("closed"),
                                     county.rectification("overdue"), county.escalations()),
        clues=_clues(county.clues), audit=_audit(county),
    )


def _inspection_out(insp: InspectionView, labels: Labels) -> InspectionOut:
    progress = insp.progress or {}
    findings, rect, clues = insp.findings or {}, insp.rectification or {}, insp.clues or {}
    stage, kind = progress.get("stage"), progress.get("kind")
    return InspectionOut(
        id=insp.id, round_year=progress.get("round_year"),
        round_number=progress.get("round_number"), kind=kind,
        kind_label=labels.kinds.get(kind, kind or "") if kind else "",
        title=progress.get("title", ""), stage=stage,
        stage_label=_label(STAGE_LABELS, stage) if stage else "尚未报送进度",
        targets=[TargetOut(org_id=t["org_id"], code=t["code"], name=t["name"], kind=t["kind"],
                           kind_label=ORG_KIND_LABELS.get(t["kind"], t["kind"]))
                 for t in progress.get("targets", [])],
        arrival_date=_day(progress.get("arrival_date")),
        withdrawal_date=_day(progress.get("withdrawal_date")),
        findings=int(findings.get("total", 0)),
        findings_by_category=_counts(findings.get("by_category", {}), labels.categories),
        rectification=_rectification(int(rect.get("total", 0)), int(rect.get("closed", 0)),
                                     int(rect.get("overdue", 0)), rect.get("by_escalation", {})),
        clues=_clues(lambda name: int(clues.get(name, 0))),
    )


def _shared_out(data: Mapping[str, Any], labels: Labels) -> SharedFindingOut:
    return SharedFindingOut(
        finding_id=data["finding_id"], inspection_id=data["inspection_id"],
        org_name=data.get("org_name", ""),
        org_kind_label=ORG_KIND_LABELS.get(data.get("org_kind", ""), data.get("org_kind", "")),
        category=data.get("category", ""),
        category_label=labels.categories.get(data.get("category", ""), data.get("category", "")),
        severity_label=_label(SEVERITY_LABELS, data.get("severity", "")),
        title=data.get("title", ""), description=data.get("description", ""))


def county_detail_out(county: CountyView, labels: Labels) -> CountyDetailOut:
    """A county with its inspections (newest round first) and shared findings."""
    inspections = sorted(county.inspections.values(), key=lambda i: (
        -int((i.progress or {}).get("round_year") or 0),
        -int((i.progress or {}).get("round_number") or 0), i.id))
    shared = sorted(county.shared, key=lambda d: -int(d["finding_id"]))
    return CountyDetailOut(county=county_out(county, labels),
                           inspections=[_inspection_out(i, labels) for i in inspections],
                           shared_findings=[_shared_out(d, labels) for d in shared])


def city_clue_out(row: Mapping[str, Any], county_name: str) -> CityClueOut:
    """The JSON shape of a replicated clue about a city-managed cadre."""
    data = row["data"]
    return CityClueOut(
        county=row["origin"], county_name=county_name, clue_id=data["clue_id"],
        inspection_id=data["inspection_id"], title=data.get("title", ""),
        summary=data.get("summary", ""), org_name=data.get("org_name", ""),
        grade=data.get("grade", ""),
        grade_label=_label(CLUE_GRADE_LABELS, data.get("grade", "")),
        persons=msgspec.convert(data.get("persons", []), list[PersonOut], strict=False),
        receiving_body=data.get("receiving_body", ""),
        receiving_body_label=_label(RECEIVING_BODY_LABELS, data.get("receiving_body", "")),
        status=data.get("status", ""),
        status_label=_label(CLUE_STATUS_LABELS, data.get("status", "")),
        reply_due=_day(data.get("reply_due")), concluded_on=_day(data.get("concluded_on")),
        received_at=row["received_at"],
    )


def china_time(value: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM`` in China time, or "—"."""
    if value is None:
        return "—"
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
