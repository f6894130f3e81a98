"""``create_app(settings)``: the Litestar app with core and plugin routes."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from os import PathLike
from pathlib import Path
from typing import Any

from litestar import Litestar, Router
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

from core import __version__
from core.authz.setup import build_authorizer, follow_changes
from core.db import Database
from core.db.migrate import app_tables, bind_tables
from core.messaging.connection import Messaging
from core.plugins import CORE_PLUGIN, Plugins
from core.runtime import Runtime
from core.settings import Settings, configure_logging, load_settings
from core.tenancy.registry import TenantRegistry
from core.web import read_cache
from core.web.deps import plugin_enabled_guard, tenant_dependencies
from core.web.errors import exception_handlers
from core.web.guard import authorize, route_actions
from core.web.json_body import check_json_body
from core.web.middleware import IdentityMiddleware
from core.web.nul import refuse_nul
from core.web.openapi import StrictStructSchemaPlugin, declare_errors, schema_not_found_as_json
from core.web.pages.layout import serving
from core.web.security import security_headers
from core.web.strict_body import strict_json_body

__all__ = ["create_app", "freeze_startup_heap", "piccolo_apps", "worker_app"]

log = logging.getLogger(__name__)


def piccolo_apps(plugins: Plugins) -> list[str]:
    """Piccolo app modules of every loaded plugin, core first."""
    return [str(app) for app in plugins.gather_now("xuncha_piccolo_apps")]


def _route_handlers(plugins: Plugins) -> list[Any]:
    handlers: list[Any] = []
    for name, items in plugins.collect_now("xuncha_routes"):
        if name == CORE_PLUGIN:
            handlers.extend(items)
        else:
            # A plugin's routes refuse tenants that have not enabled it.
            handlers.append(Router(path="/", route_handlers=list(items),
                                   opt={"plugin": name}))
    return handlers


_CACHED_ROUTE_ACTIONS: dict[Any, list[str]] = {}


async def _app_guards(connection: ASGIConnection[Any, Any, Any, Any],
                      handler: BaseRouteHandler) -> None:
    """The app's guards in order, as one guard: litestar copies the handler for each
    guard it calls, which cost a quarter of a list request's time with four. The layout
    learns here which request it is drawn for (:func:`core.web.pages.layout.serving`); a
    cached route names its answer's key last (:mod:`core.web.read_cache`)."""
    serving(connection)
    for guard in (authorize, plugin_enabled_guard, refuse_nul, strict_json_body):
        await guard(connection, handler)
    if getattr(handler, "cache", False):
        actions = _CACHED_ROUTE_ACTIONS.get(handler.fn)
        if actions is None:  # litestar hands each guard call a copy: key on the function
            actions = _CACHED_ROUTE_ACTIONS[handler.fn] = route_actions(handler)
        read_cache.admit(connection, actions)


