"""Tables of the evaluation plugin; every one is owned by a tenant.

- ``unit_evaluation``: one evaluation of one inspected unit in one inspection
  (整改评估), its deductions with evidence, scorer and sign-off;
- ``lookback_link``: a lookback inspection (回头看) and the earlier one it looks back on;
- ``evaluation_county_result``: what a city received of its counties' signed
  evaluations (newest version wins);
- ``lookback_carried_item``: an earlier inspection's open ledger item carried
  into its lookback (once per item);
- ``evaluation_interview``: the interview (约谈) of a unit graded 一般/差;
- ``office_evaluation``: a city's evaluation of a county office's own
  inspection work (巡察工作评估), in the city's tenant.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.api import Tenant

__all__ = ["EvaluationCountyResult", "EvaluationInterview", "LookbackCarriedItem",
           "LookbackLink", "OfficeEvaluation", "UnitEvaluation"]


class UnitEvaluation(Table, tablename="unit_evaluation"):
    """The rectification evaluation of one unit (``org_id``) of one inspection.

    ``status``: ``draft`` (the group records deductions), ``scored`` (the
    scorer submitted it) or ``signed`` (a second person signed it off; final).
    ``deductions`` holds one entry per deduction item taken: ``item``,
    ``indicator``, ``points``, ``evidence``, ``prefilled`` and its ``reason``.
    ``weights`` are the indicator weights in force when it was created.
    Unique per (tenant, inspection, org).
    """

    tenant_id = ForeignKey(Tenant, index=True)
    inspection_id = Integer()
    org_id = Integer()
    status = Varchar(length=16, default="draft")
    group_members = Varchar(length=500, default="")
    weights = JSON(default={})
    deductions = JSON(default=[])
    remark = Text(default="")
    total = Numeric(digits=(6, 2), null=True, default=None)
    grade = Varchar(length=16, default="")
    scored_by = Varchar(length=128, default="")
    scored_at = Timestamptz(null=True, default=None)
    signed_by = Varchar(length=128, default="")
    signed_at = Timestamptz(null=True, default=None)
    version = BigInt(default=1)
    created_by = Varchar(length=128, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class LookbackLink(Table, tablename="lookback_link"):
    """A lookback inspection (``inspection_id``) and the earlier one it looks back on.

    Unique per (tenant, inspection).
    """

    tenant_id = ForeignKey(Tenant, index=True)
    inspection_id = Integer()
    earlier_id = Integer()
    reason = Varchar(length=200, default="")
    created_by = Varchar(length=128, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class EvaluationCountyResult(Table, tablename="evaluation_county_result"):
    """A county's signed evaluation as its city received it.

    ``version`` is the event id (UUIDv7, ordered by time): an older one never
    overwrites a newer. Unique per (tenant, county, source_id).
    """

    tenant_id = ForeignKey(Tenant, index=True)
    county = Varchar(length=64)
    county_name = Varchar(length=100, default="")
    source_id = Integer()
    inspection_title = Varchar(length=200, default="")
    org_name = Varchar(length=200, default="")
    year = Integer(null=True, default=None)
    total = Numeric(digits=(6, 2))
    grade = Varchar(length=16)
    parts = JSON(default={})
    signed_on = Date()
    version = Varchar(length=36)
    received_at = Timestamptz(default=TimestamptzNow())


class LookbackCarriedItem(Table, tablename="lookback_carried_item"):
    """An earlier inspection's ledger item (``item_id``), open when the lookback
    (``inspection_id``) was created, carried into it. Unique per (tenant, item):
    an item is carried once. ``status_then`` is its status when carried.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    inspection_id = Integer()
    earlier_id = Integer()
    item_id = Integer()
    status_then = Varchar(length=32, default="")
    carried_at = Timestamptz(default=TimestamptzNow())


class EvaluationInterview(Table, tablename="evaluation_interview"):
    """The interview (约谈) of the head of a unit graded 一般/差 (``evaluation_id``).

    Unique per (tenant, evaluation).
    """

    tenant_id = ForeignKey(Tenant, index=True)
    evaluation_id = Integer()
    held_on = Date()
    interviewer = Varchar(length=200)
    interviewee = Varchar(length=200)
    notes = Text(default="")
    recorded_by = Varchar(length=128, default="")
    recorded_at = Timestamptz(default=TimestamptzNow())


class OfficeEvaluation(Table, tablename="office_evaluation"):
    """A city's evaluation of a county office's own inspection work for a year.

    Scored with the office indicators (``scope="office"``) like a unit's
    evaluation: ``draft`` → ``scored`` → ``signed`` by another person.
    ``county`` is the county tenant's code. Unique per (tenant, county, year).
    """

    tenant_id = ForeignKey(Tenant, index=True)
    county = Varchar(length=64)
    county_name = Varchar(length=100, default="")
    year = Integer()
    status = Varchar(length=16, default="draft")
    group_members = Varchar(length=500, default="")
    weights = JSON(default={})
    deductions = JSON(default=[])
    remark = Text(default="")
    total = Numeric(digits=(6, 2), null=True, default=None)
    grade = Varchar(length=16, default="")
    scored_by = Varchar(length=128, default="")
    scored_at = Timestamptz(null=True, default=None)
    signed_by = Varchar(length=128, default="")
    signed_at = Timestamptz(null=True, default=None)
    version = BigInt(default=1)
    created_by = Varchar(length=128, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
