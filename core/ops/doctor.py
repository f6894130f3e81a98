"""``xuncha doctor``: checks of a deployment's configuration and surroundings.

Each check answers one :class:`Check` with a level (正常, 警告 or 错误) and a
line in Chinese: the configuration, the database and its migrations, the NATS
link, the TLS certificates' expiry, the free disk of the data directory and
the clock (against PostgreSQL's, and against the newest time the database
recorded).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography import x509
from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.conf.apps import AppRegistry

from core.db import Database
from core.ops.backup import BackupError, applied_migrations
from core.settings import Settings

__all__ = [
    "CERT_WARN_DAYS",
    "CLOCK_ERROR_SECONDS",
    "CLOCK_WARN_SECONDS",
    "Check",
    "Level",
    "check_certificates",
    "check_clock",
    "check_database",
    "check_disk",
    "check_nats",
]

CERT_WARN_DAYS = 30
"""A certificate expiring within this many days is a warning."""
CLOCK_WARN_SECONDS = 5.0
CLOCK_ERROR_SECONDS = 60.0


class Level(StrEnum):
    """How a check came out."""

    ok = "正常"
    warning = "警告"
    error = "错误"


@dataclass(frozen=True, slots=True)
class Check:
    """One check's outcome."""

    name: str
    level: Level
    message: str

    def line(self) -> str:
        """The line ``xuncha doctor`` prints."""
        return f"{self.level.value}  {self.name}：{self.message}"


def known_migrations(app_modules: Sequence[str]) -> list[str]:
    """``"<app> <migration>"`` of every migration the program's apps carry, sorted."""
    registry = AppRegistry(apps=list(app_modules))
    finder = BaseMigrationManager()
    return sorted(f"{name} {module}" for name, config in registry.app_configs.items()
                  for module in finder.get_migration_modules(
                      config.resolved_migrations_folder_path))


async def check_database(url: str, app_modules: Sequence[str]) -> list[Check]:
    """Whether the database answers, and whether its migrations match the program's."""
    kind = "PostgreSQL" if url.startswith(("postgresql://", "postgres://")) else "SQLite"
    if kind == "SQLite" and not Path(url.removeprefix("sqlite:///")).exists():
        return [Check("数据库", Level.warning,
                      f"SQLite 数据库文件 {url.removeprefix('sqlite:///')} 尚不存在"
                      "（首次执行 xuncha migrate 或 serve 时创建）")]
    db = Database(url, 1)
    try:
        await db.start()
        await db.ping()
    except Exception as exc:
        return [Check("数据库", Level.error, f"{kind} 无法连接：{exc}")]
    try:
        try:
            applied = set(await applied_migrations(db))
        except BackupError:
            return [Check("数据库", Level.ok, f"{kind} 可连接"),
                    Check("数据库迁移", Level.warning,
                          "数据库尚未迁移（执行 xuncha migrate，或启动 serve 时自动执行）")]
        known = set(known_migrations(app_modules))
        apps = {entry.split(" ", 1)[0] for entry in known}
        strange = sorted(e for e in applied - known if e.split(" ", 1)[0] in apps)
        pending = sorted(known - applied)
        checks = [Check("数据库", Level.ok, f"{kind} 可连接")]
        if strange:
            checks.append(Check("数据库迁移", Level.error,
                                f"数据库有本程序不认识的迁移 {strange[0]} 等 {len(strange)} 项"
                                "（数据库来自更新或未发布的版本）"))
        elif pending:
            checks.append(Check("数据库迁移", Level.warning,
                                f"有 {len(pending)} 个迁移尚未执行（如 {pending[0]}）："
                                "执行 xuncha migrate"))
        else:
            checks.append(Check("数据库迁移", Level.ok, f"已执行全部 {len(known)} 个迁移"))
        return checks
    finally:
        await db.stop()


async def check_nats(settings: Settings,
                     tenants: Sequence[tuple[str, str | None]] = ()) -> list[Check]:
    """Whether the configured NATS answers, and each sync link of ``tenants``
    (``(code, parent code)``): a county's consumer at its city (what its link may
    ask), a city's streams. The embedded server is not started."""
    from core.messaging.connection import Messaging
    from core.messaging.embedded import nats_server_binary

    if not settings.nats_url:
        try:
            binary = nats_server_binary()
        except (RuntimeError, FileNotFoundError) as exc:
            return [Check("NATS", Level.error,
                          f"未配置 XUNCHA_NATS_URL，且找不到内置 nats-server：{exc}")]
        return [Check("NATS", Level.ok,
                      f"未配置 XUNCHA_NATS_URL，随 serve 启动内置 nats-server（{binary}）")]
    messaging = Messaging(settings)
    try:
        await messaging.start()
        await messaging.ping()
    except ConnectionError as exc:
        await messaging.stop()
        return [Check("NATS", Level.error, str(exc))]
    try:
        checks = [Check("NATS", Level.ok, f"{settings.nats_url} 可连接")]
        assert messaging.sync_js is not None
        for code, parent in tenants:
            checks.append(await _link(messaging.sync_js, code, parent))
        return checks
    finally:
        await messaging.stop()


