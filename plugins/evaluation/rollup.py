"""What a city keeps of its counties' signed evaluations, and the comparison of counties.

A city never reads a county's tables: it keeps each ``evaluation.signed`` it
received (``evaluation_county_result``, newest version per county and
evaluation) and compares its counties from those: how many units were
evaluated, the average and lowest total, and how many got each grade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.api import Envelope, Work, enabled_for
from plugins.evaluation.events import EvaluationSigned
from plugins.evaluation.model import GRADE_LABELS, PLUGIN_NAME, Grade
from plugins.evaluation.tables import EvaluationCountyResult

__all__ = ["CountyResults", "compare_counties", "county_names", "county_results",
           "store_result", "sync_received"]


async def store_result(work: Work, origin: str, version: str, signed: EvaluationSigned) -> bool:
    """Keep a county's signed evaluation unless a newer version of it is held."""
    where = {"county": origin, "source_id": signed.evaluation_id}
    values = {"county_name": signed.county_name[:100],
              "inspection_title": signed.inspection_title[:200],
              "org_name": signed.org_name[:200], "year": signed.year, "total": signed.total,
              "grade": signed.grade, "parts": dict(signed.parts), "signed_on": signed.signed_on,
              "version": version, "received_at": work.clock.now()}
    held = await work.session.list(EvaluationCountyResult, where, limit=1)
    if not held:
        await work.session.insert(EvaluationCountyResult, [{**where, **values}])
        return True
    if held[0]["version"] >= version:
        return False
    await work.session.update(EvaluationCountyResult, {"id": held[0]["id"]}, values)
    return True


async def sync_received(event: Envelope, work: Work) -> None:
    """A city keeps what its counties signed off."""
    if isinstance(event.payload, EvaluationSigned):
        await store_result(work, event.origin, event.id, event.payload)


@dataclass
class CountyResults:
    """One county's signed evaluations as the city received them."""

    code: str
    name: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    office: dict[str, Any] | None = None

    @property
    def count(self) -> int:
        """Units evaluated."""
        return len(self.rows)

    @property
    def average(self) -> float | None:
        """The average total (None without any)."""
        return round(sum(float(r["total"]) for r in self.rows) / len(self.rows), 2) \
            if self.rows else None

    @property
    def lowest(self) -> float | None:
        """The lowest total (None without any)."""
        return min(float(r["total"]) for r in self.rows) if self.rows else None

    def by_grade(self) -> dict[str, int]:
        """Units per grade label: the city's scheme's labels (``labels``), then any other
        label a county of another scheme reported (合格, 基本合格, ...)."""
        counts = {label: 0 for label in self.labels}
        for row in self.rows:
            label = row["grade_label"]
            counts[label] = counts.get(label, 0) + 1
        return counts


async def county_results(work: Work) -> dict[str, list[dict[str, Any]]]:
    """The results held, by county."""
    rows = await work.session.list(EvaluationCountyResult,
                                   order_by=("county", "signed_on", "id"), limit=None)
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        row["total"] = float(row["total"])
        row["grade_label"] = GRADE_LABELS[Grade(row["grade"])] \
            if row["grade"] in Grade.__members__ else row["grade"]
        out.setdefault(row["county"], []).append(row)
    return out


async def county_names(work: Work, runtime: Any) -> dict[str, str]:
    """The counties the city knows: those registered here using the plugin and those that
    reported (a county of another deployment is named by its results), by code."""
    held = await county_results(work)
    everyone = await runtime.tenants.all()
    names = {t.code: t.name for t in everyone
             if (t.parent_id == work.tenant.id or t.parent_code == work.tenant.code)
             and enabled_for(t.plugins, PLUGIN_NAME)}
    for code, rows in held.items():
        names.setdefault(code, rows[-1]["county_name"] or code)
    return dict(sorted(names.items()))


async def compare_counties(work: Work, runtime: Any,
                           labels: list[str] | None = None) -> list[CountyResults]:
    """Every county of the city: those registered here using the plugin and those that
    reported (a county of another deployment is named by its results); ``labels``: the
    grade labels of the city's scheme, in order."""
    held = await county_results(work)
    everyone = await runtime.tenants.all()
    names = {t.code: t.name for t in everyone
             if (t.parent_id == work.tenant.id or t.parent_code == work.tenant.code)
             and enabled_for(t.plugins, PLUGIN_NAME)}
    for code, rows in held.items():
        names.setdefault(code, rows[-1]["county_name"] or code)
    return [CountyResults(code=code, name=names[code], rows=held.get(code, []),
                          labels=list(labels or []))
            for code in sorted(names)]
