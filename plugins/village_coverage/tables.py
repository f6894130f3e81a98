"""Tables of the village coverage plugin; every one is owned by a tenant.

The populations themselves are not stored: they are the tenant's active orgs
of the population's kinds, so a village added mid-term is a target at once.
Stored are what the office decides about them (class, mode, a coverage
recorded by other means), its schedule, what a county last published, what
a city received from its counties, and the coverage directives.
"""

from __future__ import annotations

from piccolo.columns import JSON, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.api import Tenant

__all__ = [
    "CoverageCountyReport",
    "CoverageDirective",
    "CoverageMemo",
    "CoverageOrg",
    "CoveragePlanEntry",
]


class CoverageOrg(Table, tablename="coverage_org"):
    """What the office decided about one target org in one term.

    ``covered_on`` records a coverage by other means (e.g. the city's
    elevated inspection of the village), with ``covered_note`` saying which.
    Unique per (tenant, term, org).
    """

    tenant_id = ForeignKey(Tenant, index=True)
    term_id = Integer()
    org_id = Integer()
    classification = Varchar(length=16, default="general")
    mode = Varchar(length=32, default="")
    note = Text(default="")
    covered_on = Date(null=True, default=None)
    covered_note = Varchar(length=200, default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class CoveragePlanEntry(Table, tablename="coverage_plan_entry"):
    """One org scheduled in one round (year, number) of a term.

    ``inspection_id`` is set once the round's inspections were created from
    the plan; such an entry is history and is not moved by a new proposal.
    Unique per (tenant, term, org).
    """

    tenant_id = ForeignKey(Tenant, index=True)
    term_id = Integer()
    org_id = Integer()
    year = Integer()
    number = Integer()
    inspection_id = Integer(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class CoverageMemo(Table, tablename="coverage_memo"):
    """The digest of the coverage report a county last published for a term.

    Its row also serialises the transactions that publish (it is updated
    first), so two of them never both publish a report missing the other's
    change. Unique per (tenant, term).
    """

    tenant_id = ForeignKey(Tenant, index=True)
    term_id = Integer()
    digest = Varchar(length=64, default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class CoverageCountyReport(Table, tablename="coverage_county_report"):
    """The latest coverage report a city received from one county for one term.

    ``version`` is the event id (UUIDv7, ordered by time): an older report
    never overwrites a newer one. Unique per (tenant, county, term).
    """

    tenant_id = ForeignKey(Tenant, index=True)
    county = Varchar(length=64)
    term_id = Integer()
    term_start = Date()
    version = Varchar(length=36)
    data = JSON(default={})
    received_at = Timestamptz(default=TimestamptzNow())


class CoverageDirective(Table, tablename="coverage_directive"):
    """A coverage directive: sent by a city (``direction`` ``sent``) or received by a
    county (``received``, ``source_id`` = the city's id, ``county`` = the city's code).

    ``village_codes`` are the codes of the county's villages concerned;
    ``applied_on`` is when the county applied it to its targets.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    direction = Varchar(length=8)
    county = Varchar(length=64)
    source_id = Integer(null=True, default=None)
    kind = Varchar(length=16)
    title = Varchar(length=200)
    body = Text(default="")
    village_codes = JSON(default=[])
    issued_on = Date()
    issued_by = Varchar(length=128, default="")
    applied_on = Date(null=True, default=None)
    applied_by = Varchar(length=128, default="")
    created_at = Timestamptz(default=TimestamptzNow())
