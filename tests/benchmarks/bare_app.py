"""The framework's floor: a bare litestar app answering one GET with 50 rows.

``bench_api.py`` runs it under uvicorn with the same flags as ``xuncha serve``
(one worker, log level warning, no access log) and compares our org list
endpoint with it. The rows are built once at import, so a request costs only
routing, serialisation and the HTTP server: what no handler of ours can beat.

Run by hand::

    .venv/bin/uvicorn --app-dir tests/benchmarks bare_app:app --port 8001 \
        --log-level warning --no-access-log
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, get

__all__ = ["ITEMS", "PATH", "app"]

PATH = "/items"
"""The one route of the app."""

_KINDS = ("department", "township", "village", "soe", "institution")

ITEMS: list[dict[str, Any]] = [
    {
        "id": 1000 + i,
        "code": f"T{i // 10:02d}V{i:03d}",
        "name": f"测试县第{i}号被巡察单位",
        "kind": _KINDS[i % len(_KINDS)],
        "kind_label": "村",
        "parent_id": 1000 + (i // 10) * 10 if i % 10 else None,
        "active": True,
        "sort": i,
    }
    for i in range(50)
]
"""The response body: 50 org-like dicts, the same fields as ``OrgOut``."""


@get(PATH)
async def list_items() -> list[dict[str, Any]]:
    """The prebuilt rows."""
    return ITEMS


app = Litestar(route_handlers=[list_items], debug=False)
