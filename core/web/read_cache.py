"""Cached answers of the most read routes, reused while the data they come from is unchanged.

A route opts in with ``cache=READ_CACHE_SECONDS`` on its decorator (litestar's
response cache). Its answer is kept under a key made of:

- the data stamps of the request's tenant and of the shared data
  (:mod:`core.db.stamps`): any committed write of that tenant, or of an
  account, a role, the tenant registry..., by any process of the deployment,
  changes them, so the next request reads afresh;
- who asks: the account and, for a web session, the session (a page carries
  its CSRF token); an answer is never given to anyone else;
- the method, path and query, whether htmx asked (and for what), and
  the minute of the deployment's clock (to-dos that fall due by the clock).

Every request still passes the identity middleware and every guard (a
revoked token, a disabled account or a withdrawn role is refused as before);
only the handler's work (queries, rows to JSON or HTML) is saved. The stamps
are read first, by the identity middleware, in one round trip with the
policy version, so a credential checked a moment ago under the same shared
stamp costs nothing more (:mod:`core.identity.credentials`): a hit costs one
small read, which the requests arriving together share (each waits for a
read begun after it arrived: :class:`core.db.stamps.StampReader`).

An admitted answer carries an ETag derived from its key, with
``Cache-Control: private, no-cache``: a browser (or htmx polling a live part)
revalidates with ``If-None-Match`` and, while the key is the same, is answered
``304`` right after the guards, without the store or the handler.

Only a ``200`` is kept, only for a GET of a tenant route, and only for a
person the route's actions allow tenant-wide (liaisons and team members,
whose answers depend on their place, are always answered afresh) or for the
desk. An entry also expires after :data:`READ_CACHE_SECONDS` (a stamp bump
lost in a crash after a commit), and the store keeps at most
:data:`MAX_ENTRIES` answers and :data:`MAX_BYTES` bytes, dropping the least
recently used.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from datetime import timedelta
from typing import Any

from litestar import Request, Response
from litestar.config.response_cache import ResponseCacheConfig
from litestar.connection import ASGIConnection
from litestar.stores.base import Store
from litestar.types import HTTPScope, Message, Scope

from core.authz.roles import PRESENCE_ACTIONS
from core.identity.principal import Principal
from core.runtime import runtime_of
from core.web.pages.conditional import live_headers, matches, not_modified

__all__ = [
    "COALESCE_SECONDS",
    "FOLLOWED",
    "MAX_BYTES",
    "MAX_ENTRIES",
    "READ_CACHE_SECONDS",
    "STORE",
    "AnswerStore",
    "NotModified",
    "admit",
    "answer_not_modified",
    "cache_config",
    "prepare",
    "validator_headers",
]

READ_CACHE_SECONDS = 300
"""How long a cached answer may live at most."""
MAX_ENTRIES = 2_000
MAX_BYTES = 64 * 1024 * 1024
COALESCE_SECONDS = 10.0
"""How long a request waits for the same answer another request is computing."""
STORE = "response_cache"
"""The name of the store in the app's store registry."""
FOLLOWED = "xuncha.policy_followed"
"""Scope key: the authorization index was brought up to date for this request already."""
_STAMPS = "xuncha.read_stamps"
_KEY = "xuncha.read_key"
_ETAG = "xuncha.read_etag"
_HTMX_HEADERS = frozenset({b"hx-request", b"hx-history-restore-request"})
_UNADMITTED = "-"


class AnswerStore(Store):
    """An in-memory store bounded by entries and bytes, least recently used out first.

    Requests for the same missing answer coalesce: the first to miss computes it,
    the others wait (up to :data:`COALESCE_SECONDS`) and are given what it keeps; if
    it keeps nothing (not a 200) they compute their own.
    """

    __slots__ = ("_bytes", "_entries", "_pending", "max_bytes", "max_entries")

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[bytes, float | None]] = OrderedDict()
        self._bytes = 0
        self._pending: dict[str, asyncio.Future[bytes | None]] = {}

    async def set(self, key: str, value: str | bytes,
                  expires_in: int | timedelta | None = None) -> None:
        """Keep ``value`` under ``key`` for ``expires_in`` seconds (or until pushed out)."""
        data = value.encode() if isinstance(value, str) else value
        if len(data) > self.max_bytes:
            self.release(key)
            return
        seconds = expires_in.total_seconds() if isinstance(expires_in, timedelta) else expires_in
        self._drop(key)
        self._entries[key] = (data, None if seconds is None else time.monotonic() + seconds)
        self._bytes += len(data)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))
        self.release(key, data)

    def release(self, key: str, data: bytes | None = None) -> None:
        """Wake the requests waiting for ``key``'s answer (None: compute your own)."""
        waiting = self._pending.pop(key, None)
        if waiting is not None and not waiting.done():
            waiting.set_result(data)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        """The value under ``key`` if present and not expired (``renew_for`` is ignored:
        an answer never lives longer than it was given)."""
        entry = self._entries.get(key)
        if entry is not None and (entry[1] is None or entry[1] > time.monotonic()):
            self._entries.move_to_end(key)
            return entry[0]
        self._drop(key)
        if key.startswith(_UNADMITTED):
            return None
        waiting = self._pending.get(key)
        if waiting is None:  # this request computes the answer
            self._pending[key] = asyncio.get_running_loop().create_future()
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(waiting), COALESCE_SECONDS)
        except TimeoutError:
            if self._pending.get(key) is waiting:
                del self._pending[key]
            return None

    async def delete(self, key: str) -> None:
        """Forget ``key``."""
        self._drop(key)

    async def delete_all(self) -> None:
        """Forget everything."""
        self._entries.clear()
        self._bytes = 0

    async def exists(self, key: str) -> bool:
        """Whether ``key`` holds a live value."""
        entry = self._entries.get(key)
        return entry is not None and (entry[1] is None or entry[1] > time.monotonic())

    async def expires_in(self, key: str) -> int | None:
        """Seconds ``key`` has left, None when absent or without expiry."""
        entry = self._entries.get(key)
        if entry is None or entry[1] is None:
            return None
        return max(0, int(entry[1] - time.monotonic()))

    @property
    def size(self) -> int:
        """How many answers are kept (a ``__len__`` would make an empty store falsy, and
        litestar's registry would replace it)."""
        return len(self._entries)

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry[0])


