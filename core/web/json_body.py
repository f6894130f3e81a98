"""Checks on JSON request bodies before a handler's ``data`` is parsed.

A route taking a JSON body accepts it only as ``application/json`` (or a
``+json`` type): litestar would otherwise parse any body as JSON whatever
its ``Content-Type``, so a cross-site ``text/plain`` form could post JSON.
The body is decoded here once (litestar keeps the result for the handler),
so a body nested too deep for the decoder is a 400 in Chinese rather than a
``RecursionError``.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, HTTPException, SerializationException

__all__ = ["TOO_DEEP", "WRONG_TYPE", "check_json_body"]

WRONG_TYPE = "请求内容类型应为 application/json"
TOO_DEEP = "JSON 嵌套层数过多"
_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class UnsupportedMediaType(HTTPException):
    """415: the body is not sent as JSON."""

    status_code = 415


def _takes_json(request: Request[Any, Any, Any]) -> bool:
    handler = request.scope.get("route_handler")
    data = handler.parsed_fn_signature.parameters.get("data") if handler is not None else None
    if data is None:
        return False
    kwarg = data.kwarg_definition
    return getattr(kwarg, "media_type", RequestEncodingType.JSON) == RequestEncodingType.JSON


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/")
                                           and media.endswith("+json"))


async def check_json_body(request: Request[Any, Any, Any]) -> None:
    """App ``before_request`` hook: 415 for a JSON body of another type, 400 when too deep.

    A request without a body (an optional ``data``) passes.
    """
    if request.method not in _WITH_BODY or not _takes_json(request):
        return
    body = await request.body()
    if not body:
        return
    if not _is_json(request.headers.get("content-type", "")):
        raise UnsupportedMediaType(WRONG_TYPE)
    try:
        await request.json()
    except RecursionError:
        raise ClientException(TOO_DEEP) from None
    except SerializationException:
        return  # malformed: the handler's own parsing answers it, as before
