"""The ``xuncha`` command."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from core import __version__
from core.db import Database
from core.db.migrate import MigrationError, migrate
from core.db.rls import role_of
from core.plugins import PluginError, Plugins, enabled_for
from core.settings import Settings, SettingsError, configure_logging, load_settings
from core.tenancy.loader import TenantFileError, load_tree, sync_tree
from core.tenancy.model import ORG_KIND_LABELS
from core.tenancy.tables import Org, OrgKind

__all__ = ["cli", "main"]

T = TypeVar("T")


class Context:
    """Settings and plugins, built once per invocation (or the reason they failed)."""

    def __init__(self) -> None:
        self.error: str | None = None
        self._settings: Settings | None = None
        self._plugins: Plugins | None = None
        try:
            self._settings = load_settings()
            self._plugins = Plugins(self._settings)
        except (SettingsError, PluginError) as exc:
            self.error = str(exc)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            fail(self.error or "配置无效")
        return self._settings

    @property
    def plugins(self) -> Plugins:
        if self._plugins is None:
            fail(self.error or "插件加载失败")
        return self._plugins


def fail(message: str) -> NoReturn:
    """Print one line in Chinese and exit with status 2."""
    click.echo(f"错误：{message}", err=True)
    sys.exit(2)


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run an async step, turning known failures into one clear line."""
    try:
        return asyncio.run(coro_fn())  # type: ignore[arg-type]
    except (ConnectionError, MigrationError, TenantFileError, PluginError, SettingsError) as exc:
        fail(str(exc))


async def _with_db(url: str, settings: Settings, body: Callable[[Database], Awaitable[T]],
                   plugins: Plugins) -> T:
    from core.app import piccolo_apps
    from core.db.migrate import app_tables, bind_tables

    db = Database(url, settings.database_pool_size)
    bind_tables(db, app_tables(piccolo_apps(plugins)))
    await db.start()
    try:
        return await body(db)
    finally:
        await db.stop()


def _migrate(ctx: Context) -> str:
    from core.app import piccolo_apps

    settings = ctx.settings
    apps = piccolo_apps(ctx.plugins)
    app_role = role_of(settings.database_url) if settings.is_postgres else None
    if app_role == role_of(settings.database_admin_url):
        app_role = None
    return run(lambda: _with_db(settings.database_admin_url, settings,
                                lambda db: migrate(db, apps, app_role), ctx.plugins))


pass_context = click.make_pass_decorator(Context, ensure=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", message="xuncha %(version)s")
def cli() -> None:
    """巡察工作平台（Xuncha）命令行。

    配置来自环境变量 XUNCHA_*（及可选的 XUNCHA_CONFIG 指向的 TOML 文件）；
    默认使用数据目录 ./var 中的 SQLite 文件和内置 nats-server。
    """


@cli.command()
@click.option("--host", default=None, help="监听地址（默认 127.0.0.1，或 XUNCHA_HOST）")
@click.option("--port", type=int, default=None, help="监听端口（默认 8000，或 XUNCHA_PORT）")
@click.option("--no-migrate", is_flag=True, help="启动前不执行数据库迁移")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="工作进程数；大于 1 时须使用 PostgreSQL 与外部 NATS（XUNCHA_NATS_URL）")
@click.option("--metrics-port", type=int, default=None,
              help="Prometheus 指标端口（/metrics；默认不提供，或 XUNCHA_METRICS_PORT）")
@click.option("--log-format", type=click.Choice(["text", "json"]), default=None,
              help="日志格式：text（默认）或 json（每行一个 JSON 对象，或 XUNCHA_LOG_FORMAT）")
