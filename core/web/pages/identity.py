"""Sign-in and sign-out pages, and ``/api/me``.

The sign-in form guards against login CSRF (an attacker signing a victim
into the attacker's account) with a double submit: ``GET /login`` sets a
random ``xuncha_login_csrf`` cookie and puts the same value in the form;
``POST /login`` accepts only when both agree. A successful sign-in always
starts a new session (no fixation) and ends the one the browser had.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import msgspec
from litestar import MediaType, Request, Response, get, post
from litestar.datastructures import Cookie, State
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from core.identity.accounts import LoginRefused, authenticate
from core.identity.principal import Principal
from core.identity.secret import new_secret, same
from core.identity.sessions import (
    COOKIE,
    CSRF_FIELD,
    SessionPolicy,
    cookie_name,
    create_session,
    revoke_session,
)
from core.identity.shared_throttle import SharedLoginThrottle
from core.identity.throttle import LoginThrottle
from core.runtime import Runtime, runtime_of
from core.web.middleware import anonymous_message

__all__ = [
    "LOGIN_CSRF_COOKIE",
    "MeOut",
    "identity_context",
    "identity_handlers",
    "login_throttle",
    "safe_next",
    "session_cookie",
]

LOGIN_CSRF_COOKIE = "xuncha_login_csrf"
_FORM_EXPIRED = "页面已过期，请重新输入用户名和密码后登录"


def identity_context(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Template values for the layout: the signed-in ``principal`` and its ``csrf_token``.

    ``csrf_token`` is None for anonymous and token requests; the layout puts
    it in ``hx-headers`` (``X-CSRF-Token``) and plain forms in a ``_csrf`` field.
    """
    user = request.scope.get("user")
    return {"principal": user, "csrf_token": getattr(user, "csrf_token", None)}


def session_cookie(request: Request[Any, Any, Any], base: str = COOKIE) -> str:
    """The name of cookie ``base`` in this deployment (one per port, see ``cookie_name``)."""
    return cookie_name(base, runtime_of(request.app.state).settings.port)


def login_throttle(state: State) -> LoginThrottle | SharedLoginThrottle:
    """The app's throttle of failed sign-ins (made on first use): in the database on
    PostgreSQL, so every process of the deployment counts the same failures; in
    memory on SQLite (one process)."""
    throttle: LoginThrottle | SharedLoginThrottle | None = getattr(state, "login_throttle",
                                                                   None)
    if throttle is None:
        db = runtime_of(state).db
        throttle = SharedLoginThrottle(db) if db.postgres else LoginThrottle()
        state.login_throttle = throttle
    return throttle


def safe_next(value: str | None) -> str:
    """``value`` when it is a path on this site, else ``/`` (no open redirect)."""
    if not value or len(value) > 2000 or not value.startswith("/"):
        return "/"
    if value.startswith(("//", "/\\")) or any(c in value for c in "\\\r\n\t\x00"):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return "/"
    return value


def _secure(request: Request[Any, Any, Any]) -> bool:
    return request.scope.get("scheme") == "https"


def _login_page(request: Request[Any, Any, Any], *, status: int = 200, message: str = "",
                username: str = "", next_path: str = "/") -> Template:
    token = new_secret(24)
    context = {
        "tenant": None, "menu": [], "switcher": [], **identity_context(request),
        "signed_in": request.scope.get("user"), "message": message, "username": username,
        "next": next_path, "login_csrf": token,
    }
    return Template(
        "identity/login.html", context=context, status_code=status, media_type=MediaType.HTML,
        cookies=[Cookie(key=session_cookie(request, LOGIN_CSRF_COOKIE), value=token,
                        path="/login", httponly=True, samesite="strict",
                        secure=_secure(request))],
        headers={"Cache-Control": "no-store"},
    )


@get("/login", opt={"action": "public"}, include_in_schema=False)
async def login_form(request: Request[Any, Any, Any],
                     next: FromQuery[str | None] = None) -> Template:
    """The sign-in page."""
    return _login_page(request, next_path=safe_next(next))


