"""API tokens: shown once, stored hashed, one tenant, expiry with a moved clock, revocation."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.identity.accounts import disable_account
from core.identity.sessions import COOKIE
from tests.identity.helpers import Browser, browser, grant, new_account, signed_in

Client = AsyncTestClient[Litestar]
TOKENS = "/t/{}/api/tokens"


async def _session(app: Litestar, client: Client, database: Database,
                   b: Browser, tenant: str = "ta") -> tuple[Any, dict[str, str]]:
    """A signed-in account of ``tenant`` allowed to manage tokens there; its CSRF header."""
    account = await new_account(database, tenant)
    await grant(app, client, account.username, "office_staff", tenant)
    csrf = await signed_in(b, account.username)
    return account, {"X-CSRF-Token": csrf}


async def _create(b: Browser, headers: dict[str, str], tenant: str = "ta",
                  **body: Any) -> dict[str, Any]:
    response = await b.post(TOKENS.format(tenant), json={"name": "台账同步程序", **body},
                            headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_token_is_shown_once_and_stored_hashed(
    app: Litestar, client: Client, database: Database
) -> None:
    async with browser(app, client) as b:
        _, headers = await _session(app, client, database, b)
        made = await _create(b, headers, expires_in_days=30)
        listing = (await b.get(TOKENS.format("ta"), headers=headers)).json()
    token = made["token"]
    assert token.startswith(f"xct_{made['prefix']}_") and made["scope_tenant"] == "ta"
    expires = datetime.fromisoformat(made["expires_at"])
    assert timedelta(days=29, hours=23) < expires - app.state.runtime.clock.now() <= timedelta(
        days=30)
    assert listing["total"] == 1 and listing["items"][0]["prefix"] == made["prefix"]
    assert listing["items"][0]["active"] is True
    assert token not in str(listing) and token.split("_", 2)[2] not in str(listing)
    rows = await database.fetch('SELECT * FROM "api_token" WHERE "id" = '
                                + database.dialect.mark(1), [made["id"]])
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert not any(token.split("_", 2)[2] in str(v) for v in rows[0].values())


async def test_a_token_signs_programs_in_for_one_tenant(
    app: Litestar, client: Client, database: Database
) -> None:
    async with browser(app, client) as b:
        account, headers = await _session(app, client, database, b)
        token = (await _create(b, headers))["token"]
    async with browser(app, client) as program:
        me = (await program.get("/api/me", headers=_bearer(token))).json()
        assert me == {"username": account.username, "name": account.name, "home_tenant": "ta",
                      "via": "token", "token_tenant": "ta", "csrf_token": None}
        # Another tenant's path: refused (the guard refuses too; the token routes check it).
        other = await program.get(TOKENS.format("tb"), headers=_bearer(token))
        assert other.status_code == 403
        # Unsafe requests with a token need no CSRF token; a token cannot mint tokens.
        minted = await program.post(TOKENS.format("ta"), json={"name": "再来一个"},
                                    headers=_bearer(token))
        assert minted.status_code == 403 and "令牌" in minted.json()["message"]
        own = await program.get(TOKENS.format("ta"), headers=_bearer(token))
        assert own.status_code == 200 and own.json()["total"] == 1


async def test_token_expiry_with_a_moved_clock(app: Litestar, client: Client,
                                               database: Database) -> None:
    clock = app.state.runtime.clock
    async with browser(app, client) as b:
        _, headers = await _session(app, client, database, b)
        token = (await _create(b, headers, expires_in_days=1))["token"]
        try:
            clock.advance(timedelta(hours=23, minutes=59))
            assert (await b.get("/api/me", headers=_bearer(token))).json()["via"] == "token"
            clock.advance(timedelta(minutes=2))
            expired = await b.get("/api/me", headers=_bearer(token))
            assert expired.status_code == 401
        finally:
            clock.reset()
        assert (await b.get(TOKENS.format("ta"), headers=headers)).status_code == 200


async def test_revocation(app: Litestar, client: Client, database: Database) -> None:
    async with browser(app, client) as b:
        _, headers = await _session(app, client, database, b)
        first, second = await _create(b, headers), await _create(b, headers, name="第二个")
        assert (await b.get("/api/me", headers=_bearer(first["token"]))).status_code == 200
        gone = await b.delete(f"{TOKENS.format('ta')}/{first['id']}", headers=headers)
        assert gone.status_code == 204
        assert (await b.get("/api/me", headers=_bearer(first["token"]))).status_code == 401
        again = await b.delete(f"{TOKENS.format('ta')}/{first['id']}", headers=headers)
        assert again.status_code == 204
        listing = (await b.get(TOKENS.format("ta"), headers=headers)).json()
        states = {t["id"]: (t["active"], t["revoked_at"] is not None) for t in listing["items"]}
        assert states == {first["id"]: (False, True), second["id"]: (True, False)}
    # A token can revoke itself (no CSRF token needed), and then it is dead.
    async with browser(app, client) as program:
        auth = _bearer(second["token"])
        assert (await program.delete(f"{TOKENS.format('ta')}/{second['id']}",
                                     headers=auth)).status_code == 204
        assert (await program.get("/api/me", headers=auth)).status_code == 401


async def test_only_own_tokens_in_this_tenant(app: Litestar, client: Client,
                                              database: Database) -> None:
    async with browser(app, client) as b:
        _, headers = await _session(app, client, database, b)
        mine = await _create(b, headers)
    async with browser(app, client) as other:
        _, other_headers = await _session(app, client, database, other)
        listing = (await other.get(TOKENS.format("ta"), headers=other_headers)).json()
        assert listing["total"] == 0
        stolen = await other.delete(f"{TOKENS.format('ta')}/{mine['id']}", headers=other_headers)
        assert stolen.status_code == 404
    async with browser(app, client) as b2:
        _, headers_tb = await _session(app, client, database, b2, "tb")
        assert (await b2.delete(f"{TOKENS.format('tb')}/{mine['id']}",
                                headers=headers_tb)).status_code == 404
    async with browser(app, client) as program:
        assert (await program.get("/api/me", headers=_bearer(mine["token"]))).status_code == 200


async def test_bad_bearer_values_are_anonymous_not_errors(app: Litestar, client: Client,
                                                          database: Database) -> None:
    async with browser(app, client) as b:
        await _session(app, client, database, b)
        assert b.cookies.get(COOKIE)
        for value in ("Bearer", "Bearer xct_", "Bearer xct_00000000_" + "a" * 43,
                      "Bearer " + "x" * 5000, "Bearer 令牌"):
            response = await b.get("/api/me", headers={"Authorization": value.encode()})
            # A presented but bad token wins over the cookie: anonymous, never 5xx.
            assert response.status_code == 401, value
        assert (await b.get("/api/me", headers={"Authorization": "Basic eDp5"})).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "   "},
        {"name": "名" * 101},
        {"name": "x", "expires_in_days": 0},
        {"name": "x", "expires_in_days": 366},
        {"name": "x", "scope_tenant": "tb"},
        {"name": 5},
        [],
    ],
)
async def test_bad_input_is_400(app: Litestar, client: Client, database: Database,
                                body: Any) -> None:
    async with browser(app, client) as b:
        _, headers = await _session(app, client, database, b)
        response = await b.post(TOKENS.format("ta"), json=body, headers=headers)
        assert response.status_code == 400, response.text
        assert response.json()["message"].startswith("输入有误")
        broken = await b.post(TOKENS.format("ta"), content=b"{not json", headers={
            **headers, "content-type": "application/json"})
        assert broken.status_code == 400
        for bad in ("0", "abc", "99999999999"):
            response = await b.delete(f"{TOKENS.format('ta')}/{bad}", headers=headers)
            assert response.status_code in (400, 404), bad
        assert (await b.get(TOKENS.format("ta"), params={"limit": 0},
                            headers=headers)).status_code == 400
        assert (await b.get(TOKENS.format("nowhere"), headers=headers)).status_code == 404


async def test_live_tokens_per_account_are_limited(app: Litestar, client: Client,
                                                   database: Database) -> None:
    from core.identity.tokens import MAX_ACTIVE_TOKENS

    async with browser(app, client) as b:
        _, headers = await _session(app, client, database, b)
        for n in range(MAX_ACTIVE_TOKENS):
            await _create(b, headers, name=f"程序{n}")
        refused = await b.post(TOKENS.format("ta"), json={"name": "太多"}, headers=headers)
        assert refused.status_code == 409 and "最多" in refused.json()["message"]


async def test_disabled_account_tokens_stop_working(app: Litestar, client: Client,
                                                    database: Database) -> None:
    async with browser(app, client) as b:
        account, headers = await _session(app, client, database, b)
        token = (await _create(b, headers))["token"]
        await disable_account(database, account.username, now=app.state.runtime.clock.now())
        assert (await b.get("/api/me", headers=_bearer(token))).status_code == 401
        assert (await b.get("/api/me")).status_code == 401  # the session ended too


async def test_a_token_is_refused_in_another_tenant_even_where_the_account_has_a_role(
    app: Litestar, client: Client, database: Database
) -> None:
    async with browser(app, client) as b:
        account, headers = await _session(app, client, database, b)
        await grant(app, client, account.username, "office_staff", "tb")
        assert (await b.get("/t/tb/api/orgs", headers=headers)).status_code == 200  # by session
        token = (await _create(b, headers))["token"]
    async with browser(app, client) as program:
        assert (await program.get("/t/ta/api/orgs", headers=_bearer(token))).status_code == 200
        refused = await program.get("/t/tb/api/orgs", headers=_bearer(token))
        assert refused.status_code == 403
        assert "乙" not in refused.text  # nothing of tb shows
