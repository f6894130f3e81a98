"""Signing in and out through the real app: cookie, redirects, messages, expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.identity.sessions import COOKIE
from tests.identity.helpers import PASSWORD, browser, csrf_of, login, login_csrf, new_account

Client = AsyncTestClient[Litestar]


async def test_login_page_is_chinese_on_the_layout(app: Litestar, client: Client) -> None:
    async with browser(app, client) as b:
        page = await b.get("/login", params={"next": "/t/ta/"})
    assert page.status_code == 200
    assert "登录巡察工作平台" in page.text and "巡察工作平台 · 内网部署" in page.text
    assert 'name="next" value="/t/ta/"' in page.text
    assert "xuncha_login_csrf" in page.headers["set-cookie"]
    assert page.headers["cache-control"] == "no-store"


async def test_sign_in_sets_a_safe_cookie_and_goes_next(
    app: Litestar, client: Client, database: Database
) -> None:
    account = await new_account(database, "ta.one", name="张三")
    async with browser(app, client) as b:
        assert (await b.get("/api/me")).status_code == 401
        response = await login(b, account.username, next_path="/t/ta.one/")
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/t/ta.one/"
        cookie = next(c for c in response.headers.get_list("set-cookie")
                      if c.startswith(COOKIE + "="))
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "path=/", "samesite=lax"} <= flags
        assert "secure" not in flags  # plain http here
        me = (await b.get("/api/me")).json()
        assert me["username"] == account.username and me["name"] == "张三"
        assert me["home_tenant"] == "ta.one" and me["via"] == "session"
        assert len(me["csrf_token"]) >= 32


async def test_cookie_is_secure_over_https(app: Litestar, client: Client,
                                           database: Database) -> None:
    account = await new_account(database)
    async with browser(app, client, base_url="https://testserver.local") as b:
        response = await login(b, account.username)
    assert response.status_code == 303
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(COOKIE))
    assert "secure" in cookie.lower()


async def test_next_must_be_a_local_path(app: Litestar, client: Client,
                                         database: Database) -> None:
    account = await new_account(database)
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x",
                 "/logout"):
        async with browser(app, client) as b:
            response = await login(b, account.username, next_path=evil)
            assert response.status_code == 303
            assert response.headers["location"] == "/", evil


async def test_wrong_password_and_unknown_user_answer_alike(
    app: Litestar, client: Client, database: Database
) -> None:
    account = await new_account(database)
    async with browser(app, client) as b:
        wrong = await login(b, account.username, "Wrong-password-1")
        unknown = await login(b, "nobody.here.at.all", PASSWORD)
        silly = await login(b, "名字" * 100, "x" * 5000)
    for response in (wrong, unknown, silly):
        assert response.status_code == 401
        assert "用户名或密码错误" in response.text
        assert COOKIE + "=" not in response.headers.get("set-cookie", "")
    assert account.username in wrong.text  # the typed name is kept in the form


async def test_sign_in_form_needs_its_double_submit_token(
    app: Litestar, client: Client, database: Database
) -> None:
    account = await new_account(database)
    async with browser(app, client) as b:
        page = await b.get("/login")
        forged = await b.post("/login", data={"username": account.username,
                                              "password": PASSWORD, "_csrf": "forged"})
        assert forged.status_code == 403 and "页面已过期" in forged.text
        b.cookies.clear()  # a cross-site form carries no login cookie
        missing = await b.post("/login", data={"username": account.username,
                                               "password": PASSWORD,
                                               "_csrf": login_csrf(page.text)})
        assert missing.status_code == 403
        assert (await b.get("/api/me")).status_code == 401


async def test_bad_form_input_is_a_4xx(app: Litestar, client: Client) -> None:
    async with browser(app, client) as b:
        empty = await b.post("/login", data={"_csrf": "x"})
        as_json = await b.post("/login", json={"username": "a", "password": "b"})
        broken = await b.post("/login", content=b"\xff\xfe=%%%",
                              headers={"content-type": "application/x-www-form-urlencoded"})
    for response in (empty, as_json, broken):
        assert 400 <= response.status_code < 500, response.text


async def test_logout_revokes_the_session(app: Litestar, client: Client,
                                          database: Database) -> None:
    account = await new_account(database)
    async with browser(app, client) as b:
        assert (await login(b, account.username)).status_code == 303
        stolen = b.cookies.get(COOKIE)
        csrf = await csrf_of(b)
        out = await b.post("/logout", data={"_csrf": csrf})
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert (await b.get("/api/me")).status_code == 401
    async with browser(app, client) as thief:
        thief.cookies.set(COOKIE, stolen or "")
        assert (await thief.get("/api/me")).status_code == 401


async def test_signing_in_again_replaces_the_session(
    app: Litestar, client: Client, database: Database
) -> None:
    first, second = await new_account(database), await new_account(database)
    async with browser(app, client) as b:
        assert (await login(b, first.username)).status_code == 303
        old = b.cookies.get(COOKIE)
        assert (await login(b, second.username)).status_code == 303
        assert b.cookies.get(COOKIE) != old
        assert (await b.get("/api/me")).json()["username"] == second.username
    async with browser(app, client) as other:
        other.cookies.set(COOKIE, old or "")
        assert (await other.get("/api/me")).status_code == 401


async def test_idle_expiry(app: Litestar, client: Client, database: Database) -> None:
    account = await new_account(database)
    clock = app.state.runtime.clock
    async with browser(app, client) as b:
        assert (await login(b, account.username)).status_code == 303
        try:
            clock.advance(timedelta(minutes=20))
            assert (await b.get("/api/me")).status_code == 200  # activity: idle timer restarts
            clock.advance(timedelta(minutes=20))
            assert (await b.get("/api/me")).status_code == 200
            clock.advance(timedelta(minutes=31))
            assert (await b.get("/api/me")).status_code == 401
        finally:
            clock.reset()


async def test_absolute_expiry_despite_activity(app: Litestar, client: Client,
                                                database: Database) -> None:
    account = await new_account(database)
    clock = app.state.runtime.clock
    async with browser(app, client) as b:
        assert (await login(b, account.username)).status_code == 303
        try:
            for _ in range(28):  # a request every 25 minutes for 11h40m
                clock.advance(timedelta(minutes=25))
                assert (await b.get("/api/me")).status_code == 200
            clock.advance(timedelta(minutes=25))  # 12h05m after signing in
            assert (await b.get("/api/me")).status_code == 401
        finally:
            clock.reset()


async def test_many_failures_from_one_address_are_throttled(
    app: Litestar, client: Client, database: Database
) -> None:
    account = await new_account(database)
    async with browser(app, client) as attacker:
        for n in range(20):
            response = await login(attacker, f"guess.{n}", "Guess-pass-2026")
            assert response.status_code == 401
        throttled = await login(attacker, account.username)
        assert throttled.status_code == 429
        assert "登录尝试过于频繁，请稍后再试" in throttled.text
        async with browser(app, client) as colleague:  # another address is not affected
            assert (await login(colleague, account.username)).status_code == 303
        clock = app.state.runtime.clock
        try:
            clock.advance(timedelta(minutes=10, seconds=1))
            assert (await login(attacker, account.username)).status_code == 303
        finally:
            clock.reset()


def test_anonymous_messages_say_why() -> None:
    from core.web.middleware import anonymous_message

    def scope(reason: str | None) -> Any:
        return {"type": "http", "auth": reason}

    assert anonymous_message(scope("session_expired")) == "登录已过期，请重新登录"
    assert anonymous_message(scope("token_revoked")) == "API 令牌已被吊销"
    assert anonymous_message(scope(None)) == "请先登录"
