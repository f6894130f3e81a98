"""Hostile input schemathesis does not try, on every route of the app, against the real server.

Every route (walked from the app, as tests/authz/test_routes_declare_actions.py
does, pages and plugin routes included) gets: huge, negative and zero ids in
each path id; a JSON body nested 1,000 arrays deep; long and odd unicode
(10k characters, right-to-left text, combining marks, lone surrogate
escapes) and NUL bytes in its fields and query; and path tricks (``../``,
``%2e%2e``, double and encoded slashes). Requests go over a raw socket, so
nothing normalises the path on the way. No answer may be a 500, and every
error answer has the error body with a Chinese message.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from tests.hostile.conftest import OWN, Served

pytestmark = pytest.mark.hostile

HUGE_IDS = ["99999999999999999999", "-1", "0", str(2**63), str(2**31), "1e3", "0x10"]
ODD_TEXT = [
    "巡" * 10_000,
    "\u202eمرحبا بالعالم\u202c שלום",  # right-to-left override, Arabic, Hebrew
    "e" + "\u0301" * 500 + "\u200d\ufeff",  # combining marks, zero-width joiner, BOM
    "\\ud800 lone surrogate \\udfff",  # escaped in JSON below (not valid UTF-8 as such)
    "nul\x00byte",
    "𠀀𪚥🀄" * 300,
]
PATH_TRICKS = ["../../etc/passwd", "%2e%2e/%2e%2e/admin", "..%2f..%2fschema", "a//b",
               "%2F%2Fevil", "%00", "%ff%fe", "..;/", "%252e%252e"]
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _routes(app: Litestar) -> Iterator[tuple[str, str]]:
    """``(method, path template)`` of every route (no OPTIONS/HEAD, no static files)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith("/static"):
            continue
        for method in sorted(route.methods - {"OPTIONS", "HEAD"}):
            yield method, route.path


def _fill(template: str, ids: dict[str, Any], override: dict[str, str] | None = None) -> str:
    def value(match: re.Match[str]) -> str:
        name, kind = match[1], match[2] or "str"
        if override and name in override:
            return override[name]
        if name == "tenant":
            return OWN
        if name in ids:
            return str(ids[name])
        # An id no row has: a DELETE let through deletes nothing (a token id of 1 would
        # be the run's own office admin token on a fresh database).
        return str(2**31 - 1) if kind == "int" else "probe"

    return re.sub(r"\{(\w+)(?::(\w+))?\}", value, template)


