"""What a request is about: the inspection, org and receiving body behind its ids.

Per-inspection grants and liaison scopes are decided on the object a
request touches. The path names it (``/papers/{paper_id}``); a list names
it in the query (``?inspection_id=``, ``?org_id=``, ``?receiving_body=``).
Lookups go through the tenant's session, so another tenant's id resolves
to nothing. Which path parameters name objects, and whose they are, is
registered (``GrantTarget`` through the ``xuncha_grant_targets`` hook), by the
core for its workflow objects as by plugins for theirs.

A query value counts only when the route's handler takes that query
parameter (so it filters by it) and it is given once: a page or a write
that ignores ``?org_id=`` must not be opened by a liaison naming its own
org there.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.contributions import GrantTarget
from core.db import TenantSession

__all__ = ["QUERY_NAMES", "GrantTargets", "Target", "query_names", "resolve_target"]


class GrantTargets:
    """The registered grant targets: path parameter -> how to find its object's owners.

    The core registers its workflow objects (papers, findings, clues...) and
    plugins theirs through the ``xuncha_grant_targets`` hook; the first
    target whose parameter a request's path holds decides.
    """

    def __init__(self, targets: Iterable[GrantTarget]) -> None:
        self._by_path: dict[str, GrantTarget] = {}
        for target in targets:
            known = self._by_path.get(target.path_param)
            if known is not None and known != target:
                raise ValueError(f"path parameter {target.path_param} is registered twice "
                                 "as a grant target, with different objects")
            self._by_path[target.path_param] = target

    def __contains__(self, path_param: object) -> bool:
        return path_param in self._by_path

    def __iter__(self) -> Any:
        return iter(self._by_path.values())

    def named(self, path: Mapping[str, Any]) -> tuple[GrantTarget, Any] | None:
        """The first registered target whose parameter ``path`` holds, with its value."""
        for name, target in self._by_path.items():
            if name in path:
                return target, path[name]
        return None


async def _owners(session: TenantSession, target: GrantTarget,
                  value: Any) -> Mapping[str, Any] | None:
    row_id = _int(value)
    if row_id is None:  # out of 1..2**31-1: no such row (never an overflow)
        return None
    if target.table is not None:
        return await session.get(target.table, row_id)
    assert target.resolve is not None  # GrantTarget checks it has one of the two
    return await target.resolve(session, row_id)


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
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _query(query: Any, name: str, taken: Container[str]) -> Any:
    values = query.getall(name, []) if hasattr(query, "getall") else [query.get(name)]
    return values[0] if name in taken and len(values) == 1 else None


async def resolve_target(session: TenantSession, targets: GrantTargets,
                         path: Mapping[str, Any], query: Any,
                         taken: Container[str] = ()) -> Target:
    """The inspection, org and body a request touches (``missing`` if its id is unknown).

    ``targets`` are the registered grant targets (``GrantTargets``); a path
    naming none of them may still name an ``inspection_id``.

    ``taken`` names the query parameters the route's handler filters by
    (``query_names``); other query values are ignored, and so is a name the
    path already holds.
    """
    taken = [name for name in QUERY_NAMES if name in taken and name not in path]
    named = targets.named(path)
    if named is not None:
        owners = await _owners(session, *named)
        if owners is None:
            return Target(named=True, missing=True)
        body = owners.get("receiving_body")
        return Target(inspection_id=owners.get("inspection_id"), org_id=owners.get("org_id"),
                      receiving_body=str(body) if body else None, named=True)
    inspection_id = _int(path.get("inspection_id")) or _int(
        _query(query, "inspection_id", taken))
    org_id = _int(_query(query, "org_id", taken))
    body = _query(query, "receiving_body", taken)
    return Target(inspection_id=inspection_id, org_id=org_id,
                  receiving_body=str(body) if body else None,
                  named=bool(inspection_id or org_id or body))
