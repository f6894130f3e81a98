"""``xuncha sync run`` (the sync worker) and ``xuncha sync status``."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import click

__all__ = ["add_commands", "sync_runtime"]


@asynccontextmanager
async def sync_runtime(settings: Any, plugins: Any, connect: bool = True) -> AsyncIterator[Any]:
    """The parts the sync service needs, without the HTTP app (started, then stopped)."""
    from core.app import piccolo_apps
    from core.clock import Clock
    from core.db import Database
    from core.db.migrate import app_tables, bind_tables
    from core.messaging.connection import Messaging
    from core.tenancy.registry import TenantRegistry

    db = Database(settings.database_url, settings.database_pool_size)
    bind_tables(db, app_tables(piccolo_apps(plugins)))
    defaults = {s.key: s.default for s in plugins.gather_now("xuncha_tenant_settings")}
    runtime = SimpleNamespace(settings=settings, plugins=plugins, db=db,
                              tenants=TenantRegistry(db, defaults), clock=Clock(),
                              messaging=Messaging(settings))
    await db.start()
    try:
        await runtime.tenants.refresh(force=True)
        if connect:
            await runtime.messaging.start()
        try:
            yield runtime
        finally:
            await runtime.messaging.stop()
    finally:
        await db.stop()


def _age(value: datetime | None) -> str:
    if value is None:
        return "—"
    seconds = (datetime.now(UTC) - value).total_seconds()
    return f"{seconds:.0f} 秒前" if seconds < 120 else f"{seconds / 60:.0f} 分钟前"


def add_commands(cli: click.Group) -> None:
    """Add the ``sync`` command group to ``cli``."""
    from core.cli import Context, fail, pass_context, run

    @cli.group("sync")
    def sync() -> None:
        """市县同步（NATS JetStream）。"""

    @sync.command("run")
    @pass_context
    def sync_run(ctx: Context) -> None:
        """单独运行同步进程：发件箱中继、上报与下发的消费者（与 serve 中的相同）。

        单独运行时，可在 serve 一侧设置 XUNCHA_SYNC_IN_SERVE=false。
        按 Ctrl-C 或发送 SIGTERM 停止；未确认的事件在下次启动时继续投递。
        """
        from core.settings import configure_logging
        from core.sync.service import SyncService

        configure_logging(ctx.settings)

        async def body() -> None:
            async with sync_runtime(ctx.settings, ctx.plugins) as runtime:
                if not await runtime.tenants.all():
                    fail("本部署还没有巡察机构（先执行 xuncha tenants sync）")
                service = SyncService(runtime)
                stop = asyncio.Event()
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(sig, stop.set)
                await service.start()
                click.echo(f"同步进程已启动（NATS {runtime.messaging.url}），按 Ctrl-C 停止")
                await stop.wait()
                await service.stop()
                click.echo("同步进程已停止。")

        run(body)

    @sync.command("status")
    @pass_context
    def sync_status(ctx: Context) -> None:
        """显示每条同步链路：待发事件、最近应用、延迟。"""
        from core.sync.status import LinkReader, LinkReport

        async def body() -> LinkReport:
            reader = LinkReader(ctx.settings)
            try:
                return await reader.read()
            finally:
                await reader.close()

        report = run(body)
        if report.nats_note:
            click.echo(f"注意：{report.nats_note}")
        for link in report.links:
            role = "上报 → " if link.role == "county" else "接收 ← "
            pending = "未知" if link.consumer_pending is None else str(link.consumer_pending)
            lag = "—" if link.lag_seconds is None else f"{link.lag_seconds:.1f} 秒"
            click.echo(
                f"{link.tenant}  {role}{link.peer or '（尚无）'}\n"
                f"  待发事件 {link.outbox_pending}（最早 {_age(link.outbox_oldest)}）"
                f"{'  最近错误：' + link.outbox_error if link.outbox_error else ''}\n"
                f"  消费者 {link.consumer} 待应用 {pending}；最近应用 "
                f"{_age(link.last_applied_at)} {link.last_event}；延迟 {lag}"
            )
