"""Bad input anywhere: a 4xx with a Chinese message, never a 500."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.web.errors import translate

Client = AsyncTestClient[Litestar]


@pytest.mark.parametrize(
    ("raw", "chinese"),
    [
        ("Expected `int`, got `str` - at `$.parent_id`", "类型应为整数，实际为文本"),
        ("Object missing required field `code`", "缺少必填字段"),
        ("Expected `str` of length <= 200 - at `$.name`", "长度不能超过 200 个字符"),
        ("Expected `int` >= 1 - at `$.limit`", "不能小于 1"),
        ("Invalid enum value 'farm' - at `$.kind`", "取值无效：'farm' - at `$.kind`"),
        ("Expected `array` of length >= 1", "至少 1 项"),
        ("something nobody expected", "输入无效"),
    ],
)
def test_translate(raw: str, chinese: str) -> None:
    assert translate(raw) == chinese


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"null", b"[]", b"123", b'{"code": []}', "{\"name\": \"\u0000\"}".encode(),
     b'{"code":"A","name":"x","kind":"department","parent_id":1e309}', b"\xff\xfe"],
)
async def test_garbage_bodies_are_4xx(client: Client, content: bytes) -> None:
    response = await client.post("/t/ta/api/orgs", content=content,
                                 headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["message"]


@pytest.mark.parametrize(
    "path",
    ["/t/ta/api/orgs/abc", "/t/ta/api/orgs/-1", "/t/ta/api/orgs/99999999999999999999",
     "/t/%00/api/orgs", "/t/" + "x" * 5000 + "/api/orgs", "/nowhere", "/t/ta/api/orgs/0"],
)
async def test_garbage_paths_are_4xx(client: Client, path: str) -> None:
    response = await client.get(path)
    assert 400 <= response.status_code < 500, (path, response.text)


async def test_wrong_method_is_405_in_chinese(client: Client) -> None:
    response = await client.delete("/t/ta/api/orgs")
    assert response.status_code == 405
    assert response.json()["message"] == "不支持该请求方法"


def test_a_lost_uniqueness_race_is_a_409_not_a_500() -> None:
    """Two writers passing the same check: the database constraint answers as a conflict."""
    import sqlite3

    import asyncpg
    from litestar import get
    from litestar.testing import TestClient

    from core.web.errors import exception_handlers

    @get("/sqlite")
    async def sqlite_race() -> None:
        raise sqlite3.IntegrityError("UNIQUE constraint failed: working_paper.number")

    @get("/postgres")
    async def postgres_race() -> None:
        raise asyncpg.exceptions.UniqueViolationError("duplicate key value")

    app = Litestar([sqlite_race, postgres_race], exception_handlers=exception_handlers)
    with TestClient(app) as client:
        for path in ("/sqlite", "/postgres"):
            response = client.get(path)
            assert response.status_code == 409, response.text
            assert "与现有数据冲突" in response.json()["message"]


def test_nested_fields_are_named_with_their_place() -> None:
    from core.web.errors import field_of

    assert field_of("Object missing required field `name`", "persons[1]") == "persons[1].name"
    assert field_of("Object contains unknown field `zz`", "persons[0]") == "persons[0].zz"
    assert field_of("Object missing required field `title`", "data") == "title"
    assert field_of("Expected `str`, got `int`", "title") == "title"
