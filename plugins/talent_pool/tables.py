"""Tables of the talent pool; every one is owned by a tenant.

A person's record (``talent_person``) with the lines recusal is decided on:
work and study history (``talent_history``), relatives and former
superiors or subordinates (``talent_relation``), and the periods the person
is available for a team (``talent_availability``); the appraisals of team
members after a round (``talent_appraisal``); and secondment (上挂下派): a
city's requests (``talent_secondment_request``) and the nominees its counties
sent up (``talent_secondment_nominee``), a county's own nominations and their
outcome (``talent_secondment``). A line naming a unit
that is one of the tenant's orgs carries its ``org_id`` (resolved by name
or code when written), which is what recusal compares with an inspection's
targets.
"""

from __future__ import annotations

from piccolo.columns import JSON, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.api import Tenant

__all__ = ["TalentAppraisal", "TalentAvailability", "TalentHistory", "TalentPerson",
           "TalentRelation", "TalentSecondment", "TalentSecondmentNominee",
           "TalentSecondmentRequest"]


class TalentPerson(Table, tablename="talent_person"):
    """One cadre of the pool (巡察人才). ``person_key`` is the key the person has on
    teams (their account name, or a generated ``tp-...``); unique per tenant.

    ``eligibility`` holds the reasons the last eligibility check refused
    (empty when it passed).
    """

    tenant_id = ForeignKey(Tenant, index=True)
    person_key = Varchar(length=64)
    name = Varchar(length=64)
    gender = Varchar(length=8, default="")
    birth_date = Date(null=True, default=None)
    political_status = Varchar(length=16, default="cpc")
    party_joined_on = Date(null=True, default=None)
    home_unit = Varchar(length=200, default="")
    home_org_id = Integer(null=True, default=None)
    post = Varchar(length=100, default="")
    rank = Varchar(length=64, default="")
    phone = Varchar(length=32, default="")
    specialties = JSON(default=[])
    pools = JSON(default=[])
    status = Varchar(length=16, default="pending")
    nomination_kind = Varchar(length=16, default="nomination")
    nominated_by = Varchar(length=128, default="")
    nominated_on = Date(null=True, default=None)
    nomination_reason = Text(default="")
    eligibility = JSON(default=[])
    decided_by = Varchar(length=128, default="")
    decided_on = Date(null=True, default=None)
    decision_note = Text(default="")
    left_on = Date(null=True, default=None)
    leave_reason = Text(default="")
    note = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class TalentHistory(Table, tablename="talent_history"):
    """A line of the résumé: worked (``work``) or studied (``study``) in ``unit`` from
    ``start_date`` to ``end_date`` (none: until now)."""

    tenant_id = ForeignKey(Tenant, index=True)
    person_id = Integer(index=True)
    kind = Varchar(length=8, default="work")
    unit = Varchar(length=200)
    org_id = Integer(null=True, default=None)
    post = Varchar(length=100, default="")
    start_date = Date(null=True, default=None)
    end_date = Date(null=True, default=None)


class TalentRelation(Table, tablename="talent_relation"):
    """A relative (spouse, parent, ...) or a former superior or subordinate of the person,
    working in ``unit``; for a superior or subordinate ``start_date``..``end_date`` is
    when the relation held (none: it still does)."""

    tenant_id = ForeignKey(Tenant, index=True)
    person_id = Integer(index=True)
    kind = Varchar(length=16)
    name = Varchar(length=64)
    unit = Varchar(length=200, default="")
    org_id = Integer(null=True, default=None)
    post = Varchar(length=100, default="")
    start_date = Date(null=True, default=None)
    end_date = Date(null=True, default=None)


class TalentAvailability(Table, tablename="talent_availability"):
    """A period in which the person can join a team."""

    tenant_id = ForeignKey(Tenant, index=True)
    person_id = Integer(index=True)
    start_date = Date()
    end_date = Date()
    note = Varchar(length=200, default="")


class TalentAppraisal(Table, tablename="talent_appraisal"):
    """The appraisal (考核) of one team member of an inspection of a round.

    ``member_id`` is the core's team member; ``person_id`` the pool's person
    when the member is one (same key, home tenant this tenant), else none.
    The member's key, name, home tenant and role are copied, so the record
    stands when the team changes.
    """

    tenant_id = ForeignKey(Tenant, index=True)
    round_id = Integer(index=True)
    inspection_id = Integer(index=True)
    member_id = Integer()
    person_id = Integer(null=True, default=None, index=True)
    person = Varchar(length=64)
    home_tenant = Varchar(length=64, default="")
    member_name = Varchar(length=64)
    team_role = Varchar(length=16)
    grade = Varchar(length=16)
    note = Text(default="")
    appraised_by = Varchar(length=128, default="")
    appraised_at = Timestamptz(default=TimestamptzNow())


class TalentSecondmentRequest(Table, tablename="talent_secondment_request"):
    """A city's request for cadres of its counties for a round (上挂需求).

    ``needs`` lists ``{"specialty": code, "count": n}``; ``targets`` the
    counties asked (empty: every county).
    """

    tenant_id = ForeignKey(Tenant, index=True)
    round_id = Integer()
    title = Varchar(length=200)
    needs = JSON(default=[])
    start_date = Date()
    end_date = Date()
    note = Text(default="")
    targets = JSON(default=[])
    issued_on = Date()
    issued_by = Varchar(length=128, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class TalentSecondmentNominee(Table, tablename="talent_secondment_nominee"):
    """A county's nominee for a request of the city, as it came up, and the city's decision.

    Only what the decision needs travels: name, unit, post, rank,
    specialties (no relatives, no history).
    """

    tenant_id = ForeignKey(Tenant, index=True)
    request_id = Integer(index=True)
    county = Varchar(length=64)
    county_person_id = Integer()
    name = Varchar(length=64)
    home_unit = Varchar(length=200, default="")
    post = Varchar(length=100, default="")
    rank = Varchar(length=64, default="")
    specialties = JSON(default=[])
    note = Text(default="")
    nominated_on = Date(null=True, default=None)
    status = Varchar(length=16, default="nominated")
    decided_by = Varchar(length=128, default="")
    decided_on = Date(null=True, default=None)
    decision_note = Text(default="")
    received_at = Timestamptz(default=TimestamptzNow())


class TalentSecondment(Table, tablename="talent_secondment"):
    """A county person nominated for a request of the city (``origin``), and its outcome:
    the person's secondment history (上挂下派经历)."""

    tenant_id = ForeignKey(Tenant, index=True)
    person_id = Integer(index=True)
    origin = Varchar(length=64)
    request_id = Integer()
    request_title = Varchar(length=200, default="")
    start_date = Date(null=True, default=None)
    end_date = Date(null=True, default=None)
    status = Varchar(length=16, default="nominated")
    note = Text(default="")
    nominated_by = Varchar(length=128, default="")
    nominated_on = Date(null=True, default=None)
    decided_on = Date(null=True, default=None)
    decision_note = Text(default="")
    updated_at = Timestamptz(default=TimestamptzNow())
