"""What a request is about: the inspection, org and receiving body behind its ids.

Per-inspection grants and liaison scopes are decided on the object a
request touches. The path names it (``/papers/{paper_id}``); a list names
it in the query (``?inspection_id=``, ``?org_id=``, ``?receiving_body=``).
Lookups go through the tenant's session, so another tenant's id resolves
to nothing.

A query value counts only when the route's handler takes that query
parameter (so it filters by it) and it is given once: a page or a write
that ignores ``?org_id=`` must not be opened by a liaison naming its own
org there.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.table import Table

from core.db import TenantSession
from core.inspection.tables import (
    Attachment,
    Clue,
    Disclosure,
    Finding,
    RectificationItem,
    RectificationReport,
    TeamMember,
    WorkingPaper,
)

__all__ = ["QUERY_NAMES", "Target", "query_names", "resolve_target"]

_BY_PATH: dict[str, type[Table]] = {
    "paper_id": WorkingPaper,
    "finding_id": Finding,
    "clue_id": Clue,
    "item_id": RectificationItem,
    "report_id": RectificationReport,
    "disclosure_id": Disclosure,
    "member_id": TeamMember,
}


@dataclass(frozen=True, slots=True)
class Target:
    """The objects behind a request; ``None`` where the request names none.

    ``named`` is False when the request names no object at all (a tenant-wide
    list without filters), which liaison scopes do not admit.
    """

    inspection_id: int | None = None
    org_id: int | None = None
    receiving_body: str | None = None
    named: bool = False
    missing: bool = False


QUERY_NAMES = ("inspection_id", "org_id", "receiving_body")
"""The query parameters that may name what a request touches."""


def query_names(handler: Any) -> frozenset[str]:
    """The names of ``QUERY_NAMES`` that ``handler`` takes as query parameters."""
    names = set()
    for name, param in handler.parsed_fn_signature.parameters.items():
        key = getattr(param.kwarg_definition, "query", None) or name
        if key in QUERY_NAMES:
            names.add(key)
    return frozenset(names)


def _int(value: Any) -> int | None:
    """``value`` as a row id, or None when it is not one (not a number, out of range)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _query(query: Any, name: str, taken: Container[str]) -> Any:
    values = query.getall(name, []) if hasattr(query, "getall") else [query.get(name)]
    return values[0] if name in taken and len(values) == 1 else None


async def resolve_target(session: TenantSession, path: Mapping[str, Any], query: Any,
                         taken: Container[str] = ()) -> Target:
    """The inspection, org and body a request touches (``missing`` if its id is unknown).

    ``taken`` names the query parameters the route's handler filters by
    (``query_names``); other query values are ignored, and so is a name the
    path already holds.
    """
    taken = [name for name in QUERY_NAMES if name in taken and name not in path]
    for name, table in _BY_PATH.items():
        if name in path:
            # An id no row can have (past the SQL ``integer`` range) is an unknown id;
            # handing it to the database would fail with an overflow instead.
            row_id = _int(path[name])
            row = await session.get(table, row_id) if row_id is not None else None
            if row is None:
                return Target(named=True, missing=True)
            return Target(inspection_id=row.get("inspection_id"), org_id=row.get("org_id"),
                          receiving_body=row.get("receiving_body"), named=True)
    if "attachment_id" in path:
        attachment_id = _int(path["attachment_id"])
        attachment = attachment_id and await session.get(Attachment, attachment_id)
        paper = attachment and await session.get(WorkingPaper, int(attachment["owner_id"]))
        if not paper:
            return Target(named=True, missing=True)
        return Target(inspection_id=paper["inspection_id"], org_id=paper["org_id"], named=True)
    inspection_id = _int(path.get("inspection_id")) or _int(
        _query(query, "inspection_id", taken))
    org_id = _int(_query(query, "org_id", taken))
    body = _query(query, "receiving_body", taken)
    return Target(inspection_id=inspection_id, org_id=org_id,
                  receiving_body=str(body) if body else None,
                  named=bool(inspection_id or org_id or body))