async def _link(js: Any, code: str, parent: str | None) -> Check:
    """One tenant's sync link: a county asks for its consumer (all its link may ask),
    a city for its streams."""
    import nats.errors
    import nats.js.errors

    from core.sync.subjects import STREAM_DOWN, STREAM_UP, down_consumer

    name = "NATS 同步链路"
    try:
        if parent:
            info = await asyncio.wait_for(js.consumer_info(STREAM_DOWN, down_consumer(code)), 3)
            return Check(name, Level.ok, f"{code} → {parent}：链路正常，"
                         f"待接收 {info.num_pending} 条，待确认 {info.num_ack_pending} 条")
        up = await asyncio.wait_for(js.stream_info(STREAM_UP), 3)
        down = await asyncio.wait_for(js.stream_info(STREAM_DOWN), 3)
        return Check(name, Level.ok, f"{code}：上报流 {up.state.messages} 条，"
                     f"下发流 {down.state.messages} 条")
    except nats.js.errors.NotFoundError:
        what = (f"市级尚未为 {code} 建立消费者" if parent else f"{code} 的同步流尚未建立")
        return Check(name, Level.warning, f"{what}（市级同步进程启动后自动建立）")
    except (TimeoutError, nats.errors.TimeoutError, nats.errors.NoRespondersError) as exc:
        where = f"到市级 {parent} 的链路" if parent else "JetStream"
        return Check(name, Level.error, f"{code}：{where}无应答（{type(exc).__name__}）；"
                     "检查叶节点连接与 NATS 配置")
    except Exception as exc:
        return Check(name, Level.error, f"{code}：{type(exc).__name__} {exc}")


def check_certificates(folders: Sequence[Path], now: datetime,
                       warn_days: int = CERT_WARN_DAYS) -> list[Check]:
    """The expiry of every certificate (``*.pem`` but keys) in ``folders``."""
    checks = []
    for folder in folders:
        pems = sorted(p for p in folder.glob("*.pem") if not p.name.endswith("-key.pem"))
        if not pems:
            checks.append(Check("TLS 证书", Level.warning, f"{folder} 中没有证书"))
        for path in pems:
            try:
                cert = x509.load_pem_x509_certificate(path.read_bytes())
            except (OSError, ValueError) as exc:
                checks.append(Check("TLS 证书", Level.error, f"{path} 无法读取：{exc}"))
                continue
            until = cert.not_valid_after_utc
            days = (until - now).total_seconds() / 86400
            when = until.strftime("%Y-%m-%d %H:%M UTC")
            if days < 0:
                checks.append(Check("TLS 证书", Level.error, f"{path.name} 已于 {when} 过期"))
            elif cert.not_valid_before_utc > now:
                since = f"{cert.not_valid_before_utc:%Y-%m-%d}"
                checks.append(Check("TLS 证书", Level.error, f"{path.name} 尚未生效（{since}）"))
            elif days < warn_days:
                checks.append(Check("TLS 证书", Level.warning,
                                    f"{path.name} 将于 {when} 过期（剩 {days:.0f} 天），"
                                    "请及时更换"))
            else:
                checks.append(Check("TLS 证书", Level.ok,
                                    f"{path.name} 有效至 {when}（剩 {days:.0f} 天）"))
    return checks


def check_disk(home: Path, min_free_mb: int) -> Check:
    """Free space where the data directory lives: an error below ``min_free_mb``, a
    warning below five times that."""
    probe = home if home.exists() else home.resolve().parent
    while not probe.exists():
        probe = probe.parent
    usage = shutil.disk_usage(probe)
    free_mb = usage.free / (1 << 20)
    text = f"{home} 所在磁盘剩余 {free_mb / 1024:.1f} GiB（共 {usage.total / (1 << 30):.1f} GiB）"
    if free_mb < min_free_mb:
        return Check("磁盘空间", Level.error, f"{text}，低于 {min_free_mb} MiB")
    if free_mb < 5 * min_free_mb:
        return Check("磁盘空间", Level.warning, f"{text}，不足 {5 * min_free_mb} MiB")
    return Check("磁盘空间", Level.ok, text)


async def check_clock(url: str, now: datetime) -> Check:
    """``now`` (this machine's clock) against PostgreSQL's and against the newest time
    the database recorded (an audit entry, a tenant's update): a clock behind them was set back."""
    db = Database(url, 1)
    try:
        await db.start()
    except Exception as exc:
        return Check("时钟", Level.error, f"无法连接数据库以核对时钟：{exc}")
    try:
        if db.postgres:
            server = (await db.fetch("SELECT now() AS now"))[0]["now"]
            skew = (now - server).total_seconds()
            level = (Level.error if abs(skew) > CLOCK_ERROR_SECONDS
                     else Level.warning if abs(skew) > CLOCK_WARN_SECONDS else Level.ok)
            if level is not Level.ok:
                side = "快" if skew > 0 else "慢"
                return Check("时钟", level, f"本机时钟比数据库服务器{side} {abs(skew):.1f} 秒，"
                             "请校准时间（NTP）")
        newest = await _newest_recorded(db)
        if newest is not None and (newest - now).total_seconds() > CLOCK_ERROR_SECONDS:
            return Check("时钟", Level.error,
                         f"本机时间 {now:%Y-%m-%d %H:%M:%S} UTC 早于数据库中最近记录的时间 "
                         f"{newest:%Y-%m-%d %H:%M:%S} UTC：时钟被调慢了？")
        return Check("时钟", Level.ok, f"本机时间 {now:%Y-%m-%d %H:%M:%S} UTC，与数据库一致")
    finally:
        await db.stop()


async def _newest_recorded(db: Database) -> datetime | None:
    newest: datetime | None = None
    for sql in ('SELECT MAX("at") AS t FROM "audit_entry"',
                'SELECT MAX("updated_at") AS t FROM "tenant"'):
        try:
            value = (await db.fetch(sql))[0]["t"]
        except Exception:  # not migrated yet
            continue
        if value is None:
            continue
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        newest = moment if newest is None or moment > newest else newest
    return newest
