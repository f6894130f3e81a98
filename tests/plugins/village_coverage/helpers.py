"""Steps of the village coverage tests: terms, rounds, inspections taken to a stage."""

from __future__ import annotations

from typing import Any, TypeVar

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.inspection.tables import Inspection
from tests.sync.helpers import eventually

__all__ = ["Client", "api", "cov_api", "eventually", "feedback", "inspect", "new_round",
           "new_term", "ok", "org_ids", "set_stage", "tenant_id"]

Client = AsyncTestClient[Litestar]
T = TypeVar("T")


def ok(response: Any, status: int = 200) -> Any:
    """The JSON of a response that must have ``status``."""
    assert response.status_code == status, response.text
    return response.json()


def api(tenant: str, path: str) -> str:
    """``/t/<tenant>/api/<path>``."""
    return f"/t/{tenant}/api/{path}"


def cov_api(tenant: str, path: str) -> str:
    """``/t/<tenant>/api/coverage/<path>``."""
    return f"/t/{tenant}/api/coverage/{path}"


async def new_term(client: Client, tenant: str, start: str, end: str,
                   name: str = "第十五届") -> dict[str, Any]:
    """A term of ``tenant``."""
    return ok(await client.post(api(tenant, "terms"), json={
        "name": name, "start_date": start, "end_date": end}), 201)


async def new_round(client: Client, tenant: str, term_id: int, year: int, number: int,
                    **extra: Any) -> dict[str, Any]:
    """A round of the term."""
    return ok(await client.post(api(tenant, "rounds"), json={
        "term_id": term_id, "year": year, "number": number, **extra}), 201)


async def org_ids(client: Client, tenant: str, *codes: str) -> list[int]:
    """Ids of the tenant's orgs with these codes."""
    orgs = ok(await client.get(api(tenant, "orgs"), params={"limit": 500}))["items"]
    by_code = {o["code"]: o["id"] for o in orgs}
    return [by_code[c] for c in codes]


async def inspect(client: Client, tenant: str, round_id: int, codes: list[str],
                  title: str = "测试巡察") -> int:
    """A planned regular inspection of the orgs ``codes``; returns its id."""
    body = {"round_id": round_id, "kind": "regular", "title": title,
            "org_ids": await org_ids(client, tenant, *codes)}
    return int(ok(await client.post(api(tenant, "inspections"), json=body), 201)["id"])


async def tenant_id(database: Database, code: str) -> int:
    """The id of tenant ``code``."""
    rows = await database.fetch(
        f'SELECT "id" FROM "tenant" WHERE "code" = {database.dialect.mark(1)}', [code])
    return int(rows[0]["id"])


async def set_stage(database: Database, tenant: str, inspection_id: int, stage: str) -> None:
    """Put an inspection in ``stage`` directly (as the owner, no event)."""
    await database.tenant(await tenant_id(database, tenant)).update(
        Inspection, {"id": inspection_id}, {"stage": stage})


async def feedback(client: Client, database: Database, tenant: str, inspection_id: int) -> None:
    """Take an inspection to ``feedback`` through the stage API.

    The stages before are set directly (their preconditions are the
    workflow's tests' business); the last move goes through the API so its
    event reaches the plugin like any real one.
    """
    await set_stage(database, tenant, inspection_id, "reviewed")
    ok(await client.post(api(tenant, f"inspections/{inspection_id}/stage"),
                         json={"to": "feedback", "remark": "反馈"}))
