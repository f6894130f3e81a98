"""Security headers on every response: pages, JSON, static files and errors alike.

The Content-Security-Policy lets scripts come only from the site's own files
(``/static/htmx.min.js`` and ``/static/app.js``): no inline script, no
handler attributes, no eval (``htmx-config`` turns htmx's off too), so an
injected ``<script>`` or ``onerror=`` does not run. Styles may be inline
(htmx adds its indicator style; plugins carry a ``<style>`` block). No page
may be framed (clickjacking), no referrer leaves the site, and browsers must
not second-guess media types (an uploaded file is never sniffed into HTML).
"""

from __future__ import annotations

from litestar.types import Message, Scope

__all__ = ["CONTENT_SECURITY_POLICY", "SECURITY_HEADERS", "security_headers"]

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


_RAW = [(name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in SECURITY_HEADERS.items()]
_NAMES = frozenset(name for name, _ in _RAW)


async def security_headers(message: Message, scope: Scope) -> None:
    """App ``before_send`` hook: set the headers on each response's start message."""
    if message["type"] != "http.response.start":
        return
    # One pass: a handler's own copy is replaced (one value each).
    headers = message.get("headers") or []
    message["headers"] = [*(h for h in headers if h[0].lower() not in _NAMES), *_RAW]
