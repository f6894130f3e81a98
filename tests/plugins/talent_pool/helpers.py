"""Steps of the talent pool tests: people nominated and approved, terms, rounds,
inspections and team places."""

from __future__ import annotations

import itertools
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

__all__ = ["Client", "api", "inspection", "join", "new_term", "ok", "org_ids", "person",
           "talent"]

Client = AsyncTestClient[Litestar]
_years = itertools.count(2030)


def ok(response: Any, status: int = 200) -> Any:
    """The JSON of a response that must have ``status``."""
    assert response.status_code == status, response.text
    return response.json()


def api(tenant: str, path: str) -> str:
    """``/t/<tenant>/api/<path>``."""
    return f"/t/{tenant}/api/{path}"


def talent(tenant: str, path: str) -> str:
    """``/t/<tenant>/api/talent/<path>``."""
    return f"/t/{tenant}/api/talent/{path}"


async def person(client: Client, tenant: str = "tp.a", *, approve: bool = True,
                 history: list[dict[str, Any]] = (), relations: list[dict[str, Any]] = (),
                 availability: list[dict[str, Any]] = (), **fields: Any) -> dict[str, Any]:
    """A person nominated (eligible by default) and, unless told, approved; with lines."""
    body = {"name": "测试干部", "political_status": "cpc", "party_joined_on": "2005-07-01",
            "birth_date": "1980-05-01", "pools": ["general"], "specialties": ["finance"],
            "home_unit": "县委办公室", **fields}
    made = ok(await client.post(talent(tenant, "persons"), json=body), 201)
    for kind, lines in (("history", history), ("relations", relations),
                        ("availability", availability)):
        for line in lines:
            ok(await client.post(talent(tenant, f"persons/{made['id']}/{kind}"), json=line),
               201)
    if approve:
        made = ok(await client.post(talent(tenant, f"persons/{made['id']}/decision"),
                                    json={"approve": True, "note": "同意"}))
    return made  # type: ignore[no-any-return]


async def org_ids(client: Client, tenant: str, *codes: str) -> list[int]:
    """Ids of the tenant's orgs with these codes."""
    orgs = ok(await client.get(api(tenant, "orgs"), params={"limit": 500}))["items"]
    by_code = {o["code"]: o["id"] for o in orgs}
    return [by_code[c] for c in codes]


async def new_term(client: Client, tenant: str = "tp.a", rounds: int = 3
                   ) -> list[dict[str, Any]]:
    """A term in a year no other test uses, with its first ``rounds`` rounds."""
    year = next(_years)
    term = ok(await client.post(api(tenant, "terms"), json={
        "name": f"第{year}届", "start_date": f"{year}-01-01"}), 201)
    return [ok(await client.post(api(tenant, "rounds"), json={
        "term_id": term["id"], "year": year, "number": n}), 201) for n in range(1, rounds + 1)]


async def inspection(client: Client, round_id: int, codes: tuple[str, ...],
                     tenant: str = "tp.a", **extra: Any) -> int:
    """A planned regular inspection of ``codes`` in the round; returns its id."""
    body = {"round_id": round_id, "kind": "regular", "title": "常规巡察",
            "org_ids": await org_ids(client, tenant, *codes), **extra}
    return int(ok(await client.post(api(tenant, "inspections"), json=body), 201)["id"])


async def join(client: Client, inspection_id: int, who: dict[str, Any], role: str,
               tenant: str = "tp.a", **extra: Any) -> Any:
    """Add a person of the pool to a team through the core's team API (the response)."""
    return await client.post(api(tenant, f"inspections/{inspection_id}/team"), json={
        "person": who["person_key"], "name": who["name"], "role": role, **extra})