async def prepare(scope: Scope) -> int | None:
    """First thing for a GET of a cached tenant route (the identity middleware calls it):
    read the tenant's and the shared data stamps, and on PostgreSQL the policy version
    with them (one round trip, shared with the requests asking at the same moment),
    bringing the authorization index up to date so the guard need not read it again.

    Returns:
        The shared stamp (credentials checked under it may be trusted again), or None
        when the route keeps no answers.
    """
    handler = scope.get("route_handler")
    params = scope.get("path_params") or {}
    if (scope.get("method") != "GET" or "tenant" not in params
            or not getattr(handler, "cache", False)):
        return None
    runtime = runtime_of(scope["app"].state)
    tenant = await runtime.tenants.get(str(params["tenant"]))
    if tenant is None:
        return None  # the guard answers 404
    stamps = await runtime.stamps.read()
    tenant_stamp, shared_stamp = stamps.of(tenant.id)
    if stamps.policy is not None:
        await runtime.authz.follow(stamps.policy)
        scope[FOLLOWED] = True  # type: ignore[literal-required]
    scope[_STAMPS] = (tenant.id, tenant_stamp, shared_stamp)  # type: ignore[literal-required]
    return shared_stamp


def admit(connection: ASGIConnection[Any, Any, Any, Any], actions: list[str]) -> None:
    """After the guards passed: name the answer's key when it may be cached (see the
    module doc for who qualifies); ``actions`` are the route's actions."""
    scope = connection.scope
    stamps = scope.get(_STAMPS)
    principal = scope.get("user")
    if stamps is None or not isinstance(principal, Principal):
        return
    runtime = runtime_of(connection.app.state)
    code = str(connection.path_params["tenant"])
    if not all(a in PRESENCE_ACTIONS or runtime.authz.allows(principal.username, code, a)
               for a in actions):
        return
    # Whether htmx asked, and for a history restore (a whole page): the layout differs.
    htmx = [value for name, value in scope["headers"] if name in _HTMX_HEADERS]
    minute = runtime.clock.now().replace(second=0, microsecond=0).isoformat()
    key = repr((stamps, principal.account_id, principal.via, principal.token_tenant,
                principal.session_id, scope["path"], scope.get("query_string", b""),
                htmx, minute))
    etag = f'W/"{hashlib.blake2b(key.encode(), digest_size=16).hexdigest()}"'
    held = next((value for name, value in scope["headers"] if name == b"if-none-match"), None)
    if held is not None and matches(held.decode("latin-1"), etag):
        raise NotModified(etag)
    scope[_KEY] = key  # type: ignore[literal-required]
    scope[_ETAG] = etag  # type: ignore[literal-required]


class NotModified(Exception):
    """Raised by :func:`admit`: the copy the client holds is the answer it would be given."""

    def __init__(self, etag: str) -> None:
        super().__init__(etag)
        self.etag = etag


def answer_not_modified(request: Request[Any, Any, Any], exc: NotModified) -> Response[bytes]:
    """The app's handler of :class:`NotModified`: ``304`` with the same validators."""
    return not_modified(exc.etag)


_VALIDATORS = [(name.lower().encode("latin-1"), value.encode("latin-1"))
               for name, value in live_headers("").items() if name != "ETag"]


async def validator_headers(message: Message, scope: Scope) -> None:
    """App ``before_send`` hook: an admitted ``200`` (kept or computed) carries its ETag and
    asks to be revalidated on every use, unless the handler gave its own."""
    etag = scope.get(_ETAG)
    if (message["type"] != "http.response.start" or not isinstance(etag, str)
            or message["status"] != 200):
        return
    headers = message.get("headers") or []
    names = {name.lower() for name, _ in headers}
    if b"etag" in names:  # the handler's own validator (a live page's)
        return
    message["headers"] = [*headers, (b"etag", etag.encode("latin-1")),
                          *(h for h in _VALIDATORS if h[0] not in names)]


def _key(request: Request[Any, Any, Any]) -> str:
    key = request.scope.get(_KEY)
    # A request not admitted looks up a key nothing is stored under.
    return key if isinstance(key, str) else f"{_UNADMITTED}{id(request.scope)}"


def _keep(scope: HTTPScope, status: int) -> bool:
    key = scope.get(_KEY)
    if not isinstance(key, str):
        return False
    if status != 200:  # nothing to keep: whoever waits for it computes their own
        store = scope["app"].stores.get(STORE)
        if isinstance(store, AnswerStore):
            store.release(key)
        return False
    return True


def cache_config() -> ResponseCacheConfig:
    """The app's response-cache settings: our key, only admitted 200s, our store."""
    return ResponseCacheConfig(default_expiration=READ_CACHE_SECONDS, key_builder=_key,
                               store=STORE, cache_response_filter=_keep)
