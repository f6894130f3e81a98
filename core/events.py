"""Typed events: what changed, wrapped in an envelope that sync can carry.

An event type is a ``msgspec.Struct`` subclass of :class:`Event` with a
``tag`` (its type name, e.g. ``"finding.recorded"``) and a class-level
``version``. Core and plugins list their types through the
``xuncha_event_types`` hook. An event is emitted inside the transaction of
the change it describes and handed to ``xuncha_on_event`` after commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

import msgspec
from uuid6 import uuid7

__all__ = ["Envelope", "Event", "dispatch", "envelope", "event_types"]

log = logging.getLogger(__name__)


class Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    """Base of every event type; subclasses set ``tag=...`` and ``version``.

    An event travels between tenants when its plugin declares its tag
    (``<entity>.<verb>``) in ``xuncha_sync_subjects``: ``up`` events go to
    the emitting tenant's parent, ``down`` events to the county named when
    emitting (or to every county).
    """

    version: ClassVar[int] = 1
    #: Whether the receiver keeps the latest of these per entity as a replica.
    replicated: ClassVar[bool] = True

    def entity(self) -> str:
        """The entity whose events must stay in order (``"<kind>:<id>"``)."""
        # Abstract: each event type names the entity it is ordered by.
        raise NotImplementedError(f"{type(self).__name__} must define entity()")


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    """An event with its identity: UUIDv7 id, type, version, origin tenant, time."""

    id: str
    type: str
    version: int
    origin: str
    entity: str
    occurred_at: datetime
    payload: Event


def envelope(event: Event, origin: str, occurred_at: datetime) -> Envelope:
    """Wrap ``event`` emitted by tenant ``origin`` at ``occurred_at``."""
    tag = type(event).__struct_config__.tag
    return Envelope(
        id=str(uuid7()), type=str(tag), version=type(event).version, origin=origin,
        entity=event.entity(), occurred_at=occurred_at, payload=event,
    )


def event_types(plugins: Any) -> dict[str, type[Event]]:
    """Every event type of the loaded plugins, by type name."""
    types: dict[str, type[Event]] = {}
    for cls in plugins.gather_now("xuncha_event_types"):
        types[str(cls.__struct_config__.tag)] = cls
    return types


async def dispatch(plugins: Any, envelopes: Iterable[Envelope], tenant: Any) -> None:
    """Hand committed events to ``xuncha_on_event``.

    The change is already committed, so a failing handler is logged and the
    remaining handlers and events still run.
    """
    for env in envelopes:
        try:
            await plugins.call("xuncha_on_event", tenant.plugins, event=env, tenant=tenant)
        except Exception:
            log.exception("event handler failed for %s %s", env.type, env.id)
