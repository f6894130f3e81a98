"""JSON bodies are held to the types the OpenAPI document gives (core/web/strict_body.py)."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

pytestmark = pytest.mark.hostile

Client = AsyncTestClient[Litestar]
T = "/t/ta.one/api"


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "严格类型", "start_date": "2026-01-01", "end_date": 20301231}, "end_date"),
    ({"name": 5, "start_date": "2026-01-01"}, "name"),
    ({"name": "严格类型", "start_date": "2026-01-01", "__probe__": True}, "__probe__"),
])
async def test_a_value_of_another_type_is_refused(client: Client, body: dict[str, object],
                                                  field: str) -> None:
    response = await client.post(f"{T}/terms", json=body)
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert all("类型应为" in e["message"] or "未知字段" in e["message"] for e in errors)


async def test_numbers_and_booleans_are_not_coerced(client: Client) -> None:
    orgs = (await client.get(f"{T}/orgs?limit=1")).json()["items"]
    patch = await client.patch(f"{T}/orgs/{orgs[0]['id']}", json={"active": 0})
    assert patch.status_code == 400, patch.text
    assert patch.json()["errors"][0]["field"] == "active"
    assert "类型应为布尔值" in patch.json()["message"]
    as_text = await client.get(f"{T}/rectification/items", params={"limit": "5"})
    assert as_text.status_code == 200, "query strings are still read as numbers"


async def test_an_integral_float_is_an_integer(client: Client) -> None:
    """JSON Schema counts 1.0 an integer; so does the app."""
    response = await client.post(f"{T}/tokens", json={"name": "整数", "expires_in_days": 30.0})
    assert response.status_code == 403, response.text  # tokens need a web sign-in: not 400
    refused = await client.post(f"{T}/tokens", json={"name": "整数", "expires_in_days": 30.5})
    assert refused.status_code == 400, refused.text
