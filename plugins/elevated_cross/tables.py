"""Tables of elevated and cross inspections; every one is owned by a tenant.

What a tenant receives from another (a county's org directory, an elevated
inspection or cross assignment sent down) is not here: it is kept as core
replicas. Here are what the city decides (its elevated inspections, their
findings, its cross assignments, the village classes its counties reported)
and what a county did with what it received (the handovers it took, its
decisions as host).
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.api import Tenant

__all__ = [
    "CountyVillageClass",
    "CrossAssignment",
    "CrossDecision",
    "CrossGuest",
    "ElevatedClue",
    "ElevatedFinding",
    "ElevatedHandover",
    "ElevatedInspection",
]


class ElevatedInspection(Table, tablename="elevated_inspection"):
    """A city's elevated inspection (提级巡察) of one county's orgs.

    ``targets`` holds the county orgs as the county published them (its ids,
    codes, names, kinds). ``status``: ``planned``, ``handed_over`` (the
    findings went down at feedback), ``received`` (the county took them),
    ``withdrawn`` (cancelled by the city before the handover, ``cancel_reason``
    says why). ``allow_county``: the city lets the county inspect these
    orgs itself in the same year. ``verification``: the city's verdict on the
    county's rectification (``accepted``, or ``returned`` with
    ``verification_reason``), empty until given.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    county = Varchar(length=64)
    title = Varchar(length=200)
    round_label = Varchar(length=100, default="")
    targets = JSON(default=[])
    status = Varchar(length=16, default="planned")
    planned_on = Date()
    handed_over_on = Date(null=True, default=None)
    county_inspection_id = Integer(null=True, default=None)
    county_items = Integer(default=0)
    county_note = Text(default="")
    allow_county = Boolean(default=False)
    verification = Varchar(length=16, default="")
    verification_reason = Text(default="")
    verified_on = Date(null=True, default=None)
    cancel_reason = Text(default="")
    created_by = Varchar(length=128, default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class ElevatedFinding(Table, tablename="elevated_finding"):
    """A problem the city's team found in an elevated inspection, for one target org."""

    tenant_id = ForeignKey(Tenant, index=True)
    elevated_id = Integer()
    org_id = Integer()
    problem = Text()
    deadline = Date()
    created_at = Timestamptz(default=TimestamptzNow())


class ElevatedClue(Table, tablename="elevated_clue"):
    """A clue (问题线索) the city's team found in an elevated inspection.

    The city owns it: it goes to the city's discipline body (市纪委监委), never
    down to the county with the problems. ``status``: ``recorded``, then
    ``referred`` (``referred_on``).
    """

    tenant_id = ForeignKey(Tenant, index=True)
    elevated_id = Integer()
    org_id = Integer()
    title = Varchar(length=200)
    summary = Text(default="")
    status = Varchar(length=16, default="recorded")
    receiving_body_name = Varchar(length=100, default="")
    referred_on = Date(null=True, default=None)
    recorded_by = Varchar(length=128, default="")
    recorded_at = Timestamptz(default=TimestamptzNow())


class ElevatedHandover(Table, tablename="elevated_handover"):
    """A county's record of a handover it received, unique per (origin, elevated_id).

    ``inspection_id`` is the county's own record of the elevated inspection
    (made by ``receive_inspection``) once taken; ``pending`` says why it is
    not yet (no round to put it in), and ``payload`` keeps the handover to
    take later.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    origin = Varchar(length=64)
    elevated_id = Integer()
    inspection_id = Integer(null=True, default=None)
    items = Integer(default=0)
    pending = Text(default="")
    payload = JSON(default={})
    received_at = Timestamptz(default=TimestamptzNow())


class CrossAssignment(Table, tablename="cross_assignment"):
    """A city's cross assignment (交叉巡察): ``team_county``'s team inspects ``host_county``.

    ``status``: ``proposed`` until the host decides, then ``accepted`` or
    ``declined`` (``reason`` says why); ``cancelled`` by the city (``reason``).
    A declined assignment may be submitted again: ``attempt`` counts the
    submissions, and a decision answers one of them. ``posts``: the side each
    team post comes from (the city's settings when it assigned).
    """

    tenant_id = ForeignKey(Tenant, index=True)
    title = Varchar(length=200)
    round_label = Varchar(length=100, default="")
    team_county = Varchar(length=64)
    host_county = Varchar(length=64)
    targets = JSON(default=[])
    members = JSON(default=[])
    posts = JSON(default={})
    status = Varchar(length=16, default="proposed")
    reason = Text(default="")
    assigned_on = Date()
    decided_on = Date(null=True, default=None)
    attempt = Integer(default=1)
    cancelled_on = Date(null=True, default=None)
    created_by = Varchar(length=128, default="")


class CrossDecision(Table, tablename="cross_decision"):
    """A host county's decision on a cross assignment, unique per (origin, cross_id):
    its answer to the latest submission (``attempt``); a decision on a submission
    made again replaces the refusal (the audit chain keeps every answer).

    On acceptance the host's own inspection of the targets (``inspection_id``)
    with the sending county's people on its team; ``note`` says who could not
    be put on it (a person whose county this deployment does not serve).
    """

    tenant_id = ForeignKey(Tenant, index=True)
    origin = Varchar(length=64)
    cross_id = Integer()
    accepted = Boolean()
    reason = Text(default="")
    inspection_id = Integer(null=True, default=None)
    note = Text(default="")
    decided_on = Date()
    decided_by = Varchar(length=128, default="")
    attempt = Integer(default=1)


class CrossGuest(Table, tablename="cross_guest"):
    """A guest account a host county made for a person of the sending county whose
    county this deployment does not serve (the linked topology).

    The account (``username``, of the host tenant, no role) reaches only the
    team place on ``inspection_id``; ``person`` and ``team_county`` say who it
    is in the sending county. ``closed_on`` and ``closed_reason`` once the
    account is disabled (withdrawal, cancellation). ``password_issued_at``:
    when the office last issued a one-time sign-in password.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    cross_id = Integer()
    attempt = Integer(default=1)
    inspection_id = Integer()
    username = Varchar(length=64)
    person = Varchar(length=64)
    name = Varchar(length=64)
    role = Varchar(length=16)
    team_county = Varchar(length=64)
    password_issued_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    closed_reason = Text(default="")


class CountyVillageClass(Table, tablename="elevated_village_class"):
    """A city's copy of the village classes (key / watch / general) a county reported
    with its coverage, by village code; one row per county."""

    tenant_id = ForeignKey(Tenant, index=True)
    county = Varchar(length=64)
    classes = JSON(default={})
    updated_at = Timestamptz(default=TimestamptzNow())
