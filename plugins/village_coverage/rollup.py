"""The city's roll-up of its counties' coverage, from their reports only.

A city never reads a county's tables: it holds the newest
``coverage.reported`` of each county and term (``coverage_county_report``)
and shows, per county, the latest term's rates for departments and for
villages, what is under way and at risk, and the villages covered per year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.api import Work, enabled_for
from plugins.village_coverage.model import PLUGIN_NAME, Population, rate_text
from plugins.village_coverage.tables import CoverageCountyReport

__all__ = ["CountyCoverage", "Rollup", "county_codes", "latest_reports", "rollup"]


async def county_codes(work: Work, runtime: Any,
                       reported: Mapping[str, Mapping[str, Any]] | Iterable[str] = ()
                       ) -> dict[str, str]:
    """The city's counties, code -> name: those registered here that use the plugin, and
    those that reported (``reported``: codes, or their reports by code; a county served by
    another deployment is named by its report, its code only if the report has no name)."""
    tenant = work.tenant
    everyone = await runtime.tenants.all()
    found = {t.code: t.name for t in everyone
             if (t.parent_id == tenant.id or (t.parent_code and t.parent_code == tenant.code))
             and enabled_for(t.plugins, PLUGIN_NAME)}
    names = {t.code: t.name for t in everyone}
    for code in reported:
        report = reported.get(code) if isinstance(reported, Mapping) else None
        named = str(report.get("county_name") or "") if isinstance(report, Mapping) else ""
        found.setdefault(code, names.get(code) or named or code)
    return found


async def latest_reports(work: Work) -> dict[str, dict[str, Any]]:
    """Each county's report of its latest term (the one starting last)."""
    rows = await work.session.list(CoverageCountyReport,
                                   order_by=("county", "term_start", "version"), limit=None)
    return {row["county"]: row["data"] for row in rows}  # the last of each county wins


@dataclass
class CountyCoverage:
    """One county's coverage as reported (zeros when it has not reported)."""

    code: str
    name: str
    report: dict[str, Any] | None = None
    populations: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def reported(self) -> bool:
        """Whether the county has reported."""
        return self.report is not None

    def count(self, population: str, name: str) -> int:
        """A count of one population (0 when not reported)."""
        return int(self.populations.get(population, {}).get(name, 0))

    def rate(self, population: str) -> str:
        """``covered/total = x%`` of one population."""
        return rate_text(self.count(population, "covered"), self.count(population, "total"))

    def ratio(self, population: str) -> float:
        """The covered share of one population (0..1)."""
        total = self.count(population, "total")
        return self.count(population, "covered") / total if total else 0.0

    def by_year(self, population: str) -> dict[int, int]:
        """Orgs of one population covered per year."""
        raw = self.populations.get(population, {}).get("by_year", {})
        return {int(year): int(n) for year, n in raw.items()}

    @property
    def as_of(self) -> date | None:
        """The day the report describes."""
        return date.fromisoformat(self.report["as_of"]) if self.report else None


@dataclass
class Rollup:
    """Every county, and the city's totals per population."""

    counties: list[CountyCoverage]

    def total(self, population: str, name: str) -> int:
        """A count summed over the counties."""
        return sum(c.count(population, name) for c in self.counties)

    def rate(self, population: str) -> str:
        """The city-wide rate of one population."""
        return rate_text(self.total(population, "covered"), self.total(population, "total"))

    def years(self) -> list[int]:
        """Every year some county reported coverage for."""
        return sorted({y for c in self.counties for p in Population
                       for y in c.by_year(p.value)})


async def rollup(work: Work, runtime: Any) -> Rollup:
    """The roll-up over the city's counties (those without a report show empty)."""
    reports = await latest_reports(work)
    names = await county_codes(work, runtime, reports)
    counties = []
    for code in sorted(names):
        data = reports.get(code)
        pops = {p["code"]: p for p in data["populations"]} if data else {}
        counties.append(CountyCoverage(code=code, name=names[code], report=data,
                                       populations=pops))
    return Rollup(counties=counties)