@pass_context
def serve(ctx: Context, host: str | None, port: int | None, no_migrate: bool,
          workers: int, metrics_port: int | None, log_format: str | None) -> None:
    """启动 Web 服务（启动前自动执行数据库迁移）。

    多个工作进程（--workers，或多台主机经反向代理）共用一个 PostgreSQL 数据库时，
    每个机构的同步发布、同步消费、定时任务由选举出的一个进程执行，登录限制在数据库中共享。
    """
    import uvicorn

    try:
        settings = load_settings(host=host, port=port, metrics_port=metrics_port,
                                 log_format=log_format)
    except SettingsError as exc:
        fail(str(exc))
    if workers > 1 and not (settings.is_postgres and settings.nats_url):
        fail("--workers 大于 1 时须使用 PostgreSQL（XUNCHA_DATABASE_URL）和外部 NATS"
             "（XUNCHA_NATS_URL）：SQLite 数据库与内置 nats-server 只能由一个进程使用")
    ctx._settings = settings
    configure_logging(settings)
    if not no_migrate:
        _migrate(ctx)
    if settings.nats_url:
        run(lambda: _probe_nats(settings))
    if workers > 1:
        _serve_workers(settings, workers)
        return
    from core.app import create_app

    app: Any = create_app(settings, ctx.plugins, serving=True)
    with contextlib.ExitStack() as stack:
        if settings.metrics_port:
            from core.web.metrics import instrument

            app = instrument(app)
            stack.callback(_start_metrics(settings, None).stop)
        url = f"http://{settings.host}:{settings.port}/"
        click.echo(f"巡察工作平台已就绪：请在浏览器中打开 {url}（按 Ctrl-C 停止）")
        from core.web.proxies import server_config

        server = uvicorn.Server(server_config(app, settings))
        with contextlib.suppress(KeyboardInterrupt):  # re-raised by uvicorn after shutdown
            server.run()
    if server.started:
        click.echo("巡察工作平台已停止。")
    else:
        fail("服务未能启动（数据库或 NATS 不可用，或端口被占用），详见上方日志")


def _serve_workers(settings: Settings, workers: int) -> None:
    """Run ``workers`` uvicorn worker processes on one socket; each builds its app from
    the environment (the host and port chosen here are passed on through it)."""
    from uvicorn.supervisors import Multiprocess

    from core.web.proxies import server_config

    os.environ["XUNCHA_HOST"] = settings.host
    os.environ["XUNCHA_PORT"] = str(settings.port)
    os.environ["XUNCHA_METRICS_PORT"] = str(settings.metrics_port)
    os.environ["XUNCHA_LOG_FORMAT"] = settings.log_format
    config = server_config("core.app:worker_app", settings, workers=workers)
    with contextlib.ExitStack() as stack:
        if settings.metrics_port:
            from core.observability.export import multiprocess_dir

            # Before the workers start: they inherit the directory in the environment.
            metrics = stack.enter_context(multiprocess_dir(settings.home))
            stack.callback(_start_metrics(settings, metrics).stop)
        click.echo(f"巡察工作平台已就绪：{workers} 个工作进程，请在浏览器中打开 "
                   f"http://{settings.host}:{settings.port}/（按 Ctrl-C 停止）")
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    click.echo("巡察工作平台已停止。")


def _start_metrics(settings: Settings, multiprocess: Path | None) -> Any:
    """Start the metrics endpoint (see :mod:`core.observability.export`), or fail."""
    from core.observability.export import start_metrics_server

    try:
        server = start_metrics_server(settings, multiprocess)
    except OSError as exc:
        fail(f"指标端口 {settings.metrics_host}:{settings.metrics_port} 无法监听："
             f"{exc.strerror or exc}")
    click.echo(f"Prometheus 指标：http://{settings.metrics_host}:{server.port}/metrics")
    return server


async def _probe_nats(settings: Settings) -> None:
    """Fail early, with one line, when the external NATS cannot be reached."""
    from core.messaging.connection import Messaging

    messaging = Messaging(settings)
    await messaging.start()
    await messaging.stop()


@cli.command("migrate")
@pass_context
def migrate_command(ctx: Context) -> None:
    """执行核心与各插件的数据库迁移（PostgreSQL 上同时配置行级安全）。"""
    report = _migrate(ctx)
    ran = [line for line in report.splitlines() if "[forwards]" in line]
    click.echo(f"数据库迁移完成：执行 {len(ran)} 个迁移。")


