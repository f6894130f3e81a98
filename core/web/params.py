"""Parameter types shared by the JSON API: pagination, search and ids."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar.params import PathParameter, QueryParameter

__all__ = ["MAX_ID", "Id", "IdField", "IdQuery", "Limit", "Offset", "Search", "changes_of"]

MAX_ID = 2**31 - 1
"""The largest row id (SQL ``integer``)."""

Limit = Annotated[int, QueryParameter(ge=1, le=500, description="每页条数（1-500）")]
Offset = Annotated[int, QueryParameter(ge=0, le=1_000_000, description="跳过的条数")]
Search = Annotated[str | None, QueryParameter(max_length=50, description="按名称或代码查找")]
Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
"""A row id in the path (``/{inspection_id:int}``)."""
IdQuery = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
"""An optional row id filter in the query string."""
IdField = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
"""A row id in a JSON body."""


def changes_of(data: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body gave (those left ``msgspec.UNSET`` stay as they are)."""
    return {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
