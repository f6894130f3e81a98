"""ETags of live pages: whose copy is current, and the answer when it is."""

from __future__ import annotations

from typing import Any

from litestar import Request

from core.web.pages.conditional import etag_of, live_headers, not_modified, unchanged


def _request(headers: dict[str, str], path: str = "/t/ta/counties", user: str = "a",
             query: bytes = b"") -> Request[Any, Any, Any]:
    scope: Any = {"type": "http", "method": "GET", "path": path, "query_string": query,
                  "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
                  "user": type("U", (), {"username": user})(), "root_path": "",
                  "scheme": "http", "server": ("test", 80)}
    return Request(scope)


def test_an_etag_depends_on_the_data_the_person_the_url_and_htmx() -> None:
    base = etag_of(_request({}), "v1")
    assert base.startswith('W/"') and base == etag_of(_request({}), "v1")
    assert base != etag_of(_request({}), "v2")
    assert base != etag_of(_request({}, user="b"), "v1")
    assert base != etag_of(_request({}, path="/t/ta/shared-findings"), "v1")
    assert base != etag_of(_request({}, query=b"offset=50"), "v1")
    assert base != etag_of(_request({"HX-Request": "true"}), "v1")


def test_if_none_match_is_compared_weakly() -> None:
    etag = etag_of(_request({}), "v1")
    strong = etag.removeprefix("W/")
    assert unchanged(_request({"If-None-Match": etag}), etag)
    assert unchanged(_request({"If-None-Match": strong}), etag)
    assert unchanged(_request({"If-None-Match": f'"other", {etag}'}), etag)
    assert unchanged(_request({"If-None-Match": "*"}), etag)
    assert not unchanged(_request({"If-None-Match": '"other"'}), etag)
    assert not unchanged(_request({}), etag)


def test_not_modified_is_an_empty_304_that_revalidates() -> None:
    answer = not_modified('W/"x"')
    assert answer.status_code == 304 and answer.content == b""
    assert answer.headers["ETag"] == 'W/"x"' == live_headers('W/"x"')["ETag"]
    assert live_headers('W/"x"')["Cache-Control"] == "private, no-cache"
    assert "HX-Request" in live_headers('W/"x"')["Vary"]