@cli.group()
def tenants() -> None:
    """巡察机构（租户）管理。"""


@tenants.command("sync")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
@click.option("--only", "only", multiple=True, metavar="CODE",
              help="只加载该机构（可重复；如县级部署只加载本县，上级机构仅按代码关联）")
@pass_context
def tenants_sync(ctx: Context, folder: Path | None, only: tuple[str, ...]) -> None:
    """从 TOML 文件加载机构树与被巡察对象（可重复执行）。"""
    folder = folder or ctx.settings.tenants_dir
    try:
        specs = load_tree(folder)
    except TenantFileError as exc:
        fail(str(exc))
    if only:
        unknown = [code for code in only if code not in {s.code for s in specs}]
        if unknown:
            fail(f"--only：机构 {'、'.join(unknown)} 不在 {folder} 的机构定义文件中")
        specs = [s for s in specs if s.code in only]
    _migrate(ctx)
    report = run(lambda: _with_db(ctx.settings.database_admin_url, ctx.settings,
                                  lambda db: sync_tree(db, specs), ctx.plugins))
    click.echo(f"已加载 {len(specs)} 个机构：{report.summary()}")


async def _tenant_rows(db: Database) -> list[dict[str, Any]]:
    return await db.fetch(
        'SELECT t."id", t."code", t."name", t."level", t."parent", '
        '(SELECT COUNT(*) FROM "org" o WHERE o."tenant_id" = t."id" AND o."active") AS orgs '
        'FROM "tenant" t ORDER BY t."id"'
    )


def _load_tenants(ctx: Context) -> list[dict[str, Any]]:
    return run(lambda: _with_db(ctx.settings.database_admin_url, ctx.settings, _tenant_rows,
                                ctx.plugins))


@tenants.command("list")
@pass_context
def tenants_list(ctx: Context) -> None:
    """列出全部巡察机构。"""
    rows = _load_tenants(ctx)
    if not rows:
        click.echo("尚无机构；请运行 xuncha tenants sync。")
    for row in rows:
        click.echo(f"{row['code']:<20} {row['level']:<8} {row['orgs']:>5} 个对象  {row['name']}")


@tenants.command("tree")
@pass_context
def tenants_tree(ctx: Context) -> None:
    """以树形显示机构层级。"""
    rows = _load_tenants(ctx)
    children: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        children.setdefault(row["parent"], []).append(row)

    def show(parent: Any, depth: int) -> None:
        for row in children.get(parent, []):
            click.echo(f"{'  ' * depth}{row['name']}（{row['code']}，{row['orgs']} 个对象）")
            show(row["id"], depth + 1)

    show(None, 0)


@cli.command("nats-config")
@click.option("--tenants", "folder", type=click.Path(path_type=Path), default=None,
              help="机构定义文件目录（默认 XUNCHA_TENANTS_DIR）")
@click.option("--out", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="输出目录（已有的密码会保留）")
@click.option("--city", default=None, help="市级机构代码（目录中有多个市级机构时必填）")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="市级中心叶节点端口的地址（各县连接此地址）")
@click.option("--hub-port", type=click.IntRange(1, 65535), default=4222, show_default=True,
              help="市级中心客户端端口")
@click.option("--leaf-port", type=click.IntRange(1, 65535), default=7422, show_default=True,
              help="市级中心叶节点端口")
@click.option("--county-port-base", type=click.IntRange(1, 65535), default=4230,
              show_default=True, help="第 i 个县（区）叶节点的客户端端口为此值加 i")
@click.option("--store-dir", type=click.Path(path_type=Path), default=None,
              help="JetStream 存储目录的上级目录（默认 <输出目录>/store）")
@click.option("--tls", "use_tls", is_flag=True,
              help="市县链路使用双向 TLS 加密（证书由本市自建 CA 签发，已有的证书会保留）")
