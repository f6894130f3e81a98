"""Clients of the running app acting as one account each, through API tokens.

Tests move the clock by weeks, which would expire a web session, so every
account here acts through an API token of one tenant (as ``xuncha user
token`` makes them). Grants go through the running app's services, as the
role grant API would make them.

The app runs in the test's own event loop (:class:`AppClient`): its
lifespan, its background tasks and every request share the loop of the
tests, so a test may await the app's runtime (database pool, NATS
connection, sync service) directly.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Generator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database

__all__ = [
    "TESTER",
    "TESTER_PASSWORD",
    "ActingClient",
    "AppClient",
    "Client",
    "Team",
    "TenantTokens",
    "acting_as",
    "authorized_team",
    "office_admin_tokens",
    "tenant_id_of",
]

Client = AsyncTestClient[Litestar]


class AppClient(AsyncTestClient[Any]):
    """An httpx client calling an ASGI app in the caller's event loop.

    litestar's ``AsyncTestClient`` runs the app's lifespan and every request
    in a portal thread with an event loop of its own; a test that then awaits
    the app's runtime from its loop drives one asyncpg connection from two
    threads, which can crash the interpreter. This client runs everything in
    the loop that awaits it.

    Args:
        app: The ASGI app (a :class:`~litestar.Litestar` when ``lifespan``).
        base_url: The URL requests are relative to.
        lifespan: Run the app's startup on enter and its shutdown on exit; off
            for a second client of an app another client already runs.
        address: The client address the app sees.
    """

    def __init__(self, app: Any, *, base_url: str = "http://testserver.local",
                 lifespan: bool = True, address: tuple[str, int] = ("testclient", 50000)
                 ) -> None:
        super().__init__(app=app, base_url=base_url)
        self._transport = httpx.ASGITransport(app=app, client=address)
        self._runs_lifespan = lifespan
        self._stop = asyncio.Event()
        self._running: asyncio.Task[None] | None = None

    async def _lifespan(self, started: asyncio.Future[None]) -> None:
        # One task enters and exits the lifespan: its task groups must close where they
        # opened, while a fixture's setup and teardown run in different tasks.
        try:
            async with self.app.lifespan():
                started.set_result(None)
                await self._stop.wait()
        except BaseException as exc:
            if not started.done():
                started.set_exception(exc)
            raise

    async def __aenter__(self) -> AppClient:
        if self._runs_lifespan:
            started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._running = asyncio.create_task(self._lifespan(started))
            await started
        return self

    async def __aexit__(self, *args: Any) -> None:
        try:
            if self._running is not None:
                self._stop.set()
                await self._running
        finally:
            await self.aclose()


TESTER = "tester"
"""The account of the shared client: office admin (办主任) of every test tenant."""
TESTER_PASSWORD = "Inspect2026office"
_years = itertools.count(2041)


async def tenant_id_of(database: Database, code: str) -> int:
    """The id of the tenant ``code``."""
    rows = await database.fetch(
        f'SELECT "id" FROM "tenant" WHERE "code" = {database.dialect.mark(1)}', [code])
    return int(rows[0]["id"])


async def office_admin_tokens(database: Database, tenants: list[str], username: str = TESTER,
                              home: str | None = None) -> dict[str, str]:
    """Make ``username`` (home ``home``, default the first tenant) office admin of
    ``tenants`` with one API token each (tokens are tenant-scoped); returns them by code."""
    from core.authz.policy import PolicyAdapter
    from core.identity.accounts import create_account
    from core.identity.tokens import create_token

    now = datetime.now(UTC)
    account = await create_account(database, username, "测试管理员", home or tenants[0],
                                   TESTER_PASSWORD, now=now, actor="test")
    tokens = {}
    for code in tenants:
        await PolicyAdapter(database).add_policy("g", "g", [username, "office_admin", code])
        made = await create_token(database, account_id=account.id, actor="test",
                                  tenant_id=await tenant_id_of(database, code),
                                  tenant_code=code, name="测试", days=365, now=now)
        tokens[code] = made.token
    return tokens


class TenantTokens(httpx.Auth):
    """Sends the token of the tenant a request's path names (``/t/<code>/``)."""

    def __init__(self, tokens: dict[str, str], default: str) -> None:
        self.tokens, self.default = tokens, default

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the tenant's bearer token unless the request carries one."""
        parts = request.url.path.split("/")
        code = parts[2] if len(parts) > 2 and parts[1] == "t" else self.default
        token = self.tokens.get(code, self.tokens[self.default])
        request.headers.setdefault("Authorization", f"Bearer {token}")
        yield request


