"""Subjects, streams and consumer names of sync (see DESIGN.md, "Sync").

A subject is ``<direction>.<tenant>.<plugin>.<entity>.<verb>``: for ``up``
the tenant is the origin (a county reporting to its city), for ``down`` the
county addressed, or ``_all`` for a broadcast to every county of the city.
Tenant codes hold dots (``zz.gongyi``), so a subject carries the code as one
token with the dots turned into dashes (``zz-gongyi``); codes never contain
a dash, so the mapping is reversible.

Both streams live in the city's JetStream domain (the hub); a county's leaf
server captures neither ``up.>`` nor ``down.>``, so a county publishes
straight into the hub's stream and pulls from its own durable consumer there.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "BROADCAST",
    "STREAM_DOWN",
    "STREAM_UP",
    "Direction",
    "code_of",
    "down_consumer",
    "inbox_prefix",
    "subject",
    "token",
    "up_consumer",
]

Direction = Literal["up", "down"]

STREAM_UP = "XUNCHA_UP"
"""Stream capturing ``up.>``: what counties report to their city."""
STREAM_DOWN = "XUNCHA_DOWN"
"""Stream capturing ``down.>``: what a city sends to its counties."""
BROADCAST = "_all"
"""The tenant token of a ``down`` subject meant for every county of the city."""


def token(code: str) -> str:
    """The subject token of tenant ``code`` (``zz.gongyi`` -> ``zz-gongyi``)."""
    return code.replace(".", "-")


def code_of(subject_token: str) -> str:
    """The tenant code of a subject token (inverse of :func:`token`)."""
    return subject_token.replace("-", ".")


def subject(direction: Direction, tenant: str | None, plugin: str, tag: str) -> str:
    """The subject of an event with type ``tag`` (``<entity>.<verb>``).

    Args:
        direction: ``up`` or ``down``.
        tenant: for ``up`` the origin's code; for ``down`` the county's code,
            or ``None`` for a broadcast.
        plugin: the plugin declaring the event type (``core`` for core's).
        tag: the event type name, ``<entity>.<verb>``.
    """
    who = token(tenant) if tenant else BROADCAST
    return f"{direction}.{who}.{plugin}.{tag}"


def up_consumer(city: str) -> str:
    """Durable name of the consumer through which ``city`` applies what its counties report."""
    return f"up_{token(city)}"


def down_consumer(county: str) -> str:
    """Durable name of the consumer through which ``county`` receives from its city."""
    return f"down_{token(county)}"


def inbox_prefix(county: str) -> str:
    """The reply-subject prefix of a county deployment's NATS connection.

    A county link may only receive replies under its own prefix, so it cannot
    read what another county fetches from the hub.
    """
    return f"_INBOX_{token(county)}"
