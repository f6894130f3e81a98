"""``xuncha backup``, ``xuncha restore``, ``xuncha redeliver`` and ``xuncha doctor``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

__all__ = ["add_commands"]


def _tables(ctx: Any) -> list[Any]:
    from core.app import piccolo_apps
    from core.db.migrate import app_tables

    return app_tables(piccolo_apps(ctx.plugins))


async def _links(url: str) -> list[tuple[str, str | None]]:
    """Each tenant's code and parent code (none when the database cannot tell)."""
    from core.db import Database

    db = Database(url, 1)
    try:
        await db.start()
        rows = await db.fetch('SELECT "code", "parent_code" FROM "tenant" ORDER BY "id"')
    except Exception:  # not migrated yet: no links to check
        return []
    finally:
        await db.stop()
    return [(r["code"], r["parent_code"]) for r in rows]


def add_commands(cli: click.Group) -> None:
    """Add the backup, restore, redeliver and doctor commands to ``cli``."""
    from core import __version__
    from core.cli import Context, _migrate, _with_db, fail, pass_context, run
    from core.db import Database

    @cli.command("backup")
    @click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
                  help="备份文件（默认 <数据目录>/backups/xuncha-<时间>.tar.gz）")
    @click.option("--tenant", "codes", multiple=True, metavar="CODE",
                  help="只备份该机构（可重复）；默认备份整个部署")
    @pass_context
    def backup(ctx: Context, out: Path | None, codes: tuple[str, ...]) -> None:
        """备份数据库（各机构的数据、同步状态、审计链）与附件，写成一个归档文件。"""
        from core.ops.backup import BackupError, create_backup

        settings = ctx.settings
        now = datetime.now(UTC)
        if out is None:
            label = "-".join(codes) if codes else "deployment"
            out = settings.home / "backups" / f"xuncha-{label}-{now:%Y%m%dT%H%M%SZ}.tar.gz"

        async def body(db: Database) -> Any:
            return await create_backup(db, _tables(ctx), settings.home, out, tenants=codes or None,
                                       version=__version__, now=now)

        try:
            manifest = run(lambda: _with_db(settings.database_admin_url, settings, body,
                                            ctx.plugins))
        except BackupError as exc:
            fail(str(exc))
        rows = sum(int(t["rows"]) for t in manifest.tables.values())
        files = sum(1 for member in manifest.files if member.startswith("attachments/"))
        scope = "、".join(t["code"] for t in manifest.tenants) if codes else "整个部署"
        click.echo(f"已备份{scope}：{len(manifest.tables)} 张表 {rows} 行，附件 {files} 个，"
                   f"写入 {out}")

    @cli.command("restore")
    @click.argument("archive", type=click.Path(path_type=Path, dir_okay=False))
    @click.option("--replace", is_flag=True, help="覆盖目标中已有的数据（机构备份只覆盖该机构）")
    @pass_context
    def restore(ctx: Context, archive: Path, replace: bool) -> None:
        """从备份文件恢复（先执行数据库迁移；恢复后校验审计链）。

        恢复的是县（区）机构时，还须在市级部署执行 xuncha redeliver --county <代码>，
        重新投递备份之后下发的事件（已应用过的按收件箱去重，不会重复应用）。
        """
        from core.ops.backup import BackupError, read_manifest, restore_backup

        settings = ctx.settings
        try:
            read_manifest(archive)  # a damaged archive is refused before anything is touched
        except BackupError as exc:
            fail(str(exc))
        _migrate(ctx)

        async def body(db: Database) -> Any:
            return await restore_backup(db, _tables(ctx), settings.home, archive,
                                        replace=replace)

        try:
            report = run(lambda: _with_db(settings.database_admin_url, settings, body,
                                          ctx.plugins))
        except BackupError as exc:
            fail(str(exc))
        manifest = report.manifest
        scope = ("、".join(t["code"] for t in manifest.tenants) if manifest.scope == "tenant"
                 else "整个部署")
        click.echo(f"已恢复{scope}（备份于 {manifest.created_at}）：{report.rows} 行，"
                   f"附件 {report.files} 个。")
        for code, entries in report.audit.items():
            click.echo(f"  审计链校验通过：{code}，{entries} 条")
        for tenant in manifest.tenants:
            if tenant.get("parent_code"):
                click.echo(f"请在市级部署（{tenant['parent_code']}）执行 xuncha redeliver --county "
                           f"{tenant['code']}，重新投递备份之后下发给 {tenant['code']} 的事件。")
                click.echo(f"注意：{tenant['code']} 备份之后的审计记录已不在本部署，"
                           "市级核验审计链时将报告链被截断（恢复所致），请向市级说明。")
            else:
                click.echo(f"请执行 xuncha redeliver --city {tenant['code']}，重新接收备份之后"
                           "各县（区）上报的事件。")

    @cli.command("redeliver")
    @click.option("--county", "county", default=None, metavar="CODE",
                  help="重新投递给该县（区）的下发事件（在市级部署执行）")
    @click.option("--city", "city", default=None, metavar="CODE",
                  help="重新投递给该市的上报事件")
    @pass_context
    def redeliver(ctx: Context, county: str | None, city: str | None) -> None:
        """恢复备份后，从头重新投递某机构应接收的同步事件（已应用的按收件箱去重）。"""
        from core.messaging.connection import Messaging
        from core.ops.redeliver import redeliver as redeliver_events

        if (county is None) == (city is None):
            fail("请指定 --county 或 --city 之一")
        settings = ctx.settings
        if not settings.nats_url:
            fail("未配置 XUNCHA_NATS_URL：内置 nats-server 随 serve 运行，"
                 "请配置市级 NATS 的地址后执行")

        async def body() -> str:
            messaging = Messaging(settings)
            await messaging.start()
            try:
                assert messaging.sync_js is not None
                return await redeliver_events(messaging.sync_js, county or city or "",
                                              county=county is not None)
            finally:
                await messaging.stop()

        try:
            name = run(body)
        except Exception as exc:
            fail(f"重新投递失败：{type(exc).__name__} {exc}")
        click.echo(f"已重建消费者 {name}：{county or city} 将从头接收同步事件，"
                   "已应用过的事件按收件箱去重。")

    @cli.command("doctor")
    @click.option("--tls-dir", "tls_dirs", multiple=True,
                  type=click.Path(path_type=Path, file_okay=False, exists=True),
                  help="检查该目录中证书的有效期（可重复；默认检查 <数据目录>/tls，如有）")
    @click.option("--min-free-mb", type=click.IntRange(0), default=1024, show_default=True,
                  help="数据目录所在磁盘的最低剩余空间（低于此值为错误，低于 5 倍为警告）")
    @pass_context
    def doctor(ctx: Context, tls_dirs: tuple[Path, ...], min_free_mb: int) -> None:
        """检查配置、数据库与迁移、NATS 连接、证书有效期、磁盘空间与时钟。"""
        from core.ops.doctor import (
            Check,
            Level,
            check_certificates,
            check_clock,
            check_database,
            check_disk,
            check_nats,
        )

        if ctx.error is not None:
            click.echo(Check("配置", Level.error, ctx.error).line())
            raise SystemExit(1)
        settings = ctx.settings
        from core.app import piccolo_apps

        checks = [Check("配置", Level.ok,
                        f"数据目录 {settings.home}，数据库 "
                        f"{'PostgreSQL' if settings.is_postgres else 'SQLite'}，"
                        f"插件 {len(ctx.plugins.info())} 个")]

        async def body() -> list[Check]:
            found = await check_database(settings.database_admin_url, piccolo_apps(ctx.plugins))
            links: list[tuple[str, str | None]] = []
            if found[0].level is Level.ok:
                found.append(await check_clock(settings.database_admin_url, datetime.now(UTC)))
                links = await _links(settings.database_admin_url)
            found += await check_nats(settings, links)
            return found

        checks += asyncio.run(body())
        folders = list(tls_dirs) or [p for p in [settings.home / "tls"] if p.is_dir()]
        checks += check_certificates(folders, datetime.now(UTC))
        checks.append(check_disk(settings.home, min_free_mb))
        for check in checks:
            click.echo(check.line())
        errors = sum(1 for c in checks if c.level is Level.error)
        warnings = sum(1 for c in checks if c.level is Level.warning)
        if errors:
            click.echo(f"发现 {errors} 个错误、{warnings} 个警告。")
            raise SystemExit(1)
        click.echo(f"检查完成：{warnings} 个警告。" if warnings else "检查完成：一切正常。")
