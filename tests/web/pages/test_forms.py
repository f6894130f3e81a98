"""parse_form, form_errors and done: forms read into structs, refusals laid out by field."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Litestar, Request, Response, post
from litestar.testing import TestClient

from core.errors import Conflict, FieldError, Invalid
from core.web.errors import InputError
from core.web.pages.forms import done, form_errors, parse_form


class ThingForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=10)]
    count: int = 1
    due: date | None = None
    urgent: bool = False
    tags: list[str] = []


@post("/things", status_code=200)
async def things(request: Request[Any, Any, Any]) -> Response[Any]:
    try:
        form = await parse_form(request, ThingForm)
    except Invalid as exc:
        errors = form_errors(exc, ThingForm)
        return Response({"by_field": errors.by_field, "general": errors.general},
                        status_code=errors.status)
    if form.title == "go":
        return done(request, "/things/1")
    return Response(msgspec.to_builtins(form))


def client() -> TestClient[Litestar]:
    return TestClient(Litestar([things]))


def test_values_are_converted_blanks_take_defaults_and_lists_take_every_value() -> None:
    with client() as c:
        r = c.post("/things", data={"title": " 标题 ", "count": "3", "due": "2026-12-05",
                                    "urgent": "on", "tags": ["a", "", "b"]})
        assert r.status_code == 200
        assert r.json() == {"title": "标题", "count": 3, "due": "2026-12-05", "urgent": True,
                            "tags": ["a", "b"]}
        r = c.post("/things", data={"title": "x", "count": "", "due": ""})
        assert r.json() == {"title": "x", "count": 1, "due": None, "urgent": False, "tags": []}


def test_refusals_are_chinese_and_beside_their_field() -> None:
    with client() as c:
        r = c.post("/things", data={"title": "", "count": "1"})
        assert r.status_code == 400
        assert r.json() == {"by_field": {"title": ["缺少必填字段"]}, "general": []}
        r = c.post("/things", data={"title": "x" * 11})
        assert r.json()["by_field"] == {"title": ["长度不能超过 10 个字符"]}
        r = c.post("/things", data={"title": "x", "count": "many"})
        assert list(r.json()["by_field"]) == ["count"]
        assert all(ord(ch) > 127 or not ch.isalpha() for ch in r.json()["by_field"]["count"][0])
        r = c.post("/things", data={"title": "x", "zz": "1"})
        assert r.json() == {"by_field": {}, "general": ["表单包含未知字段"]}


def test_success_redirects_plain_posts_and_htmx() -> None:
    with client() as c:
        r = c.post("/things", data={"title": "go"}, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/things/1")
        r = c.post("/things", data={"title": "go"}, headers={"HX-Request": "true"})
        assert (r.status_code, r.headers["hx-redirect"]) == (200, "/things/1")


def test_form_errors_keeps_the_status_and_sends_unshown_fields_to_the_summary() -> None:
    exc = Conflict([FieldError("persons[1].name", "姓名必填"), FieldError("stage", "环节不对")])
    errors = form_errors(exc, ["persons"])
    assert (errors.status, errors.by_field, errors.general) == (
        409, {"persons": ["姓名必填"]}, ["环节不对"])
    assert form_errors(Invalid("整体不对"), ThingForm).general == ["整体不对"]
    assert form_errors(InputError([], 413), ThingForm).status == 413