def freeze_startup_heap(app: Litestar) -> None:
    """Startup hook of a serving process: what startup built (modules, routes, templates,
    the ORM's tables, the policy index...) lives as long as the process, so it is moved
    out of the garbage collector's sight. A full collection then scans only what came
    after: it took 130-160 ms with the startup heap, a pause of every request in flight."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, plugins: Plugins | None = None, *,
               serving: bool = False) -> Litestar:
    """Build the HTTP app.

    The database must be migrated already (``xuncha migrate``; ``xuncha
    serve`` does it first). Starting the app connects to the database and to
    NATS (starting the embedded nats-server unless ``XUNCHA_NATS_URL`` is set).

    Args:
        settings: resolved settings; read from the environment when omitted.
        plugins: the plugin manager; built from ``settings`` when omitted.
        serving: the app of a serving process (``xuncha serve``, a worker), which
            freezes its startup heap (:func:`freeze_startup_heap`); not for tests, which
            build many apps in one process.
    """
    settings = settings or load_settings()
    plugins = plugins or Plugins(settings)
    db = Database(settings.database_url, settings.database_pool_size)
    bind_tables(db, app_tables(piccolo_apps(plugins)))
    defaults = {s.key: s.default for s in plugins.gather_now("xuncha_tenant_settings")}
    runtime = Runtime(
        settings=settings, plugins=plugins, db=db,
        tenants=TenantRegistry(db, defaults), messaging=Messaging(settings),
        authz=build_authorizer(db, plugins),
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await db.start()
        try:
            await runtime.messaging.start()
            try:
                await runtime.tenants.refresh(force=True)
                await runtime.authz.load()
                subscription = await follow_changes(runtime.authz, runtime.messaging.nc)
                await plugins.call("xuncha_startup", app=app, settings=settings)
                try:
                    yield
                finally:
                    await plugins.call("xuncha_shutdown", app=app)
                    if subscription is not None:
                        await subscription.unsubscribe()
            finally:
                await runtime.messaging.stop()
        finally:
            await db.stop()

    template_dirs: list[Path | PathLike[Any] | str] = [
        Path(d) for d in plugins.gather_now("xuncha_template_dirs")
    ]
    app = Litestar(
        route_handlers=_route_handlers(plugins),
        dependencies=tenant_dependencies,
        exception_handlers={**exception_handlers,
                            read_cache.NotModified: read_cache.answer_not_modified},
        middleware=[IdentityMiddleware],
        guards=[_app_guards],
        before_request=check_json_body,
        before_send=[security_headers, read_cache.validator_headers],
        response_cache_config=read_cache.cache_config(),
        stores={read_cache.STORE: read_cache.AnswerStore()},
        lifespan=[lifespan],
        on_startup=[freeze_startup_heap] if serving else [],
        state=_state(runtime),
        template_config=TemplateConfig(directory=template_dirs, engine=JinjaTemplateEngine,
                                       engine_callback=_template_callables),
        openapi_config=OpenAPIConfig(
            title="巡察工作平台 API", version=__version__, path="/schema",
            openapi_router=Router(path="/schema", route_handlers=[],
                                  opt={"action": "me:read"}, include_in_schema=False,
                                  after_request=schema_not_found_as_json),
            render_plugins=[JsonRenderPlugin(path=["/", "/openapi.json"])],
        ),
        plugins=[StrictStructSchemaPlugin()],
        debug=False,
        **_logging_options(settings),
    )
    declare_errors(app)
    return app


def _logging_options(settings: Settings) -> dict[str, Any]:
    """With JSON logs, litestar leaves the root logger (and its JSON handler, see
    :func:`core.settings.configure_logging`) alone and passes its own records up to it;
    by default it puts a handler of its own format on the root logger at start."""
    if settings.log_format != "json":
        return {}
    from litestar.logging.config import LoggingConfig

    return {"logging_config": LoggingConfig(
        configure_root_logger=False,
        loggers={"litestar": {"level": "INFO", "handlers": [], "propagate": True}})}


def _template_callables(engine: JinjaTemplateEngine) -> None:
    """Functions the templates call: ``may(action)`` (see :func:`core.web.pages.home.may`),
    and the ``person`` filter (:func:`core.web.people.person`)."""
    from core.web.pages.home import may
    from core.web.people import person

    engine.register_template_callable("may", may)
    engine.engine.filters["person"] = person


def _state(runtime: Runtime) -> Any:
    from litestar.datastructures import State

    return State({"runtime": runtime})


def worker_app() -> Any:
    """The app of one ``xuncha serve --workers N`` worker process.

    uvicorn starts each worker as a new process that calls this factory: the
    settings come from the environment (``xuncha serve`` passes its host, port,
    metrics port and log format on through it), and the worker logs like the
    single process does. With a metrics port the app counts its requests
    (:func:`core.web.metrics.instrument`) into the multiprocess directory the
    supervising process serves them from.
    """
    settings = load_settings()
    configure_logging(settings)
    app = create_app(settings, serving=True)
    if settings.metrics_port:
        from core.web.metrics import instrument

        return instrument(app)
    return app
