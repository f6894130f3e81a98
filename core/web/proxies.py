"""Which peer addresses may tell the client's address (``X-Forwarded-For``).

uvicorn believes ``X-Forwarded-For`` from 127.0.0.1 unless told otherwise,
so any process on the host, or a reverse proxy passing a client's header
through, could choose the address the sign-in throttle keys on. Xuncha
believes it only from the proxies named in ``XUNCHA_TRUSTED_PROXIES``
(addresses or networks, comma-separated); by default from none, and the
client address is the connection's peer.
"""

from __future__ import annotations

from typing import Any

import uvicorn

from core.settings import Settings

__all__ = ["server_config", "uvicorn_proxy_options"]


def uvicorn_proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's ``proxy_headers`` and ``forwarded_allow_ips`` for ``settings``."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False, "forwarded_allow_ips": []}
    return {"proxy_headers": True, "forwarded_allow_ips": list(settings.trusted_proxies)}


def server_config(app: Any, settings: Settings, workers: int = 1) -> uvicorn.Config:
    """The uvicorn configuration ``xuncha serve`` runs ``app`` with.

    With ``workers`` above one, ``app`` is the import string of a factory
    (``core.app:worker_app``) that each worker process calls. With
    ``log_format = "json"`` uvicorn's loggers (errors, access) write JSON too.
    """
    extra: dict[str, Any] = {"workers": workers, "factory": True} if workers > 1 else {}
    if settings.log_format == "json":
        # uvicorn's own loggers then pass their records to the root logger, which
        # writes JSON (core.settings.configure_logging), instead of their own lines.
        extra["log_config"] = None
    return uvicorn.Config(app, host=settings.host, port=settings.port,
                          log_level=settings.log_level.lower(), lifespan="on",
                          access_log=settings.log_level in ("DEBUG", "INFO"),
                          **uvicorn_proxy_options(settings), **extra)
