"""Counting requests for the metrics endpoint: an ASGI wrapper around the app.

It wraps the whole app (not a litestar middleware) so that requests no route
serves (404, 405) are counted too. The route label is the template the router
matched (``scope["path_template"]``), never the raw path, so hostile paths
cannot grow the number of series; methods outside the standard set count as
``OTHER``. Per request it reads the clock twice and updates two metrics in
memory: no database query, no lock shared with other requests.
"""

from __future__ import annotations

import time
from typing import Any

from core.observability.metrics import LATENCY, REQUESTS

__all__ = ["UNMATCHED", "instrument"]

UNMATCHED = "<unmatched>"
"""The route label of a request no route matched."""

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

Receive = Any
Send = Any


class _Instrumented:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # no answer started: the server answers 500

        async def counting_send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            route = scope.get("path_template") or UNMATCHED
            method = scope.get("method", "")
            method = method if method in _METHODS else "OTHER"
            REQUESTS.labels(route, method, str(status)).inc()
            LATENCY.labels(route, method).observe(time.perf_counter() - start)


def instrument(app: Any) -> Any:
    """``app`` counting its requests in :mod:`core.observability.metrics`."""
    return _Instrumented(app)
