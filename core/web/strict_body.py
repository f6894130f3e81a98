"""JSON bodies are held to their types as the OpenAPI document states them.

Litestar converts a handler's ``data`` with msgspec's lax rules, meant for
query strings: ``"active": 0`` passes as ``false`` and ``"org_id": "5"`` as
``5``, although the document says boolean and integer. This guard converts
the decoded JSON body once more with strict rules, so what the document
refuses the app refuses too (400, the field named). It runs after the access
guard, so a caller without access learns nothing about the body's shape; a
body of another type or one that does not decode is left to
``core.web.json_body`` and the handler's own parsing.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.exceptions import SerializationException, ValidationException
from litestar.handlers.base import BaseRouteHandler

__all__ = ["strict_json_body"]

_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _json_type(handler: BaseRouteHandler) -> Any:
    """The type of the handler's JSON ``data``, or None when it takes no JSON body."""
    signature = getattr(handler, "parsed_fn_signature", None)
    data = signature.parameters.get("data") if signature is not None else None
    if data is None:
        return None
    media = getattr(data.kwarg_definition, "media_type", RequestEncodingType.JSON)
    return data.annotation if media == RequestEncodingType.JSON else None


def _integral(value: Any) -> Any:
    """``value`` with integral floats as ints: JSON Schema counts ``1.0`` an integer (and
    the document's ``integer`` fields take it), msgspec's strict rules would not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(v) for v in value]
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    return value


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/")
                                           and media.endswith("+json"))


async def strict_json_body(connection: ASGIConnection[Any, Any, Any, Any],
                           handler: BaseRouteHandler) -> None:
    """Litestar guard: 400 when the JSON body holds a value of another type than its field's
    (a number for a boolean, a string for a number)."""
    if not isinstance(connection, Request) or connection.method not in _WITH_BODY:
        return
    target = _json_type(handler)
    if target is None or not _is_json(connection.headers.get("content-type", "")):
        return
    if not await connection.body():
        return
    try:
        value = await connection.json()
    except (SerializationException, RecursionError):
        return  # answered by core.web.json_body and the handler's parsing
    try:
        msgspec.convert(_integral(value), type=target, strict=True)
    except msgspec.ValidationError as exc:
        raise ValidationException(
            detail=f"Validation failed for {connection.method} {connection.url.path}",
            extra=[{"message": str(exc), "key": "data", "source": "body"}]) from None
    except (TypeError, ValueError, RecursionError):
        return  # a type msgspec cannot convert on its own: litestar's parsing decides
