"""Deny by default: every registered route, core or plugin, declares its action.

The guard refuses a route without an action, so a forgotten declaration
shows as a 403, not as a hole; this test catches it before anyone does. It
walks the real app and an app with the sample plugin loaded. The only
handlers without an action of their own are the ``OPTIONS`` handlers litestar
adds by itself, and the guard refuses those unless their router is public.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.routes import HTTPRoute
from piccolo.table import Table

from core.app import create_app, piccolo_apps
from core.db.migrate import app_tables
from core.plugins import Plugins
from core.web.guard import PUBLIC
from tests.authz.conftest import Client
from tests.conftest import RunDatabase, make_settings
from tests.identity.helpers import browser
from tests.plugin_fixtures import SAMPLE_DIR, SAMPLE_MODULE, SAMPLE_NAME, forget_modules

PUBLIC_ROUTES = {
    ("GET", "/healthz"),
    ("GET", "/favicon.ico"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/static/{file_path:path}"),
    ("HEAD", "/static/{file_path:path}"),
    ("OPTIONS", "/static/{file_path:path}"),
}
"""The routes anyone may call: health, sign-in and sign-out, static files and the icon."""

_AUTO_OPTIONS = "HTTPRoute.create_options_handler.<locals>.options_handler"


def handlers(app: Litestar) -> Iterator[tuple[str, str, Any]]:
    """``(method, path, handler)`` of every route handler of ``app``."""
    for route in app.routes:
        items = route.route_handlers if isinstance(route, HTTPRoute) else [
            route.route_handler]  # type: ignore[attr-defined]
        for handler in items:
            for method in sorted(getattr(handler, "http_methods", None) or {"WS/ASGI"}):
                yield method, route.path, handler


def auto_options(handler: Any) -> bool:
    """Whether litestar made this handler itself (the ``OPTIONS`` of a path)."""
    return bool(handler.fn.__module__ == "litestar.routes.http"
                and handler.fn.__qualname__ == _AUTO_OPTIONS)


def undeclared(app: Litestar, declared: set[str]) -> list[str]:
    """Routes whose action is missing or not a declared permission."""
    wrong = []
    for method, path, handler in handlers(app):
        action = handler.opt.get("action")
        if action is None and auto_options(handler):
            continue  # refused by the guard: see test_litestar_options_are_refused
        if action != PUBLIC and action not in declared:
            wrong.append(f"{method} {path} ({handler.handler_name}): action {action!r}")
    return wrong


def public(app: Litestar) -> set[tuple[str, str]]:
    """``(method, path)`` of every route declared public."""
    return {(m, p) for m, p, h in handlers(app) if h.opt.get("action") == PUBLIC}


@pytest.fixture(scope="module")
def sample_app(tmp_path_factory: pytest.TempPathFactory,
               test_database: RunDatabase) -> Iterator[Litestar]:
    """The app with the sample plugin loaded (built, not started)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(SAMPLE_DIR))
        settings = make_settings(tmp_path_factory.mktemp("routes_home"), test_database,
                                 XUNCHA_PLUGINS=SAMPLE_MODULE)
        plugins = Plugins(settings)
        # Building an app binds the piccolo tables to its engine: put them back after.
        tables: list[type[Table]] = app_tables(piccolo_apps(plugins))
        bound = [(table, table._meta.db) for table in tables]
        try:
            yield create_app(settings, plugins)
        finally:
            for table, db in bound:
                table._meta.db = db
    forget_modules(SAMPLE_MODULE)


def _declared(app: Litestar) -> set[str]:
    plugins: Plugins = app.state.runtime.plugins
    return {p.action for p in plugins.gather_now("xuncha_permissions")}


def test_every_core_route_declares_an_action(app: Litestar) -> None:
    assert undeclared(app, _declared(app)) == []
    assert sum(1 for _ in handlers(app)) > 100


def test_every_plugin_route_declares_an_action(sample_app: Litestar) -> None:
    plugins: Plugins = sample_app.state.runtime.plugins
    assert SAMPLE_NAME in plugins.names
    assert undeclared(sample_app, _declared(sample_app)) == []
    sample_paths = [p for _, p, h in handlers(sample_app) if h.opt.get("plugin") == SAMPLE_NAME]
    assert sample_paths, "the sample plugin's routes are not in the app"


def test_the_check_catches_a_route_without_action() -> None:
    @get("/forgotten", sync_to_thread=False)
    def forgotten() -> str:
        return "漏了声明"

    @get("/unknown", opt={"action": "nobody:declared"}, sync_to_thread=False)
    def unknown() -> str:
        return "未知权限"

    assert undeclared(Litestar([forgotten, unknown], openapi_config=None),
                      {"paper:read"}) == [
        "GET /forgotten (forgotten): action None",
        "GET /unknown (unknown): action 'nobody:declared'",
    ]


def test_the_public_routes_are_exactly_the_few(app: Litestar, sample_app: Litestar) -> None:
    assert public(app) == PUBLIC_ROUTES
    assert public(sample_app) == PUBLIC_ROUTES


async def test_litestar_options_are_refused(app: Litestar, client: Client) -> None:
    response = await client.options("/t/ta/api/orgs")  # office admin of ta
    assert response.status_code == 403
    assert response.json()["message"] == "该功能未声明所需权限，已拒绝访问"
    async with browser(app, client) as anonymous:
        assert (await anonymous.options("/login")).status_code == 403
        assert (await anonymous.options("/static/app.css")).status_code == 204

