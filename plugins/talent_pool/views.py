"""What the API and the pages show of a person: the roster line and the full record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugins.talent_pool.model import (
    HISTORY_LABELS,
    NOMINATION_LABELS,
    POLITICAL_LABELS,
    POOL_LABELS,
    RELATION_LABELS,
    STATUS_LABELS,
    HistoryKind,
    Nomination,
    Political,
    Pool,
    RelationKind,
    Status,
    specialty_label,
)
from plugins.talent_pool.suggest import Candidate, Suggestion

__all__ = ["line_out", "record_out", "suggestion_out", "summary_out"]

SUMMARY = ("id", "person_key", "name", "home_unit", "post", "rank", "specialties", "pools",
           "status", "nomination_kind", "nominated_on")


def _labels(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "status_label": STATUS_LABELS.get(Status(row["status"]), row["status"]),
        "pool_labels": [POOL_LABELS.get(Pool(p), p) if p in Pool.__members__ else p
                        for p in row.get("pools") or []],
        "specialty_labels": [specialty_label(s) for s in row.get("specialties") or []],
    }


def summary_out(row: Mapping[str, Any]) -> dict[str, Any]:
    """A roster line: who, where, what for; no personal data beyond that."""
    out = {k: row.get(k) for k in SUMMARY}
    kind = row.get("nomination_kind") or "nomination"
    return {**out, **_labels(row),
            "nomination_label": NOMINATION_LABELS.get(Nomination(kind), kind)}


def line_out(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A line of history, a relation or a period, with its label."""
    out = {k: v for k, v in row.items() if k != "tenant_id"}
    if kind == "history":
        out["kind_label"] = HISTORY_LABELS[HistoryKind(row["kind"])]
    elif kind == "relations":
        out["kind_label"] = RELATION_LABELS[RelationKind(row["kind"])]
    return out


def record_out(record: Mapping[str, Any]) -> dict[str, Any]:
    """The whole record: the person, every line, appraisals and secondments."""
    person = {k: v for k, v in record["person"].items() if k != "tenant_id"}
    political = person.get("political_status") or "cpc"
    return {
        **person, **summary_out(person),
        "political_label": POLITICAL_LABELS.get(Political(political), political),
        **{kind: [line_out(kind, r) for r in record[kind]]
           for kind in ("history", "relations", "availability")},
        "appraisals": list(record.get("appraisals", [])),
        "secondments": list(record.get("secondments", [])),
    }


def _candidate(c: Candidate) -> dict[str, Any]:
    return {"person_id": c.person_id, "person_key": c.person_key, "name": c.name,
            "home_unit": c.home_unit, "post": c.post, "role": c.role,
            "role_label": c.role_label, "score": round(c.score, 1),
            "specialty_labels": [specialty_label(s) for s in c.specialties],
            "rounds_this_year": c.rounds, "reasons": c.reasons, "warnings": c.warnings,
            "barred": c.barred}


def suggestion_out(s: Suggestion, top: int = 30) -> dict[str, Any]:
    """The proposal: the team with reasons, the next best, and who was left out and why."""
    return {
        "inspection_id": s.inspection["id"], "title": s.inspection["title"],
        "targets": s.targets, "needed": [label for _, label in s.needed],
        "period": [s.span[0].isoformat(), s.span[1].isoformat()] if s.span else None,
        "current": [{"name": n, "role_label": r} for n, r in s.current],
        "team": [_candidate(c) for c in s.team],
        "candidates": [_candidate(c) for c in s.ranked[:top]],
        "barred": [_candidate(c) for c in s.barred[:top]],
        "considered": s.considered, "barred_total": s.barred_total, "team_size": s.size,
    }