def _send(served: Served, method: str, target: str, body: bytes | None = None,
          content_type: str = "application/json") -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP/1.1 request (the target exactly as given); the status and body."""
    parts = urlsplit(served.url)
    head = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}",
            f"Authorization: Bearer {served.tokens[('office_admin', OWN)]}",
            "Accept: application/json", "Connection: close"]
    if body is not None:
        head += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (body or b"")
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        chunks = []
        try:
            sock.sendall(raw)
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            # The server answered before reading a large body it refused, and closed:
            # the answer, when it arrived first, is in the chunks already read.
            if not chunks:
                return 0, {}, b"connection reset before any answer"
    data = b"".join(chunks)
    header, _, payload = data.partition(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    if headers.get("transfer-encoding") == "chunked":
        payload = _unchunk(payload)
    return int(lines[0].split()[1]), headers, payload


def _unchunk(payload: bytes) -> bytes:
    out = b""
    while payload:
        size, _, rest = payload.partition(b"\r\n")
        length = int(size.split(b";")[0], 16)
        if length == 0:
            break
        out += rest[:length]
        payload = rest[length + 2:]
    return out


def _check(problems: list[str], label: str, status: int, headers: dict[str, str],
           payload: bytes) -> None:
    """No 500; an error answer has the error body in Chinese (a page route answering a
    form with HTML: a page in Chinese)."""
    if status >= 500 or status == 0:
        problems.append(f"{label}: {status} {payload[:300]!r}")
        return
    if status < 400:
        return
    if headers.get("content-type", "").startswith("text/html"):
        if not _CHINESE.search(payload.decode("utf-8", "replace")):
            problems.append(f"{label}: {status} HTML page without Chinese")
        return
    if "json" not in headers.get("content-type", ""):
        problems.append(f"{label}: {status} answered {headers.get('content-type')}")
        return
    body = json.loads(payload)
    if (set(body) != {"status", "message", "errors", "detail"} or body["status"] != status
            or not _CHINESE.search(body["message"])
            or not all(set(e) == {"field", "source", "message"} and _CHINESE.search(e["message"])
                       for e in body["errors"])):
        problems.append(f"{label}: {status} body {body}")


@pytest.fixture(scope="module")
def routes(app: Litestar) -> list[tuple[str, str]]:
    """The routes of the app (the same code the served process runs)."""
    found = list(_routes(app))
    assert len(found) > 100
    return found


def test_huge_negative_and_zero_ids(routes: list[tuple[str, str]], served_app: Served) -> None:
    problems: list[str] = []
    tried = 0
    for method, template in routes:
        names = [m[1] for m in re.finditer(r"\{(\w+):int\}", template)]
        for name in names:
            for bad in HUGE_IDS:
                target = _fill(template, served_app.own, {name: bad})
                body = b"{}" if method in ("POST", "PATCH", "PUT") else None
                status, headers, payload = _send(served_app, method, target, body)
                _check(problems, f"{method} {target}", status, headers, payload)
                tried += 1
    assert tried > 300
    assert not problems, "\n".join(problems)


def test_deeply_nested_json(routes: list[tuple[str, str]], served_app: Served) -> None:
    problems: list[str] = []
    deep = b"[" * 1000 + b"]" * 1000
    deep_object = b'{"a":' * 1000 + b"1" + b"}" * 1000
    for method, template in routes:
        if method not in ("POST", "PATCH", "PUT"):
            continue
        target = _fill(template, served_app.own)
        for body in (deep, deep_object):
            status, headers, payload = _send(served_app, method, target, body)
            _check(problems, f"{method} {target} (nested)", status, headers, payload)
    assert not problems, "\n".join(problems)


def test_long_and_odd_unicode_and_nul(routes: list[tuple[str, str]],
                                      served_app: Served) -> None:
    """Odd text in every common field of a body, in the query, and in string path names."""
    problems: list[str] = []
    fields = ["name", "title", "summary", "problem", "remark", "reason", "note", "q",
              "username", "person", "code", "kind", "to", "description"]
    for method, template in routes:
        for text in ODD_TEXT:
            encoded = json.dumps({f: text for f in fields}, ensure_ascii=True)
            # A lone surrogate is only expressible as a JSON escape: put it there raw.
            encoded = encoded.replace("\\\\ud800", "\\ud800").replace("\\\\udfff", "\\udfff")
            target = _fill(template, served_app.own,
                           {"county": quote(text[:300], safe=""),
                            "username": quote(text[:300], safe=""),
                            "role": quote(text[:50], safe="")})
            query = "q=" + quote(text[:2000], safe="") + "&kind=" + quote(text[:50], safe="")
            body = encoded.encode() if method in ("POST", "PATCH", "PUT") else None
            status, headers, payload = _send(served_app, method, f"{target}?{query}", body)
            _check(problems, f"{method} {template} ({text[:12]!r})", status, headers, payload)
    assert not problems, "\n".join(problems)


def test_path_tricks(routes: list[tuple[str, str]], served_app: Served) -> None:
    problems: list[str] = []
    prefixes = {re.sub(r"\{.*", "", template) for _, template in routes}
    for prefix in sorted(prefixes):
        base = _fill(prefix, served_app.own) if "{" in prefix else prefix
        for trick in PATH_TRICKS:
            for method in ("GET", "POST"):
                target = base.rstrip("/") + "/" + trick
                body = b"{}" if method == "POST" else None
                status, headers, payload = _send(served_app, method, target, body)
                _check(problems, f"{method} {target}", status, headers, payload)
    # The tenant segment itself: traversal and encoded slashes never reach another tenant.
    for trick in ("..%2fzz.xinmi", "zz.zhongmu%2f..%2fzz.xinmi", "zz.zhongmu/../zz.xinmi",
                  ".", "%2e", "zz.zhongmu%00"):
        status, headers, payload = _send(served_app, "GET", f"/t/{trick}/api/orgs")
        _check(problems, f"GET /t/{trick}/api/orgs", status, headers, payload)
        assert "新密" not in payload.decode("utf-8", "replace"), trick  # zz.xinmi's orgs
    assert not problems, "\n".join(problems)
