"""A city and two counties with villages, for elevated and cross inspections."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.inspection.rounds import RoundIn, TermIn, create_round, create_term
from core.tenancy.model import OrgSpec, TenantSpec
from core.tenancy.tables import OrgKind, TenantLevel
from core.work import Work

__all__ = ["CITY", "COUNTY_A", "COUNTY_B", "TREE", "add_round"]

CITY, COUNTY_A, COUNTY_B = "ec", "ec.a", "ec.b"


def _county(code: str, name: str, prefix: str) -> TenantSpec:
    return TenantSpec(code=code, name=name, level=TenantLevel.county, parent=CITY, orgs=[
        OrgSpec(code="D001", name=f"{prefix}财政局", kind=OrgKind.department),
        OrgSpec(code="T01", name=f"{prefix}东镇", kind=OrgKind.township),
        OrgSpec(code="T01V001", name=f"{prefix}张庄村", kind=OrgKind.village, parent="T01"),
        OrgSpec(code="T01V002", name=f"{prefix}李庄村", kind=OrgKind.village, parent="T01"),
    ])


TREE = [
    TenantSpec(code=CITY, name="提级市委巡察办", level=TenantLevel.city, orgs=[
        OrgSpec(code="D001", name="提级市财政局", kind=OrgKind.department)]),
    _county(COUNTY_A, "提级甲县委巡察办", "甲县"),
    _county(COUNTY_B, "提级乙县委巡察办", "乙县"),
]


async def add_round(work: Work, year: int) -> dict[str, Any]:
    """A term from 1 January of ``year`` and its first round, through the core's services."""
    term = await create_term(work, TermIn(name=f"第{year}届", start_date=date(year, 1, 1)))
    made = await create_round(work, RoundIn(term_id=term.id, year=year, number=1))
    return {"term_id": term.id, "round_id": made.id}
