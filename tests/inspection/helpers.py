"""Shared steps for workflow API tests: a fresh term and round, an inspection."""

from __future__ import annotations

import itertools
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

__all__ = ["Client", "api", "new_inspection", "new_round", "ok", "org_ids"]

Client = AsyncTestClient[Litestar]
_years = itertools.count(2031)


def ok(response: Any, status: int = 200) -> Any:
    """The JSON of a response that must have ``status``."""
    assert response.status_code == status, response.text
    return response.json()


def api(tenant: str, path: str) -> str:
    """``/t/<tenant>/api/<path>``."""
    return f"/t/{tenant}/api/{path}"


async def new_round(client: Client, tenant: str) -> dict[str, Any]:
    """A new term starting in a year no other test uses, and its first round."""
    year = next(_years)
    term = ok(await client.post(api(tenant, "terms"), json={
        "name": f"第{year}届", "start_date": f"{year}-01-01"}), 201)
    return ok(await client.post(api(tenant, "rounds"), json={
        "term_id": term["id"], "year": year, "number": 1}), 201)


async def org_ids(client: Client, tenant: str, *codes: str) -> list[int]:
    """Ids of the tenant's orgs with these codes."""
    orgs = ok(await client.get(api(tenant, "orgs"), params={"limit": 500}))["items"]
    by_code = {o["code"]: o["id"] for o in orgs}
    return [by_code[c] for c in codes]


async def new_inspection(client: Client, tenant: str = "ta.one",
                         codes: tuple[str, ...] = ("D001",), **extra: Any) -> dict[str, Any]:
    """A planned regular inspection of the orgs ``codes`` in a new round."""
    round_ = await new_round(client, tenant)
    body = {"round_id": round_["id"], "kind": "regular", "team_name": "第一巡察组",
            "org_ids": await org_ids(client, tenant, *codes), **extra}
    return ok(await client.post(api(tenant, "inspections"), json=body), 201)  # type: ignore[no-any-return]
