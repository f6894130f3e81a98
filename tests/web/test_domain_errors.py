"""A service's refusal (core.errors) reaches clients as the documented 4xx, JSON or page.

Services raise :mod:`core.errors` with no notion of HTTP; :mod:`core.web.errors`
answers each with its status and the body ``{status, message, errors, detail}``
(the error page for a browser). The first tests call a service through a small
app with the real handlers and templates, for every kind of refusal; the last
go through the real app, where the real services refuse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest
from litestar import Litestar, get
from litestar.params import PathParameter
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig
from litestar.testing import AsyncTestClient

import core.web
from core.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    Invalid,
    NotFound,
    TooLarge,
    Unsupported,
)
from core.testing.clients import AppClient
from core.web.errors import InputError, exception_handlers, refusal_of, status_of

Client = AsyncTestClient[Litestar]
HTML = {"Accept": "text/html"}

REFUSALS: dict[str, DomainError] = {
    "invalid": Invalid([FieldError("title", "标题不能为空"),
                        FieldError("persons[1].name", "姓名不能为空")]),
    "conflict": Conflict.on("status", "底稿已签字，不能再修改"),
    "not-found": NotFound("问题底稿不存在"),
    "forbidden": Forbidden("只能查看本组承担的巡察任务"),
    "too-large": TooLarge.on("file", "附件大小超过上限 20 MB"),
    "unsupported": Unsupported.on("file", "不支持的附件类型 .exe"),
    "query": InputError([FieldError("year", "年份无效", "query")]),
}


async def refusing_service(kind: str) -> None:
    """Stands for any service: it raises the domain error and knows nothing of HTTP."""
    raise REFUSALS[kind]


@get("/t/ta/api/refusals/{kind:str}")
async def refusal_api(kind: Annotated[str, PathParameter()]) -> None:
    await refusing_service(kind)


@get("/t/ta/refusals/{kind:str}")
async def refusal_page(kind: Annotated[str, PathParameter()]) -> None:
    await refusing_service(kind)


@pytest.fixture(scope="module")
async def small() -> Any:
    templates = Path(core.web.__file__).parent / "templates"
    app = Litestar([refusal_api, refusal_page], exception_handlers=exception_handlers,
                   template_config=TemplateConfig(directory=templates,
                                                  engine=JinjaTemplateEngine))
    async with AppClient(app) as client:
        yield client


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [
        ("invalid", 400, {
            "status": 400,
            "message": "输入有误：title：标题不能为空；persons[1].name：姓名不能为空",
            "errors": [
                {"field": "title", "source": "body", "message": "标题不能为空"},
                {"field": "persons[1].name", "source": "body", "message": "姓名不能为空"},
            ],
            "detail": "title: 标题不能为空; persons[1].name: 姓名不能为空",
        }),
        ("conflict", 409, {
            "status": 409, "message": "输入有误：status：底稿已签字，不能再修改",
            "errors": [{"field": "status", "source": "body", "message": "底稿已签字，不能再修改"}],
            "detail": "status: 底稿已签字，不能再修改",
        }),
        ("not-found", 404, {
            "status": 404, "message": "问题底稿不存在", "errors": [], "detail": "问题底稿不存在",
        }),
        ("forbidden", 403, {
            "status": 403, "message": "只能查看本组承担的巡察任务", "errors": [],
            "detail": "只能查看本组承担的巡察任务",
        }),
        ("too-large", 413, {
            "status": 413, "message": "输入有误：file：附件大小超过上限 20 MB",
            "errors": [{"field": "file", "source": "body", "message": "附件大小超过上限 20 MB"}],
            "detail": "file: 附件大小超过上限 20 MB",
        }),
        ("unsupported", 415, {
            "status": 415, "message": "输入有误：file：不支持的附件类型 .exe",
            "errors": [{"field": "file", "source": "body", "message": "不支持的附件类型 .exe"}],
            "detail": "file: 不支持的附件类型 .exe",
        }),
        ("query", 400, {
            "status": 400, "message": "输入有误：year：年份无效",
            "errors": [{"field": "year", "source": "query", "message": "年份无效"}],
            "detail": "year: 年份无效",
        }),
    ],
)
async def test_a_refusal_is_the_documented_json(small: Client, kind: str, status: int,
                                                body: dict[str, Any]) -> None:
    response = await small.get(f"/t/ta/api/refusals/{kind}", headers=HTML)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == body
    assert status_of(REFUSALS[kind]) == status


@pytest.mark.parametrize(
    ("kind", "status", "shown"),
    [
        ("invalid", 400, ["400 · 输入有误：标题：标题不能为空",
                          "涉及人员第 2 项·名称：姓名不能为空"]),
        ("conflict", 409, ["409 · 输入有误：状态：底稿已签字，不能再修改"]),
        ("not-found", 404, ["404 · 问题底稿不存在"]),
        ("forbidden", 403, ["403 · 只能查看本组承担的巡察任务"]),
    ],
)
async def test_a_refusal_is_the_error_page_for_a_browser(small: Client, kind: str, status: int,
                                                         shown: list[str]) -> None:
    response = await small.get(f"/t/ta/refusals/{kind}", headers=HTML)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "出错了" in response.text
    for text in shown:
        assert text in response.text
    # Without asking for HTML, a page's refusal is JSON like the API's.
    plain = await small.get(f"/t/ta/refusals/{kind}")
    assert plain.status_code == status and plain.json()["status"] == status


def test_a_form_shows_every_reason_of_a_refusal() -> None:
    assert refusal_of(REFUSALS["invalid"]) == (["标题不能为空", "姓名不能为空"], 400)
    assert refusal_of(Conflict("巡察任务已归档")) == (["巡察任务已归档"], 409)


async def test_the_real_services_refusals(client: Client) -> None:
    """A paper that does not exist, as the papers service refuses it: API and page."""
    api = await client.post("/t/ta.one/api/papers/2147483000/review", json={})
    assert api.status_code == 404, api.text
    assert api.json() == {"status": 404, "message": "问题底稿不存在", "errors": [],
                          "detail": "问题底稿不存在"}
    page = await client.get("/t/ta.one/papers/2147483000", headers=HTML)
    assert page.status_code == 404, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "404 · 问题底稿不存在" in page.text
    body = {"round_id": 2147483000, "kind": "regular", "team_name": "第一巡察组",
            "org_ids": [1]}
    planned = await client.post("/t/ta.one/api/inspections", json=body)
    assert planned.status_code == 400, planned.text
    assert planned.json()["errors"][0]["field"] in {"round_id", "org_ids"}
    assert planned.json()["message"].startswith("输入有误：")
