"""Who is asking: the Principal of every HTTP request, and CSRF for web sessions.

``IdentityMiddleware`` sets ``scope["user"]`` to a ``Principal`` (from an
``Authorization: Bearer xct_...`` token, else the ``xuncha_session``
cookie) or to None, and ``scope["auth"]`` to None or the reason presented
credentials were refused (``session_expired``, ``token_revoked``...), so the
guard can answer 401 with a precise message. It costs one indexed query
when credentials are presented and none otherwise (none either on a route whose
answers are kept, :mod:`core.web.read_cache`, for a credential checked a
moment ago: see :mod:`core.identity.credentials`).

A session-authenticated request with an unsafe method must echo the
session's CSRF token: in the ``X-CSRF-Token`` header (htmx sends it), or for
a plain URL-encoded form post in the ``_csrf`` field, which is checked and
then removed before the handler reads the form. A plain multipart form (an
upload) carries it in its action's query string (``?_csrf=...``, see
``csrf_query`` in the templates): its body, possibly large, is then never
read here, only by the handler under its own size limit. The query field
is removed from the scope once checked. Token requests are exempt
(browsers never attach them by themselves), as are routes declaring
``opt={"csrf_exempt": True}`` (the sign-in form, which has its own
double-submit check).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from litestar.enums import ScopeType
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.types import ASGIApp, HTTPReceiveMessage, Receive, Scope, Send

from core.identity.principal import Principal
from core.identity.secret import same
from core.identity.sessions import (
    COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    SessionPolicy,
    cookie_name,
    resolve_session,
)
from core.identity.tokens import resolve_token
from core.runtime import Runtime
from core.web import read_cache

__all__ = [
    "CSRF_MESSAGE",
    "REFUSALS",
    "IdentityMiddleware",
    "anonymous_message",
    "cookie_value",
    "identify",
]

CSRF_MESSAGE = "请求校验失败（CSRF），请刷新页面后重试"
REFUSALS = {
    "session_unknown": "登录已失效，请重新登录",
    "session_revoked": "登录已失效（已退出或被管理员结束），请重新登录",
    "session_expired": "登录已过期，请重新登录",
    "account_disabled": "账号已停用，请联系本机构系统管理员",
    "token_invalid": "API 令牌无效",
    "token_revoked": "API 令牌已被吊销",
    "token_expired": "API 令牌已过期",
}
"""Chinese 401 messages for the reasons ``scope["auth"]`` may hold."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_FORM_BYTES = 1024 * 1024
"""Largest URL-encoded form read to find its ``_csrf`` field."""
_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"


def anonymous_message(scope: Scope) -> str:
    """The 401 message for an anonymous request: why its credentials failed, if it had any."""
    reason = scope.get("auth")
    return REFUSALS.get(reason, "请先登录") if isinstance(reason, str) else "请先登录"


def cookie_value(header: str, name: str) -> str | None:
    """The value of cookie ``name`` in a ``Cookie`` header, or None."""
    for part in header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value.strip().strip('"')
    return None


async def identify(runtime: Runtime, authorization: str | None, cookie: str | None,
                   shared: int | None = None) -> tuple[Principal | None, str | None]:
    """The principal of a request's credentials, or None and why they were refused.

    A ``Bearer`` header wins over the cookie; a bad bearer token makes the
    request anonymous rather than falling back to the cookie. Given the shared
    data stamp just read (``shared``), a credential resolved a moment ago under
    the same stamp is trusted without the database (:mod:`core.identity.credentials`).
    """
    now = runtime.clock.now()
    token: str | None = None
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "bearer":
            token, key = credentials.strip(), "token:"
    if token is None:
        token = (cookie_value(cookie, cookie_name(COOKIE, runtime.settings.port))
                 if cookie else None)
        if not token:
            return None, None
        key = "session:"
    key += token
    if shared is not None and (known := runtime.credentials.get(key, shared, now)):
        return known, None
    until: list[datetime] = []
    if key.startswith("token:"):
        principal, reason = await resolve_token(runtime.db, token, now=now, until=until)
    else:
        policy = SessionPolicy.from_settings(runtime.settings)
        principal, reason = await resolve_session(runtime.db, token, now=now, policy=policy,
                                                  until=until)
    if principal is not None and shared is not None and until:
        runtime.credentials.put(key, principal, shared, until[0])
    return principal, reason