@post("/login", opt={"action": "public", "csrf_exempt": True}, include_in_schema=False)
async def login_submit(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    """Check the form; on success set the session cookie and go to ``next``."""
    form = await request.form()
    username = str(form.get("username") or "")[:200]
    password = str(form.get("password") or "")
    next_path = safe_next(str(form.get("next") or ""))
    shown = username if len(username) <= 64 else ""
    expected = request.cookies.get(session_cookie(request, LOGIN_CSRF_COOKIE))
    if not same(str(form.get(CSRF_FIELD) or ""), expected):
        return _login_page(request, status=403, message=_FORM_EXPIRED, username=shown,
                           next_path=next_path)
    if not username.strip() or not password:
        return _login_page(request, status=400, message="请输入用户名和密码", username=shown,
                           next_path=next_path)
    runtime = runtime_of(state)
    client = request.client.host if request.client else "unknown"
    try:
        account = await authenticate(runtime.db, username, password, client_ip=client,
                                     now=runtime.clock.now(), throttle=login_throttle(state))
    except LoginRefused as refused:
        return _login_page(request, status=refused.status, message=refused.message,
                           username=shown, next_path=next_path)
    previous = request.scope.get("user")
    if isinstance(previous, Principal) and previous.session_id is not None:
        await revoke_session(runtime.db, previous.session_id, runtime.clock.now())
    agent = request.headers.get("user-agent", "")
    session = await create_session(
        runtime.db, account.id, now=runtime.clock.now(),
        policy=SessionPolicy.from_settings(runtime.settings), client=f"{client} {agent}")
    response: Response[Any] = Redirect(next_path, status_code=303)
    response.set_cookie(session_cookie(request), session.token, path="/", httponly=True,
                        samesite="lax", secure=_secure(request))
    response.delete_cookie(session_cookie(request, LOGIN_CSRF_COOKIE), path="/login")
    return response


@post("/logout", opt={"action": "public"}, include_in_schema=False)
async def logout(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    """End the session and go back to the sign-in page."""
    user = request.scope.get("user")
    runtime = runtime_of(state)
    if (isinstance(user, Principal) and user.session_id is not None
            and await revoke_session(runtime.db, user.session_id, runtime.clock.now())):
        await _audit_logout(runtime, user)
    response: Response[Any]
    if request.headers.get("hx-request"):
        # htmx would follow a redirect inside the page; tell it to navigate instead.
        response = Response(None, status_code=204, headers={"HX-Redirect": "/login"})
    else:
        response = Redirect("/login", status_code=303)
    response.delete_cookie(session_cookie(request), path="/")
    return response


async def _audit_logout(runtime: Runtime, user: Principal) -> None:
    from core.audit import chain

    home = await runtime.tenants.get(user.home_tenant)
    if home is not None:
        await chain.append(runtime.db.tenant(home.id), actor=user.username,
                           action="account.logout", object_type="account",
                           object_id=user.account_id, detail={"session": user.session_id})


class MeOut(msgspec.Struct, kw_only=True):
    """The signed-in account.

    ``csrf_token`` (web sessions only) is what unsafe requests must send in
    ``X-CSRF-Token``; other sites cannot read this answer, so giving it here
    is safe and lets scripts and tests that sign in by form use the API.
    """

    username: str
    name: str
    home_tenant: str
    via: str
    token_tenant: str | None = None
    csrf_token: str | None = None


@get("/api/me", opt={"action": "me:read"}, tags=["账号"], summary="当前登录账号")
async def me(request: Request[Any, Any, Any]) -> MeOut:
    """Who the request is signed in as (401 when anonymous)."""
    user = request.scope.get("user")
    if not isinstance(user, Principal):
        raise NotAuthorizedException(anonymous_message(request.scope))
    return MeOut(username=user.username, name=user.name, home_tenant=user.home_tenant,
                 via=user.via, token_tenant=user.token_tenant, csrf_token=user.csrf_token)


identity_handlers = [login_form, login_submit, logout, me]
