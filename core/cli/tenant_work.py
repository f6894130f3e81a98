"""A tenant's unit of work for a plugin's CLI command (``core.api.run_in_tenant``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from core.work import Work

__all__ = ["run_in_tenant"]

T = TypeVar("T")


def run_in_tenant(code: str, actor: str, body: Callable[[Work], Awaitable[T]]) -> T:
    """Run ``body`` with a ``Work`` of the tenant ``code`` from inside a ``xuncha`` command.

    The database, settings and plugins are the command's own (``XUNCHA_*``
    settings); the tenant's settings are merged with the plugins' defaults as
    in the app, and ``actor`` is who the audit trail names (``cli:...``).
    An unknown tenant, or a tenant that has not enabled the calling plugin's
    features, is the command's business: an unknown one stops the command
    with a Chinese message (exit status 2).
    """
    from core.cli import Context, _with_db, fail, run
    from core.clock import Clock
    from core.db import Database
    from core.tenancy.registry import TenantRegistry

    ctx = click.get_current_context().ensure_object(Context)
    plugins = ctx.plugins
    defaults = {s.key: s.default for s in plugins.gather_now("xuncha_tenant_settings")}

    async def with_db(db: Database) -> T:
        tenant = await TenantRegistry(db, defaults).get(code)
        if tenant is None:
            fail(f"机构 {code[:64]} 不存在（可用 xuncha tenants list 查看）")
        work = Work(session=db.tenant(tenant.id), tenant=tenant, actor=actor, clock=Clock(),
                    plugins=plugins)
        return await body(work)

    return run(lambda: _with_db(ctx.settings.database_url, ctx.settings, with_db, plugins))
