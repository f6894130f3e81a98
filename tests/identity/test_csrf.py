"""CSRF: unsafe requests of a web session must echo its token (header or ``_csrf`` field)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
from litestar import Litestar, Request, post
from litestar.datastructures import State
from litestar.params import URLEncodedBody
from litestar.testing import AsyncTestClient

from core.db import Database
from core.identity.sessions import COOKIE
from core.testing.clients import AppClient
from core.web.errors import exception_handlers
from core.web.middleware import CSRF_MESSAGE, IdentityMiddleware
from tests.identity.helpers import browser, csrf_of, login, new_account

Client = AsyncTestClient[Litestar]


class EchoForm(msgspec.Struct, forbid_unknown_fields=True):
    """A strict form, like the workflow pages' (an unknown ``_csrf`` would be a 400)."""

    remark: str
    to: str = ""


def _refused(response: Any) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert body == {"status": 403, "message": CSRF_MESSAGE, "errors": [],
                    "detail": CSRF_MESSAGE}


async def test_unsafe_requests_without_the_token_are_refused(
    app: Litestar, client: Client, database: Database
) -> None:
    account = await new_account(database)
    async with browser(app, client) as b:
        assert (await login(b, account.username)).status_code == 303
        csrf = await csrf_of(b)
        _refused(await b.post("/logout"))
        _refused(await b.post("/logout", headers={"X-CSRF-Token": "wrong"}))
        _refused(await b.post("/logout", data={"_csrf": "wrong"}))
        _refused(await b.post("/logout", data={"_csrf": [csrf, csrf]}))
        _refused(await b.post("/t/ta/api/tokens", json={"name": "x", "_csrf": csrf}))
        _refused(await b.delete("/t/ta/api/tokens/1"))
        _refused(await b.patch("/t/ta/api/orgs/1", json={"name": "伪造"}))
        _refused(await b.post("/logout", files={"_csrf": (None, csrf)}))  # multipart: header
        # Still signed in: none of those got through.
        assert (await b.get("/api/me")).status_code == 200
        # The right header passes.
        out = await b.post("/logout", headers={"X-CSRF-Token": csrf})
        assert out.status_code == 303
        assert (await b.get("/api/me")).status_code == 401


async def test_a_plain_form_may_carry_the_token_in_a_field(
    app: Litestar, client: Client, database: Database
) -> None:
    account = await new_account(database)
    async with browser(app, client) as b:
        assert (await login(b, account.username)).status_code == 303
        out = await b.post("/logout", data={"_csrf": await csrf_of(b)})
        assert out.status_code == 303
        assert (await b.get("/api/me")).status_code == 401


async def test_anonymous_and_safe_requests_are_not_checked(app: Litestar,
                                                           client: Client) -> None:
    async with browser(app, client) as b:
        assert (await b.post("/logout")).status_code == 303  # no session, nothing to forge
        b.cookies.set(COOKIE, "expired-or-made-up")
        assert (await b.post("/logout")).status_code == 303
        assert (await b.get("/login")).status_code == 200


@asynccontextmanager
async def _echo_app(app: Litestar, client: Client) -> AsyncIterator[AsyncTestClient[Any]]:
    """A small app with the middleware and a strict form handler, on the real runtime."""

    @post("/echo", opt={"action": "public"})
    async def echo(data: URLEncodedBody[EchoForm]) -> dict[str, Any]:
        return {"form": msgspec.structs.asdict(data)}

    @post("/echo-json", opt={"action": "public"})
    async def echo_json(request: Request[Any, Any, Any]) -> dict[str, Any]:
        return {"body": (await request.body()).decode()}

    small = Litestar([echo, echo_json], middleware=[IdentityMiddleware],
                     exception_handlers=exception_handlers,
                     state=State({"runtime": app.state.runtime}))
    own: AsyncTestClient[Any] = AppClient(small, lifespan=False)
    async with own:
        yield own


async def test_the_form_field_is_removed_before_the_handler_reads_the_form(
    app: Litestar, client: Client, database: Database
) -> None:
    account = await new_account(database)
    async with browser(app, client) as b:
        assert (await login(b, account.username)).status_code == 303
        csrf = await csrf_of(b)
        cookie = b.cookies.get(COOKIE) or ""
    async with _echo_app(app, client) as small:
        small.cookies.set(COOKIE, cookie)
        ok = await small.post("/echo", data={"remark": "审核意见：同意 & 通过", "_csrf": csrf,
                                             "to": "authorized"})
        assert ok.status_code == 201, ok.text
        assert ok.json() == {"form": {"remark": "审核意见：同意 & 通过", "to": "authorized"}}
        _refused(await small.post("/echo", data={"remark": "x"}))
        raw = await small.post("/echo-json", json={"a": 1}, headers={"X-CSRF-Token": csrf})
        assert raw.json() == {"body": '{"a":1}'}  # with the header the body is untouched
        big = await small.post("/echo", content=b"a=" + b"x" * (1024 * 1024 + 10),
                               headers={"content-type": "application/x-www-form-urlencoded"})
        assert big.status_code == 413
