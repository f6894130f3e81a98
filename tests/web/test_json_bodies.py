"""JSON request bodies: only as ``application/json``, never nested past reason, never a 500.

Every route taking a JSON body is walked as the office admin (so the guard
lets the request through to the body): a 2 KB body nesting 1,000 arrays is
a 400 in Chinese, and a JSON body sent as another media type is a 415. A
500 names no Python exception class; the log does.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.enums import RequestEncodingType
from litestar.testing import AsyncTestClient, TestClient

from tests.authz.test_routes_declare_actions import auto_options, handlers

Client = AsyncTestClient[Litestar]
NESTED = b"[" * 1000 + b"]" * 1000


def _json_routes(app: Litestar) -> Iterator[tuple[str, str]]:
    """``(method, url)`` of every core route taking a JSON body, ids filled in as 1."""
    for method, path, handler in handlers(app):
        if auto_options(handler) or method in ("HEAD", "OPTIONS", "WS/ASGI"):
            continue
        data = handler.parsed_fn_signature.parameters.get("data")
        kwarg = getattr(data, "kwarg_definition", None) if data else None
        if data is None or getattr(kwarg, "media_type", RequestEncodingType.JSON) != (
                RequestEncodingType.JSON):
            continue
        if handler.opt.get("plugin"):
            continue  # a plugin's routes refuse tenants that have not enabled it
        url = path.replace("{tenant:str}", "ta")
        url = re.sub(r"\{\w+:int\}", "1", url)
        url = re.sub(r"\{\w+:str\}", "x", url)
        yield method, url


def _chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


async def test_deeply_nested_json_is_a_400_on_every_json_route(app: Litestar,
                                                               client: Client) -> None:
    routes = list(_json_routes(app))
    assert len(routes) >= 35, routes
    wrong = []
    for method, url in routes:
        response = await client.request(method, url, content=NESTED,
                                        headers={"Content-Type": "application/json"})
        body = response.json()
        if response.status_code != 400 or "嵌套" not in body["message"]:
            wrong.append(f"{method} {url}: {response.status_code} {response.text[:150]}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
async def test_a_json_body_needs_the_json_media_type(app: Litestar, client: Client,
                                                     content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    wrong = []
    for method, url in _json_routes(app):
        response = await client.request(method, url, content=b'{"__probe__": 1}', headers=headers)
        if response.status_code != 415 or not _chinese(response.json()["message"]):
            wrong.append(f"{method} {url}: {response.status_code} {response.text[:150]}")
    assert not wrong, "\n".join(wrong)


async def test_token_requests_need_json(client: Client) -> None:
    """The issue's case: a token request with a JSON body as ``text/plain``."""
    refused = await client.post("/t/ta/api/rectification/scan", content=b'{}',
                                headers={"Content-Type": "text/plain"})
    assert refused.status_code == 415
    assert refused.json()["message"] == "请求内容类型应为 application/json"
    accepted = await client.post("/t/ta/api/rectification/scan", content=b'{}',
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    assert accepted.status_code == 200, accepted.text
    empty = await client.post("/t/ta/api/rectification/scan")  # optional body, none sent
    assert empty.status_code == 200, empty.text


def test_a_500_names_no_exception_class(caplog: pytest.LogCaptureFixture) -> None:
    from core.web.errors import exception_handlers

    @get("/boom")
    async def boom() -> Any:
        raise KeyError("secret_column")

    # No logging config of litestar's own: it would replace the root handlers caplog uses.
    app = Litestar([boom], exception_handlers=exception_handlers, logging_config=None)
    with caplog.at_level(logging.ERROR, logger="core.web.errors"), TestClient(app) as test:
        response = test.get("/boom")
    assert response.status_code == 500
    body = response.json()
    assert "KeyError" not in response.text and "secret_column" not in response.text
    assert _chinese(body["message"]) and body["detail"]
    assert "KeyError" in caplog.text
    assert body["detail"].split()[-1] in caplog.text  # the reference ties body and log
