"""Text with a NUL character is refused at the door (400), not by the database (500).

PostgreSQL cannot store U+0000 in text: a search, a name or a path segment
carrying one failed deep in a query (``CharacterNotInRepertoireError``)
while SQLite took it. No field of this platform has a use for it, so the
path, the query string, a JSON body and the fields of a URL-encoded form are
checked once, before the handler. Uploaded files are not text and are left
alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import SerializationException
from litestar.handlers.base import BaseRouteHandler

from core.web.errors import FieldError, InputError

__all__ = ["NUL_MESSAGE", "refuse_nul"]

NUL_MESSAGE = "不能包含空字符（NUL）"
_FORM = "application/x-www-form-urlencoded"


def _strings(value: Any, path: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """``(field path, text)`` of every string (keys included) in a decoded JSON value."""
    if depth > 200:
        return  # deeper bodies are refused by core.web.json_body
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]", depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            yield name, str(key)
            yield from _strings(item, name, depth + 1)


async def refuse_nul(connection: ASGIConnection[Any, Any, Any, Any],
                     handler: BaseRouteHandler) -> None:
    """Litestar guard: 400 naming each field whose text holds a NUL character."""
    errors = [FieldError(name, NUL_MESSAGE, "path")
              for name, value in connection.path_params.items()
              if isinstance(value, str) and "\x00" in value]
    errors += [FieldError(name, NUL_MESSAGE, "query")
               for name, value in connection.query_params.multi_items() if "\x00" in value]
    if isinstance(connection, Request) and connection.method in ("POST", "PUT", "PATCH"):
        media = connection.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media == "application/json" or media.endswith("+json"):
            try:
                body = await connection.json() if await connection.body() else None
            except (SerializationException, RecursionError):
                body = None  # answered by core.web.json_body and the handler's parsing
            errors += [FieldError(name or "请求", NUL_MESSAGE)
                       for name, text in _strings(body, "") if "\x00" in text]
        elif media == _FORM:
            form = await connection.form()
            errors += [FieldError(name, NUL_MESSAGE) for name, value in form.multi_items()
                       if isinstance(value, str) and "\x00" in value]
    if errors:
        raise InputError(errors[:20])
