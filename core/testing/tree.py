"""The small tenant tree of the tests: a city with one county, and another city.

``ta`` (甲市, a city) has the county ``ta.one`` (甲一县) below it; ``tb``
(乙市) is a city of its own, the tenant whose data nobody in ``ta`` may see.
Each has a few orgs (departments, a township and its villages).
"""

from __future__ import annotations

import msgspec

from core.tenancy.model import OrgSpec, TenantSpec
from core.tenancy.tables import OrgKind, TenantLevel

__all__ = ["CITY", "COUNTY", "OTHER_CITY", "TEST_TREE", "tree_without"]

CITY, COUNTY, OTHER_CITY = "ta", "ta.one", "tb"

TEST_TREE = [
    TenantSpec(code=CITY, name="甲市委巡察办", level=TenantLevel.city, region="甲市", orgs=[
        OrgSpec(code="D001", name="甲市财政局", kind=OrgKind.department),
        OrgSpec(code="D002", name="甲市教育局", kind=OrgKind.department),
        OrgSpec(code="S01", name="甲市城投集团", kind=OrgKind.soe),
    ]),
    TenantSpec(code=COUNTY, name="甲一县委巡察办", level=TenantLevel.county, region="甲一县",
               parent=CITY, settings={"rectification_report_months": 3}, orgs=[
        OrgSpec(code="D001", name="甲一县财政局", kind=OrgKind.department),
        OrgSpec(code="T01", name="东风镇", kind=OrgKind.township),
        OrgSpec(code="T01V001", name="张庄村", kind=OrgKind.village, parent="T01"),
        OrgSpec(code="T01V002", name="李庄村", kind=OrgKind.village, parent="T01"),
    ]),
    TenantSpec(code=OTHER_CITY, name="乙市委巡察办", level=TenantLevel.city, region="乙市", orgs=[
        OrgSpec(code="D001", name="乙市秘密局", kind=OrgKind.department),
        OrgSpec(code="T09", name="乙西镇", kind=OrgKind.township),
        OrgSpec(code="T09V001", name="乙西村", kind=OrgKind.village, parent="T09"),
    ]),
]
"""``ta`` → ``ta.one``, and ``tb``; every tenant enables every plugin (``["*"]``)."""


def tree_without(plugin: str, *codes: str,
                 tree: list[TenantSpec] | None = None) -> list[TenantSpec]:
    """``tree`` (default ``TEST_TREE``) with ``plugin`` disabled in the tenants ``codes``
    (their plugin list becomes ``["*", "-<plugin>"]``), to test that a tenant which has
    not enabled a plugin gets none of it."""
    return [msgspec.structs.replace(spec, plugins=[*spec.plugins, "-" + plugin])
            if spec.code in codes else spec for spec in tree or TEST_TREE]
