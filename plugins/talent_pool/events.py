"""The events of secondment (上挂下派) between a city and its counties.

Down (city → counties): a request for cadres with given specialties for a
round (``secondment_request.issued``); the city's decision on a county's
nominee (``secondment_decision.decided``, to that county only). Up (county →
city): a nominee (``secondment_nominee.nominated``) with only what the
decision needs: name, unit, post, rank and specialties, never relatives or
history. The receiver keeps each as a replica (the core's ``Replica``) and
the plugin applies nominees and decisions to its own tables
(:mod:`plugins.talent_pool.secondment`).
"""

from __future__ import annotations

from datetime import date

import msgspec

from core.api import Event, SyncSubject

__all__ = [
    "SECONDMENT_EVENTS",
    "SECONDMENT_SUBJECTS",
    "SecondmentDecided",
    "SecondmentNominated",
    "SecondmentRequested",
    "SpecialtyNeed",
]


class SpecialtyNeed(msgspec.Struct, frozen=True, kw_only=True):
    """How many people of a specialty the city asks for."""

    specialty: str
    label: str
    count: int


class SecondmentRequested(Event, frozen=True, kw_only=True, tag="secondment_request.issued"):
    """The city asks its counties for cadres for a round (上挂需求)."""

    request_id: int
    title: str
    round_name: str
    needs: list[SpecialtyNeed]
    start_date: date
    end_date: date
    note: str
    targets: list[str]
    issued_on: date

    def entity(self) -> str:
        return f"secondment_request:{self.request_id}"


class SecondmentNominated(Event, frozen=True, kw_only=True,
                          tag="secondment_nominee.nominated"):
    """A county's nominee for a request: the fields the decision needs, nothing more."""

    request_id: int
    person_id: int
    name: str
    home_unit: str
    post: str
    rank: str
    specialties: list[str]
    note: str
    nominated_on: date

    def entity(self) -> str:
        return f"secondment_nominee:{self.request_id}:{self.person_id}"


class SecondmentDecided(Event, frozen=True, kw_only=True, tag="secondment_decision.decided"):
    """The city accepts or declines a county's nominee; accepted, the period holds."""

    request_id: int
    person_id: int
    accepted: bool
    note: str
    start_date: date
    end_date: date
    decided_on: date

    def entity(self) -> str:
        return f"secondment_decision:{self.request_id}:{self.person_id}"


SECONDMENT_EVENTS: list[type[Event]] = [SecondmentRequested, SecondmentNominated,
                                        SecondmentDecided]
"""Registered through ``xuncha_event_types``."""

SECONDMENT_SUBJECTS: list[SyncSubject] = [
    SyncSubject(direction="down", entity="secondment_request", verbs=("issued",)),
    SyncSubject(direction="up", entity="secondment_nominee", verbs=("nominated",)),
    SyncSubject(direction="down", entity="secondment_decision", verbs=("decided",)),
]
"""Which way each travels (``xuncha_sync_subjects``)."""
