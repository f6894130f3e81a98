"""Field types of request bodies and PATCH helpers, shared by services and handlers.

Nothing here knows HTTP: services declare their input structs with these, and
:mod:`core.web.params` builds the path and query parameter types on the same
bounds.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

__all__ = ["MAX_ID", "IdField", "changes_of"]

MAX_ID = 2**31 - 1
"""The largest row id (SQL ``integer``)."""

IdField = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
"""A row id in a JSON body."""


def changes_of(data: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body gave (those left ``msgspec.UNSET`` stay as they are)."""
    return {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
