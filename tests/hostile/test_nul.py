"""Text with a NUL character is a 400 naming the field (PostgreSQL answered 500)."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.web.nul import NUL_MESSAGE

pytestmark = pytest.mark.hostile

Client = AsyncTestClient[Litestar]
T = "/t/ta.one/api"


async def test_in_the_query_and_the_path(client: Client) -> None:
    search = await client.get(f"{T}/inspections", params={"q": "nul\x00byte"})
    assert search.status_code == 400, search.text
    assert search.json()["errors"] == [{"field": "q", "source": "query", "message": NUL_MESSAGE}]
    revoke = await client.delete(f"{T}/role-grants/nul%00byte/office_staff")
    assert revoke.status_code == 400, revoke.text
    assert revoke.json()["errors"][0]["source"] == "path"


async def test_in_a_json_body(client: Client) -> None:
    response = await client.post(f"{T}/terms", json={
        "name": "空字符\x00届", "start_date": "2026-01-01"})
    assert response.status_code == 400, response.text
    assert response.json()["errors"] == [
        {"field": "name", "source": "body", "message": NUL_MESSAGE}]
    assert "不能包含空字符" in response.json()["message"]


async def test_text_without_nul_is_untouched(client: Client) -> None:
    search = await client.get(f"{T}/inspections", params={"q": "空字符"})
    assert search.status_code == 200, search.text
