"""Accounts of their own for the authorization tests: one role, one tenant-scoped token.

The shared ``client`` talks to the running app as ``tester`` (office admin);
its auth only sets ``Authorization`` when a request has none, so an
``Actor`` reuses it with its own bearer token on every request. Grants go
through the running app's authorizer, as the
role grant API would.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.authz.grants import grant_role
from core.db import Database
from core.identity.tokens import create_token
from tests.identity.helpers import new_account

__all__ = ["Actor", "MakeActor", "grant_in_app", "new_actor", "with_token_for"]

Client = AsyncTestClient[Litestar]


@dataclass(frozen=True)
class Actor:
    """An account acting through the shared client with its own API token."""

    username: str
    account_id: int
    tenant: str
    token: str
    client: Client

    def _headers(self, kwargs: dict[str, Any]) -> dict[str, str]:
        return {**kwargs.pop("headers", {}), "Authorization": f"Bearer {self.token}"}

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send a request as this account."""
        headers = self._headers(kwargs)
        return await self.client.request(method, url, headers=headers, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """GET as this account."""
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """POST as this account."""
        return await self.request("POST", url, **kwargs)


MakeActor = Callable[..., Awaitable[Actor]]


async def with_token_for(actor: Actor, database: Database, tenant_ids: dict[str, int],
                         tenant: str) -> Actor:
    """The same account with a (new) API token scoped to ``tenant``."""
    made = await create_token(database, account_id=actor.account_id, actor="test",
                              tenant_id=tenant_ids[tenant], tenant_code=tenant,
                              name="授权测试", days=365, now=datetime.now(UTC))
    return Actor(actor.username, actor.account_id, tenant, made.token, actor.client)


async def grant_in_app(app: Litestar, client: Client, tenant_id: int, tenant: str,
                       username: str, role: str, *, org: str | None = None,
                       body: str | None = None) -> None:
    """Grant ``role`` in ``tenant`` through the running app (checked, audited)."""
    runtime = app.state.runtime
    await grant_role(runtime.db, runtime.authz, tenant_id=tenant_id, tenant_code=tenant,
                     username=username, role=role, actor="test", org_code=org, body=body)


async def new_actor(app: Litestar, client: Client, database: Database,
                    tenant_ids: dict[str, int], tenant: str, role: str | None = None, *,
                    home: str = "ta", org: str | None = None,
                    body: str | None = None, token_for: str | None = None) -> Actor:
    """A fresh account of ``home`` holding ``role`` in ``tenant`` (none if None), with an
    API token for ``token_for`` (default ``tenant``); liaisons name their ``org`` (code)
    or receiving ``body``."""
    account = await new_account(database, home)
    if role is not None:
        await grant_in_app(app, client, tenant_ids[tenant], tenant, account.username, role,
                     org=org, body=body)
    scope = token_for or tenant
    made = await create_token(database, account_id=account.id, actor="test",
                              tenant_id=tenant_ids[scope], tenant_code=scope,
                              name="授权测试", days=365, now=datetime.now(UTC))
    return Actor(account.username, account.id, scope, made.token, client)


@pytest.fixture
def make_actor(app: Litestar, client: Client, database: Database,
               tenant_ids: dict[str, int]) -> MakeActor:
    """``await make_actor(tenant, role=None, home="ta", org=None, body=None,
    token_for=None)``: see ``new_actor``."""
    return functools.partial(new_actor, app, client, database, tenant_ids)
