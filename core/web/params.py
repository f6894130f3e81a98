"""Parameter types shared by the JSON API: pagination, search and ids.

``IdField``, ``MAX_ID`` and ``changes_of`` live in :mod:`core.fields` (services use
them too) and are re-exported here for handlers.
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter, QueryParameter

from core.fields import MAX_ID, IdField, changes_of

__all__ = ["MAX_ID", "Id", "IdField", "IdQuery", "Limit", "Offset", "Search", "changes_of"]

Limit = Annotated[int, QueryParameter(ge=1, le=500, description="每页条数（1-500）")]
Offset = Annotated[int, QueryParameter(ge=0, le=1_000_000, description="跳过的条数")]
Search = Annotated[str | None, QueryParameter(max_length=50, description="按名称或代码查找")]
Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
"""A row id in the path (``/{inspection_id:int}``)."""
IdQuery = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
"""An optional row id filter in the query string."""
