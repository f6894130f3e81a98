"""Pages that stay current without a reload: htmx polls, the server answers 304 while unchanged.

A page that polls wraps its live part in an element with ``hx-get`` (its own
URL), ``hx-trigger="every 10s"`` and ``hx-swap="outerHTML"``; the handler
answers htmx with that part only. Its ETag is derived from a cheap version
of the data (e.g. :func:`core.sync.memos.sync_version`), the person and the
URL, and sent with ``Cache-Control: private, no-cache``: the browser then
revalidates each poll with ``If-None-Match`` and the server answers ``304``
without reading or rendering anything more. The pattern::

    etag = etag_of(request, await sync_version(work.session), work.clock.today())
    if unchanged(request, etag):
        return not_modified(etag)
    ...
    return Template(name, context=context, headers=live_headers(etag))
"""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Request, Response

__all__ = ["etag_of", "is_htmx", "live_headers", "matches", "not_modified", "unchanged"]


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    """Whether htmx sent the request and wants a fragment (not a history restore)."""
    headers = request.headers
    return (headers.get("hx-request") == "true"
            and headers.get("hx-history-restore-request") != "true")


def etag_of(request: Request[Any, Any, Any], *parts: object) -> str:
    """A weak ETag of ``parts`` (the data's version...), the person, the URL and whether
    htmx asked for the live part only."""
    user = request.scope.get("user")
    raw = repr((*map(str, parts), getattr(user, "username", ""), request.url.path,
                request.url.query, is_htmx(request)))
    return f'W/"{hashlib.sha256(raw.encode()).hexdigest()[:32]}"'


def matches(if_none_match: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` header's value names ``etag`` (weak comparison, RFC 9110
    13.1.2: ``W/"x"`` and ``"x"`` match; ``*`` matches any)."""
    held = {tag.strip() for tag in if_none_match.split(",") if tag.strip()}
    return bool(held & {etag, etag.removeprefix("W/")}) or "*" in held


def unchanged(request: Request[Any, Any, Any], etag: str) -> bool:
    """Whether the request's ``If-None-Match`` names ``etag`` (the copy it holds is current)."""
    return matches(request.headers.get("if-none-match", ""), etag)


def live_headers(etag: str) -> dict[str, str]:
    """Headers of a live page: its ETag, revalidate on every use, vary by htmx and person."""
    return {"ETag": etag, "Cache-Control": "private, no-cache",
            "Vary": "HX-Request, Cookie, Authorization"}


def not_modified(etag: str) -> Response[bytes]:
    """``304 Not Modified``: the browser keeps (and htmx swaps) the copy it holds."""
    return Response(content=b"", status_code=304, headers=live_headers(etag))
