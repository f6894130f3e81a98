"""Health check, OpenAPI schema and static assets."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient


async def test_healthz_checks_database_and_nats(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "正常"
    assert body["nats"] == "正常"


async def test_schema_is_served_offline(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/schema")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "巡察工作平台 API"
    assert "/t/{tenant}/api/orgs" in schema["paths"]


async def test_static_assets_ship_with_the_package(client: AsyncTestClient[Litestar]) -> None:
    htmx = await client.get("/static/htmx.min.js")
    assert htmx.status_code == 200
    assert b"htmx" in htmx.content
    css = await client.get("/static/app.css")
    assert css.status_code == 200
