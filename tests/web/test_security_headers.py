"""Security headers on every answer, and pages that run under their script policy.

Every response (page, JSON, static file, error) carries a Content-Security-
Policy allowing scripts only from the site's own files (no inline script,
no eval), refusing to be framed, with ``Referrer-Policy`` and ``nosniff``.
The templates must then hold no inline script: no ``<script>`` without
``src``, no ``on…=`` handler attributes, no ``hx-on`` (htmx evaluates it), no
``javascript:`` URL. Their behaviour lives in ``/static/app.js``.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import REPO
from tests.identity.helpers import browser

Client = AsyncTestClient[Litestar]

INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\s(?:on[a-z]+|hx-on[:\w-]*)\s*=|javascript:", re.IGNORECASE)
"""What runs as inline script in a page."""


def _directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _assert_headers(response: httpx.Response) -> None:
    headers = response.headers
    policy = _directives(headers["content-security-policy"])
    script = policy.get("script-src", policy.get("default-src"))
    assert script == ["'self'"], headers["content-security-policy"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] in ("same-origin", "no-referrer")
    assert headers["x-frame-options"] == "DENY"
    assert len(headers.get_list("x-content-type-options")) == 1


async def test_every_kind_of_answer_carries_the_headers(app: Litestar, client: Client) -> None:
    html = {"Accept": "text/html"}
    answers = {
        "page": await client.get("/t/ta/", headers=html),
        "json": await client.get("/t/ta/api/tenant"),
        "static": await client.get("/static/app.css"),
        "script": await client.get("/static/app.js"),
        "json_400": await client.get("/t/ta/api/orgs?limit=0"),
        "json_404": await client.get("/nowhere"),
        "html_404": await client.get("/nowhere", headers=html),
        "health": await client.get("/healthz"),
    }
    async with browser(app, client) as anonymous:
        answers["login"] = await anonymous.get("/login")
        answers["json_401"] = await anonymous.get("/api/me")
        answers["redirect"] = await anonymous.get("/t/ta/", headers=html)
    expected = {"page": 200, "json": 200, "static": 200, "script": 200, "json_400": 400,
                "json_404": 404, "html_404": 404, "health": 200, "login": 200,
                "json_401": 401, "redirect": 302}
    for name, response in answers.items():
        assert response.status_code == expected[name], (name, response.text[:200])
        _assert_headers(response)
    assert answers["script"].headers["content-type"].startswith(
        ("application/javascript", "text/javascript"))


def _templates() -> list[Path]:
    return sorted(p for p in (REPO / "core").rglob("*.html")) + sorted(
        p for p in (REPO / "plugins").rglob("*.html"))


def test_templates_hold_no_inline_script() -> None:
    found = []
    for path in _templates():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if INLINE.search(line):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:120]}")
    assert len(_templates()) > 20
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", ["/t/ta/", "/t/ta/rounds", "/t/ta/ledger", "/t/ta/orgs"])
async def test_rendered_pages_hold_no_inline_script(client: Client, path: str) -> None:
    response = await client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text[:200]
    assert '<script src="/static/app.js"' in response.text
    assert not INLINE.search(response.text), INLINE.search(response.text)