class IdentityMiddleware:
    """ASGI middleware resolving the principal and enforcing CSRF (see module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            # Nothing authenticates websockets yet (and a cookie-authenticated
            # websocket would need an Origin check): they stay anonymous.
            scope["user"] = None
            scope["auth"] = None
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        headers = _headers(scope)
        runtime: Runtime = scope["app"].state.runtime
        # A route whose answers are kept reads its data stamps first (one round trip
        # with the policy version): then a credential checked a moment ago needs none.
        shared = await read_cache.prepare(scope)
        principal, reason = await identify(runtime, headers.get("authorization"),
                                           headers.get("cookie"), shared)
        scope["user"] = principal
        scope["auth"] = reason
        if (principal is not None and principal.via == "session"
                and method not in SAFE_METHODS and not _exempt(scope)):
            receive = await _check_csrf(scope, receive, headers, principal.csrf_token)
        await self.app(scope, receive, send)


def _headers(scope: Scope) -> dict[str, str]:
    wanted = {b"authorization", b"cookie", CSRF_HEADER.encode(), b"content-type"}
    found: dict[str, str] = {}
    for key, value in scope["headers"]:
        if key in wanted:
            name = key.decode("latin-1")
            text = value.decode("latin-1")
            # Several Cookie headers (HTTP/2) are one list.
            found[name] = f"{found[name]}; {text}" if name in found else text
    return found


def _exempt(scope: Scope) -> bool:
    handler = scope.get("route_handler")
    return bool(handler is not None and handler.opt.get("csrf_exempt"))


async def _check_csrf(scope: Scope, receive: Receive, headers: dict[str, str],
                      expected: str | None) -> Receive:
    """Pass when the header or form field echoes ``expected``; returns the receive to use."""
    header_ok = same(headers.get(CSRF_HEADER), expected)
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == _MULTIPART:
        sent = _take_query_token(scope)
        if header_ok or (len(sent) == 1 and same(sent[0], expected)):
            return receive
        raise PermissionDeniedException(CSRF_MESSAGE)
    if content_type != _FORM:
        if header_ok:
            return receive
        raise PermissionDeniedException(CSRF_MESSAGE)
    # A form may carry the field as well as the header (htmx sends both): the
    # field is checked when the header is absent and removed either way.
    body = await _read_body(receive)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        if header_ok:
            return _replay(body, receive)
        raise PermissionDeniedException(CSRF_MESSAGE) from None
    sent = [value for key, value in pairs if key == CSRF_FIELD]
    if not header_ok and (len(sent) != 1 or not same(sent[0], expected)):
        raise PermissionDeniedException(CSRF_MESSAGE)
    if not sent:
        return _replay(body, receive)
    # The handler's form schema knows nothing of ``_csrf``: replay the form without it.
    rest = urlencode([(k, v) for k, v in pairs if k != CSRF_FIELD]).encode("utf-8")
    scope["headers"] = [*((k, v) for k, v in scope["headers"] if k != b"content-length"),
                        (b"content-length", str(len(rest)).encode())]
    return _replay(rest, receive)


def _take_query_token(scope: Scope) -> list[str]:
    """The ``_csrf`` values of the query string, which is left without them."""
    raw: bytes = scope.get("query_string", b"")
    if CSRF_FIELD.encode() not in raw:
        return []
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    scope["query_string"] = urlencode(
        [(k, v) for k, v in pairs if k != CSRF_FIELD]).encode("latin-1")
    return [value for key, value in pairs if key == CSRF_FIELD]


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Any = await receive()
        if message["type"] != "http.request":
            break  # the client went away
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            raise HTTPException(status_code=413, detail="提交的表单过大")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    done = False

    async def replay() -> HTTPReceiveMessage:
        nonlocal done
        if not done:
            done = True
            return {"type": "http.request", "body": body, "more_body": False}
        message: HTTPReceiveMessage = await receive()  # type: ignore[assignment]
        return message

    return replay
