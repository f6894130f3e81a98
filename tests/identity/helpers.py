"""Browsers of their own (cookie jar and client address) and accounts of their own.

The shared ``client`` fixture starts the app (its lifespan, in the tests' own
event loop); a ``browser`` calls that same app, so it talks to the same running
app, but keeps its own cookies and comes from its own address (the per-IP
sign-in throttle of one test never touches another's).
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.identity.accounts import AccountInfo, create_account
from core.testing.clients import AppClient

__all__ = ["PASSWORD", "Browser", "browser", "csrf_of", "grant", "login", "login_csrf",
           "new_account", "new_username", "signed_in"]

Browser = AsyncTestClient[Any]
PASSWORD = "Xuncha2026pass"
_addresses = itertools.count(1)


def new_username(label: str = "u") -> str:
    """A username no other test uses."""
    return f"{label}.{secrets.token_hex(4)}"


async def new_account(database: Database, tenant: str = "ta", password: str = PASSWORD,
                      name: str = "测试用户") -> AccountInfo:
    """A fresh account of ``tenant`` made through the service."""
    return await create_account(database, new_username(), name, tenant, password,
                                now=datetime.now(UTC), actor="test")


@asynccontextmanager
async def browser(app: Litestar, client: AsyncTestClient[Litestar],
                  base_url: str = "http://testserver.local") -> AsyncIterator[Browser]:
    """A client with its own cookies and address, on the app ``client`` runs."""
    n = next(_addresses)
    address = f"10.77.{n // 250}.{n % 250 + 1}"

    async def from_address(scope: Any, receive: Any, send: Any) -> None:
        scope["client"] = (address, 50000)
        await app(scope, receive, send)

    own: Browser = AppClient(from_address, base_url=base_url, lifespan=False)
    own.follow_redirects = False
    own.address = address  # type: ignore[attr-defined]
    async with own:
        yield own


def login_csrf(page: str) -> str:
    """The ``_csrf`` value of the sign-in form in ``page``."""
    form = page[page.index('action="/login"'):]  # the layout's sign-out form has one too
    match = re.search(r'name="_csrf" value="([^"]+)"', form)
    assert match, page
    return match[1]


async def login(b: Browser, username: str, password: str = PASSWORD,
                next_path: str = "/") -> Any:
    """Open the sign-in page and submit it; returns the response of the submit."""
    page = await b.get("/login")
    assert page.status_code == 200, page.text
    return await b.post("/login", data={"username": username, "password": password,
                                        "next": next_path, "_csrf": login_csrf(page.text)})


async def signed_in(b: Browser, username: str, password: str = PASSWORD) -> str:
    """Sign in (must succeed); returns the session's CSRF token from ``/api/me``'s page."""
    response = await login(b, username, password)
    assert response.status_code == 303, response.text
    return await csrf_of(b)


async def csrf_of(b: Browser) -> str:
    """The CSRF token of the browser's session, as ``/api/me`` gives it."""
    me = await b.get("/api/me")
    assert me.status_code == 200, me.text
    token: str = me.json()["csrf_token"]
    return token


async def grant(app: Litestar, client: AsyncTestClient[Litestar], username: str, role: str,
                tenant: str) -> None:
    """Give ``username`` a role in ``tenant`` (through the running app's authorizer)."""
    await app.state.runtime.authz.grant(username, role, tenant)
