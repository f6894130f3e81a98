"""``xuncha rectification scan``: the overdue scan from the command line."""

from __future__ import annotations

from types import SimpleNamespace

import click

__all__ = ["add_commands"]


def add_commands(cli: click.Group) -> None:
    """Add the ``rectification`` command group to ``cli``."""
    from core.cli import Context, _with_db, fail, pass_context, run
    from core.clock import Clock
    from core.db import Database
    from core.inspection.escalation import ScanResult, scan_all
    from core.tenancy.registry import TenantRegistry

    @cli.group("rectification")
    def rectification() -> None:
        """整改台账。"""

    @rectification.command("scan")
    @click.option("--tenant", "code", default=None, help="只扫描该机构（默认全部机构）")
    @pass_context
    def scan(ctx: Context, code: str | None) -> None:
        """执行超期督办扫描：超期未整改的事项逐级发出督办通知、提醒、预警，直至问责。

        同一天重复执行不会重复升级；升级间隔取各机构的“超期督办升级间隔”设置。
        """
        plugins = ctx.plugins
        defaults = {s.key: s.default for s in plugins.gather_now("xuncha_tenant_settings")}

        async def body(db: Database) -> list[tuple[str, ScanResult | Exception]]:
            runtime = SimpleNamespace(db=db, tenants=TenantRegistry(db, defaults),
                                      clock=Clock(), plugins=plugins)
            results = await scan_all(runtime, actor="cli:overdue-scan", only=code)
            if code is not None and not results:
                fail(f"机构 {code} 不存在（可用 xuncha tenants list 查看）")
            return results

        results = run(lambda: _with_db(ctx.settings.database_url, ctx.settings, body, plugins))
        failed = 0
        for tenant_code, result in results:
            if isinstance(result, ScanResult):
                click.echo(f"{tenant_code}：{result.summary()}")
            else:
                failed += 1
                click.echo(f"失败  {tenant_code}：{result}")
        if failed:
            fail(f"{failed} 个机构的超期督办扫描失败")
        total = sum(r.total for _, r in results if isinstance(r, ScanResult))
        click.echo(f"超期督办扫描完成：{len(results)} 个机构，共升级 {total} 项。")