@click.option("--tls-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="证书目录（默认 <输出目录>/tls；指定即启用 --tls）")
@click.option("--cluster", "use_cluster", is_flag=True,
              help="市级中心为多节点 JetStream 集群（每节点一个 hub-<序号>.conf，各县可切换节点）")
@click.option("--cluster-nodes", type=int, default=3, show_default=True,
              help="集群节点数（3 到 9 之间的奇数）")
@click.option("--node-hosts", default=None,
              help="各节点地址，逗号分隔（默认均为 --host；同一主机上的节点端口依次加 1）")
@click.option("--cluster-port", type=click.IntRange(1, 65535), default=6222, show_default=True,
              help="集群节点之间的路由端口")
@pass_context
def nats_config(ctx: Context, folder: Path | None, out: Path, city: str | None, host: str,
                hub_port: int, leaf_port: int, county_port_base: int,
                store_dir: Path | None, use_tls: bool, tls_dir: Path | None,
                use_cluster: bool, cluster_nodes: int, node_hosts: str | None,
                cluster_port: int) -> None:
    """生成市级中心与各县（区）叶节点的 nats-server 配置及环境变量文件。"""
    from core.sync.natsconfig import NatsConfigError, generate

    folder = folder or ctx.settings.tenants_dir
    if use_tls and tls_dir is None:
        tls_dir = out / "tls"
    if node_hosts is not None and not use_cluster:
        fail("--node-hosts 须与 --cluster 一起使用")
    hosts = [h.strip() for h in node_hosts.split(",")] if node_hosts is not None else None
    try:
        topology, written = generate(
            load_tree(folder), out, city=city, host=host, hub_port=hub_port,
            leaf_port=leaf_port, county_port_base=county_port_base, store_dir=store_dir,
            tls_dir=tls_dir, nodes=cluster_nodes if use_cluster else 1, node_hosts=hosts,
            cluster_port=cluster_port)
    except (TenantFileError, NatsConfigError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"无法写入 {out}：{exc.strerror or exc}")
    click.echo(f"已为 {topology.city_name}（{topology.city}）及 {len(topology.counties)} 个县（区）"
               f"生成 NATS 配置（{len(written)} 个文件，位于 {out}）：")
    for path in written:
        click.echo(f"  {path}")
    hubs = "hub.conf"
    if topology.cluster is not None:
        hubs = "hub-*.conf"
        click.echo(f"市级中心为 {len(topology.cluster.nodes)} 节点集群：每个节点运行一个 "
                   "hub-<序号>.conf；同步流保存 3 份副本，任一节点故障不丢数据。")
    click.echo(f"{hubs} 与 leaf-*.conf 含连接密码（权限 0600），请勿提交或外传。")
    if tls_dir is not None:
        click.echo(f"证书位于 {tls_dir}：各县只需 ca.pem 及本县的 leaf-<县>.pem、"
                   "leaf-<县>-key.pem；ca-key.pem 只留在市级巡察办。")


@cli.group()
def orgs() -> None:
    """被巡察对象。"""


@orgs.command("list")
@click.option("--tenant", "code", required=True, help="机构代码，如 zz.zhongmu")
@click.option("--kind", type=click.Choice([k.value for k in OrgKind]), help="类别")
@click.option("--all", "include_inactive", is_flag=True, help="包括已停用的对象")
@pass_context
def orgs_list(ctx: Context, code: str, kind: str | None, include_inactive: bool) -> None:
    """列出某机构的被巡察对象。"""

    async def body(db: Database) -> list[dict[str, Any]]:
        found = await db.fetch('SELECT "id" FROM "tenant" WHERE "code" = '
                               + db.dialect.mark(1), [code])
        if not found:
            fail(f"机构 {code} 不存在（可用 xuncha tenants list 查看）")
        where: dict[str, Any] = {} if include_inactive else {"active": True}
        if kind:
            where["kind"] = kind
        return await db.tenant(found[0]["id"]).list(Org, where, order_by=("sort", "id"),
                                                    limit=None)

    rows = run(lambda: _with_db(ctx.settings.database_admin_url, ctx.settings, body,
                                ctx.plugins))
    for row in rows:
        state = "" if row["active"] else "（已停用）"
        click.echo(f"{row['code']:<12} {ORG_KIND_LABELS[row['kind']]:<8} {row['name']}{state}")
    click.echo(f"共 {len(rows)} 个。")


@cli.command("plugins")
@pass_context
def plugins_command(ctx: Context) -> None:
    """列出已加载的插件、实现的钩子及启用的机构。"""
    infos = ctx.plugins.info()
    rows = _load_tenants_plugins(ctx)
    for info in infos:
        click.echo(f"{info.name} {info.version}（{info.source}）")
        click.echo(f"  钩子：{', '.join(info.hooks) or '无'}")
        if rows is None:
            click.echo("  启用机构：（数据库不可用或尚未迁移，未能读取）")
        else:
            where = [code for code, plugins in rows if enabled_for(plugins, info.name)]
            shown = "全部机构" if where and len(where) == len(rows) else ("、".join(where) or "无")
            click.echo(f"  启用机构：{shown}")


def _load_tenants_plugins(ctx: Context) -> list[tuple[str, list[str]]] | None:
    """Each tenant's plugin list, or None when the database cannot tell."""
    import json

    async def body(db: Database) -> list[tuple[str, list[str]]]:
        rows = await db.fetch('SELECT "code", "plugins" FROM "tenant" ORDER BY "id"')
        return [(r["code"], json.loads(r["plugins"]) if isinstance(r["plugins"], str)
                 else r["plugins"]) for r in rows]

    try:
        return asyncio.run(_with_db(ctx.settings.database_admin_url, ctx.settings, body,
                                    ctx.plugins))
    except Exception:  # listing plugins must work without a database
        return None


@cli.group()
def audit() -> None:
    """审计链（防篡改审计记录）。"""


@audit.command("verify")
@click.option("--tenant", "code", default=None, help="只校验该机构（默认全部机构）")
@pass_context
def audit_verify(ctx: Context, code: str | None) -> None:
    """逐条重算各机构审计链，报告被篡改、删除、插入或调换顺序的位置。"""
    from core.audit.chain import VerifyReport, verify

    async def body(db: Database) -> list[tuple[str, VerifyReport]]:
        tenants = await db.fetch('SELECT "id", "code" FROM "tenant" ORDER BY "id"')
        if code is not None:
            tenants = [t for t in tenants if t["code"] == code]
            if not tenants:
                fail(f"机构 {code} 不存在（可用 xuncha tenants list 查看）")
        return [(t["code"], await verify(db, t["id"])) for t in tenants]

    reports = run(lambda: _with_db(ctx.settings.database_admin_url, ctx.settings, body,
                                   ctx.plugins))
    broken = 0
    for tenant_code, report in reports:
        head = report.head
        if report.ok:
            tail = f"链头 #{head.seq} {head.hash[:12]}…" if head and head.seq else "尚无记录"
            click.echo(f"通过  {tenant_code}：{report.entries} 条，{tail}")
            continue
        broken += 1
        click.echo(f"失败  {tenant_code}：{report.entries} 条，发现 {len(report.problems)} 处问题")
        for problem in report.problems:
            click.echo(f"      - {problem}")
    if broken:
        fail(f"{broken} 个机构的审计链校验未通过")
    click.echo(f"全部 {len(reports)} 个机构的审计链校验通过。")


@cli.command()
def version() -> None:
    """显示版本。"""
    click.echo(f"xuncha {__version__}")


def _add_commands() -> None:
    from core.cli.backup import add_commands as add_ops_commands
    from core.cli.plugin_new import add_commands

    add_commands(cli)
    add_ops_commands(cli)


_add_commands()


def main() -> None:
    """Entry point of the ``xuncha`` console script."""
    context = Context()
    if context.error is None:
        context.plugins.call_now("xuncha_cli_commands", cli=cli)
    cli(obj=context)
