"""Every route, walked as tenant A with tenant B's ids: no row of B ever shows.

A new route must be taught here (its path parameters and, for writes, a
body); the walker fails on a route it does not know, so none is left out.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from core.db import Database
from core.tenancy.tables import Org
from tests.conftest import TEST_TREE

Client = AsyncTestClient[Litestar]

A, B = "ta", "tb"
B_SECRETS = [o.name for spec in TEST_TREE if spec.code == B for o in spec.orgs]

# Body for each write route, filled with tenant B's ids by ``_fill``.
WRITE_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/t/{tenant:str}/api/orgs"): {
        "code": "XT-PROBE", "name": "越权探测村", "kind": "village", "parent_id": "{b_township}"},
    ("PATCH", "/t/{tenant:str}/api/orgs/{org_id:int}"): {
        "name": "越权修改", "parent_id": "{b_township}"},
}


async def _b_ids(database: Database, tenant_ids: dict[str, int]) -> dict[str, int]:
    rows = await database.tenant(tenant_ids[B]).list(Org, limit=None)
    return {
        "org_id": next(r["id"] for r in rows if r["kind"] == "department"),
        "b_township": next(r["id"] for r in rows if r["kind"] == "township"),
    }


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value


def _path_for(template: str, ids: dict[str, int]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match[1]
        if name == "tenant":
            return A
        if name == "file_path":
            return "app.css"
        if name == "path":  # /schema/{path}
            return "openapi.json"
        assert name in ids, f"cross-tenant walker does not know path parameter {name!r}"
        return str(ids[name])

    return re.sub(r"\{(\w+)(?::\w+)?\}", replace, template)


async def test_no_route_leaks_tenant_b_to_tenant_a(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    ids = await _b_ids(database, tenant_ids)
    before = await database.tenant(tenant_ids[B]).list(Org, limit=None)
    walked = 0
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method in sorted(route.methods - {"OPTIONS", "HEAD"}):
            path = _path_for(route.path, ids)
            kwargs: dict[str, Any] = {}
            if method in ("POST", "PUT", "PATCH"):
                key = (method, route.path)
                assert key in WRITE_BODIES, f"cross-tenant walker needs a body for {key}"
                kwargs["json"] = _fill(WRITE_BODIES[key], ids)
            response = await client.request(method, path, **kwargs)
            walked += 1
            assert response.status_code < 500, (method, path, response.text)
            for secret in B_SECRETS:
                assert secret not in response.text, (method, path, secret)
            if "{org_id" in route.path:
                assert response.status_code == 404, (method, path, response.status_code)
            elif method != "GET":
                assert response.status_code in (400, 404), (method, path, response.status_code)
    assert walked >= 8
    assert await database.tenant(tenant_ids[B]).list(Org, limit=None) == before
    probe = await database.tenant(tenant_ids[A]).count(Org, {"code": "XT-PROBE"})
    assert probe == 0


async def test_the_probe_is_meaningful(client: Client, database: Database,
                                       tenant_ids: dict[str, int]) -> None:
    """The same requests as tenant B do return B's rows (so A's empty answers mean something)."""
    ids = await _b_ids(database, tenant_ids)
    own = await client.get(f"/t/{B}/api/orgs/{ids['org_id']}")
    assert own.status_code == 200 and own.json()["name"] in B_SECRETS
    listing = await client.get(f"/t/{B}/")
    assert all(secret in listing.text for secret in B_SECRETS)
    other = await client.get(f"/t/{A}/")
    assert not any(secret in other.text for secret in B_SECRETS)
