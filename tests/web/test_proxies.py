"""Client addresses: X-Forwarded-For counts only from proxies the operator names.

``xuncha serve`` runs uvicorn, which by default believes ``X-Forwarded-For``
from 127.0.0.1, so anything on the host (or a reverse proxy passing the
header through) could pick the address the sign-in throttle keys on. The
options built here are handed to a real ``uvicorn.Config``; what reaches
the app is what the throttle sees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn

from core.settings import SettingsError, load_settings
from core.web.proxies import server_config, uvicorn_proxy_options

_SCOPE: dict[str, Any] = {
    "type": "http", "http_version": "1.1", "method": "GET", "path": "/", "raw_path": b"/",
    "query_string": b"", "root_path": "", "scheme": "http", "server": ("127.0.0.1", 8000),
    "headers": [(b"x-forwarded-for", b"203.0.113.9")]}


async def _client_seen(options: dict[str, Any], peer: str, forwarded: str) -> str:
    """The client address the app sees behind uvicorn configured with ``options``."""
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen["client"] = scope["client"]

    config = uvicorn.Config(app, lifespan="off", **options)
    config.load()
    headers = [(b"x-forwarded-for", forwarded.encode())]
    await config.loaded_app({**_SCOPE, "client": (peer, 50000), "headers": headers}, None, None)
    return str(seen["client"][0])


async def test_forwarded_addresses_are_ignored_by_default(tmp_path: Path) -> None:
    settings = load_settings({"XUNCHA_HOME": str(tmp_path)})
    assert settings.trusted_proxies == ()
    options = uvicorn_proxy_options(settings)
    assert await _client_seen(options, "127.0.0.1", "203.0.113.9") == "127.0.0.1"


async def test_a_named_proxy_is_believed_and_only_it(tmp_path: Path) -> None:
    settings = load_settings({"XUNCHA_HOME": str(tmp_path),
                              "XUNCHA_TRUSTED_PROXIES": "10.0.0.5, 192.168.8.0/24"})
    assert settings.trusted_proxies == ("10.0.0.5", "192.168.8.0/24")
    options = uvicorn_proxy_options(settings)
    assert await _client_seen(options, "10.0.0.5", "203.0.113.9") == "203.0.113.9"
    assert await _client_seen(options, "192.168.8.77", "203.0.113.10") == "203.0.113.10"
    assert await _client_seen(options, "127.0.0.1", "203.0.113.9") == "127.0.0.1"


@pytest.mark.parametrize("value", ["not-an-ip", "10.0.0.0/33", "*"])
def test_bad_proxy_lists_fail_with_one_line(tmp_path: Path, value: str) -> None:
    with pytest.raises(SettingsError, match="XUNCHA_TRUSTED_PROXIES"):
        load_settings({"XUNCHA_HOME": str(tmp_path), "XUNCHA_TRUSTED_PROXIES": value})


async def test_serve_runs_uvicorn_with_these_options(tmp_path: Path) -> None:
    """``xuncha serve``'s uvicorn config trusts no forwarded address unless told."""
    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen["client"] = scope["client"]

    seen: dict[str, Any] = {}
    for env, expected in (({}, "127.0.0.1"), ({"XUNCHA_TRUSTED_PROXIES": "127.0.0.1"},
                                               "203.0.113.9")):
        config = server_config(app, load_settings({"XUNCHA_HOME": str(tmp_path), **env}))
        config.load()
        await config.loaded_app({**_SCOPE, "client": ("127.0.0.1", 50000)}, None, None)
        assert seen["client"][0] == expected, env