class ActingClient:
    """The shared client, acting as another account through its API token.

    Attributes:
        client: the shared client (the running app).
        token: the account's API token.
        username: the account's username ("" when not told).
    """

    def __init__(self, client: Client, token: str, username: str = "") -> None:
        self.client, self.token, self.username = client, token, username

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send a request as this account."""
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {self.token}"}
        return await self.client.request(method, url, headers=headers, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """GET as this account."""
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """POST as this account."""
        return await self.request("POST", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        """PATCH as this account."""
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        """DELETE as this account."""
        return await self.request("DELETE", url, **kwargs)


async def acting_as(app: Litestar, client: Client, database: Database, role: str | None,
                    tenant: str, home: str | None = None, scope: str | None = None,
                    *, org: str | None = None) -> tuple[ActingClient, str]:
    """A new account acting through a token scoped to ``tenant``.

    Args:
        app: the running app (its authorizer takes the grant).
        client: the shared client of the running app.
        database: the database (admin role) to create the account in.
        role: the role held in ``tenant``; None for none.
        tenant: the tenant of the role and of the token.
        home: the account's own tenant (default ``tenant``).
        scope: a liaison's raw scope (``org:<id>``, ``body:<code>``), granted as is.
        org: a unit liaison's org code, granted through the role grant service
            (checked and audited like ``POST /t/{tenant}/api/role-grants``).

    Returns:
        The acting client and the account's username.
    """
    from core.authz.grants import grant_role
    from core.identity.accounts import create_account
    from core.identity.tokens import create_token

    now = datetime.now(UTC)
    username = f"{(role or 'norole').replace('_', '')}.{secrets.token_hex(4)}"
    account = await create_account(database, username, "测试人员", home or tenant,
                                   TESTER_PASSWORD, now=now, actor="test")
    tenant_id = await tenant_id_of(database, tenant)
    runtime = app.state.runtime
    if role is not None and org is not None:
        await grant_role(runtime.db, runtime.authz, tenant_id=tenant_id, tenant_code=tenant,
                         username=username, role=role, actor="test", org_code=org)
    elif role is not None:
        await runtime.authz.grant(username, role, tenant, scope)
    made = await create_token(database, account_id=account.id, actor="test",
                              tenant_id=tenant_id, tenant_code=tenant, name="测试", days=365,
                              now=now)
    return ActingClient(client, made.token, username), username


@dataclass(frozen=True)
class Team:
    """An authorised inspection (一次一授权) and two people on its team.

    Attributes:
        tenant: the tenant code of the inspection.
        inspection: the inspection as ``GET .../inspections/{id}`` shows it.
        org_ids: ids of the orgs it inspects.
        leader: the team leader (组长), an account with no role in the tenant.
        member: a team member (组员), likewise.
        onsite_end: the planned withdrawal day; the grants end after it.
    """

    tenant: str
    inspection: dict[str, Any]
    org_ids: list[int]
    leader: ActingClient
    member: ActingClient
    onsite_end: date

    @property
    def inspection_id(self) -> int:
        """The inspection's id."""
        return int(self.inspection["id"])


def _ok(response: httpx.Response, status: int = 200) -> Any:
    if response.status_code != status:
        raise AssertionError(f"{response.request.method} {response.request.url}: "
                             f"{response.status_code} {response.text}")
    return response.json()


async def authorized_team(app: Litestar, client: Client, database: Database, tenant: str,
                          org_codes: tuple[str, ...] = ("D001",), kind: str = "regular",
                          topic: str = "") -> Team:
    """A new inspection of ``org_codes`` in ``tenant``, its team and its authorisation.

    ``client`` must act as an office admin of ``tenant``. The inspection is
    planned in a term and round of its own, on site from 15 to 30 days from
    the app's today; a leader and a member (accounts of the tenant holding no
    role in it) are put on its team, and it moves to ``authorized``, which
    opens the inspection to them alone until the planned withdrawal day.
    """
    api = f"/t/{tenant}/api"
    year = next(_years)
    term = _ok(await client.post(f"{api}/terms", json={
        "name": f"第{year}届", "start_date": f"{year}-01-01"}), 201)
    round_ = _ok(await client.post(f"{api}/rounds", json={
        "term_id": term["id"], "year": year, "number": 1}), 201)
    orgs = _ok(await client.get(f"{api}/orgs", params={"limit": 500}))["items"]
    by_code = {o["code"]: o["id"] for o in orgs}
    org_ids = [by_code[code] for code in org_codes]
    today = app.state.runtime.clock.today()
    start, end = today + timedelta(days=15), today + timedelta(days=30)
    inspection = _ok(await client.post(f"{api}/inspections", json={
        "round_id": round_["id"], "kind": kind, "topic": topic, "team_name": "第一巡察组",
        "org_ids": org_ids, "onsite_start": start.isoformat(),
        "onsite_end": end.isoformat()}), 201)
    people = []
    for role, label in (("leader", "组长"), ("member", "组员")):
        acting, username = await acting_as(app, client, database, None, tenant)
        _ok(await client.post(f"{api}/inspections/{inspection['id']}/team", json={
            "person": username, "name": f"测试{label}", "role": role, "home_tenant": tenant,
            "recusal_declared": True}), 201)
        people.append(acting)
    _ok(await client.post(f"{api}/inspections/{inspection['id']}/stage",
                          json={"to": "authorized"}))
    inspection = _ok(await client.get(f"{api}/inspections/{inspection['id']}"))
    return Team(tenant, inspection, org_ids, people[0], people[1], end)
