"""Operational routes: health check and static assets."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import msgspec
from litestar import Response, get
from litestar.datastructures import CacheControlHeader, State
from litestar.openapi.datastructures import ResponseSpec
from litestar.static_files import create_static_files_router

from core import __version__
from core.runtime import runtime_of

__all__ = ["Health", "system_handlers"]


class Health(msgspec.Struct, kw_only=True):
    """Health of the process and what it depends on."""

    status: str
    version: str
    database: str
    nats: str


async def _check(probe: Any) -> str:
    try:
        await asyncio.wait_for(probe(), timeout=2)
    except Exception as exc:
        return f"故障：{exc or type(exc).__name__}"
    return "正常"


@get("/healthz", opt={"action": "public"}, tags=["系统"], summary="健康检查",
     responses={503: ResponseSpec(Health, description="数据库或 NATS 不可用")})
async def healthz(state: State) -> Response[Health]:
    """200 when the database and NATS answer, 503 otherwise."""
    runtime = runtime_of(state)
    database = await _check(runtime.db.ping)
    nats = await _check(runtime.messaging.ping)
    ok = database == nats == "正常"
    body = Health(status="ok" if ok else "degraded", version=__version__,
                  database=database, nats=nats)
    return Response(body, status_code=200 if ok else 503)


_FAVICON = (Path(__file__).parent / "static" / "favicon.svg").read_bytes()


@get("/favicon.ico", opt={"action": "public"}, include_in_schema=False,
     cache_control=CacheControlHeader(max_age=86400, public=True))
async def favicon() -> Response[bytes]:
    """The site icon for browsers that ask ``/favicon.ico`` without reading the page's link."""
    return Response(_FAVICON, media_type="image/svg+xml")


static_router = create_static_files_router(
    path="/static", directories=[Path(__file__).parent / "static"], name="static",
    opt={"action": "public"}, include_in_schema=False,
)

system_handlers = [healthz, favicon, static_router]
