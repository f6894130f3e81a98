"""People by their names on the pages: login names mapped to display names in one place.

The records keep who acted by login name (``author``, ``reviewed_by``,
``actor``...). A page shows the person's name instead: the layout
(:func:`core.web.pages.layout.page_context`) gathers every value of those
fields in what the page is given (:func:`logins_in`), reads their names in
one query (:func:`display_names`), and the templates write
``{{ paper.author|person }}``. Actors that are no person (the command line,
sync, the demo seed's tools) get a Chinese label; a login with no account
(removed, or a free-text name) is shown as recorded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from core.db import Database

__all__ = ["PERSON_FIELDS", "display_names", "logins_in", "person"]

PERSON_FIELDS = frozenset({"author", "reviewed_by", "signed_by", "actor", "recorded_by",
                           "approved_by", "verified_by", "granted_by", "created_by"})
"""Fields of records that hold the login name of who acted."""

_TOOLS = (("cli", "命令行操作"), ("sync", "系统同步"), ("system", "系统"))
"""Actors that are tools, by prefix (``cli:demo``, ``sync:tick``), and how they are named."""
_DEPTH = 5
_MAX = 500
"""At most this many logins are looked up for one page (a page shows far fewer)."""


def _children(value: Any) -> Iterable[tuple[str | None, Any]]:
    if isinstance(value, Mapping):
        return ((k if isinstance(k, str) else None, v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return ((None, v) for v in value)
    fields = getattr(value, "__struct_fields__", None)
    if fields is not None:
        return ((f, getattr(value, f, None)) for f in fields)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return ((f.name, getattr(value, f.name, None)) for f in dataclasses.fields(value))
    return ()


def logins_in(values: Iterable[Any]) -> set[str]:
    """Every string held in a :data:`PERSON_FIELDS` field of ``values`` (mappings, lists,
    msgspec structs and dataclasses, a few levels deep)."""
    found: set[str] = set()
    stack: list[tuple[str | None, Any, int]] = [(None, v, 0) for v in values]
    while stack and len(found) < _MAX:
        key, value, depth = stack.pop()
        if isinstance(value, str):
            if key in PERSON_FIELDS and value:
                found.add(value)
            continue
        if depth < _DEPTH:
            stack.extend((k, v, depth + 1) for k, v in _children(value))
    return found


async def display_names(db: Database, logins: Iterable[str]) -> dict[str, str]:
    """``login -> display name`` of the accounts among ``logins`` (one query)."""
    wanted = sorted({login for login in logins if login})[:_MAX]
    if not wanted:
        return {}
    marks = ", ".join(db.dialect.mark(i) for i in range(1, len(wanted) + 1))
    rows = await db.fetch(
        f'SELECT "username", "name" FROM "account" WHERE "username" IN ({marks})', wanted)
    return {str(r["username"]): str(r["name"]) for r in rows if r["name"]}


@pass_context
def person(context: Context, login: Any) -> str:
    """Jinja filter: the display name of ``login`` (see the module docstring)."""
    text = str(login or "")
    names = context.get("people") or {}
    if text in names:
        return str(names[text])
    for prefix, label in _TOOLS:
        if text == prefix or text.startswith(prefix + ":"):
            return label
    return text
