"""Settings from the environment (``XUNCHA_*``) and an optional TOML file.

Defaults need nothing installed: a SQLite file and an embedded nats-server,
both under the data directory ``XUNCHA_HOME`` (default ``./var``). Each bad
value fails at start with one line naming the setting and the reason.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Settings", "SettingsError", "configure_logging", "load_settings"]

ENV_PREFIX = "XUNCHA_"


class SettingsError(ValueError):
    """A setting is missing or invalid; the message is one line for operators."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved settings of one process.

    Attributes:
        home: data directory (SQLite file, NATS store, attachments).
        database_url: ``sqlite:///path`` or ``postgresql://user@host/db``.
        database_admin_url: URL used for migrations and tenant loading; on
            PostgreSQL this is the role owning the tables, while
            ``database_url`` should be the application role that owns none.
        database_pool_size: connections kept open (PostgreSQL pool size).
        nats_url: external NATS; ``None`` starts an embedded nats-server.
        nats_port: port of the embedded nats-server; 0 picks a free one.
        host: HTTP bind address for ``xuncha serve``.
        port: HTTP port for ``xuncha serve``.
        tenants_dir: folder of tenant TOML files for ``xuncha tenants sync``.
        plugins: extra plugin modules to load (besides entry points).
        disabled_plugins: installed plugins not to load at all.
        log_level: Python logging level name.
        session_idle_minutes: a web sign-in ends after this long without a request.
        session_max_hours: a web sign-in ends this long after it began, whatever happens.
        sync_domain: JetStream domain holding the sync streams (the city hub's);
            empty means the server connected to.
        nats_inbox_prefix: reply-subject prefix of the NATS connection; a county
            link may only receive replies under its own (see ``xuncha nats-config``).
        sync_in_serve: run the sync relay and consumers inside ``xuncha serve``
            (turn off when ``xuncha sync run`` runs them as a separate worker).
        trusted_proxies: addresses or networks of reverse proxies whose
            ``X-Forwarded-For`` is believed (default none: the peer's address counts).
        overdue_scan_seconds: period of the scheduled overdue scan (run once per
            period across every process of the deployment).
        sync_tick_seconds: period of the sync tick (``xuncha_sync_tick``), likewise.
        sync_replicas: copies of each sync stream the city keeps: 1 on a single hub,
            3 on a hub cluster (``xuncha nats-config --cluster`` writes it into the
            city's ``.env``), so that the streams outlive one node.
        metrics_port: port of the Prometheus metrics endpoint of ``xuncha serve``
            (``/metrics``); 0 (the default) serves none.
        metrics_host: bind address of the metrics endpoint.
        log_format: ``text`` (one readable line per record) or ``json`` (one JSON
            object per line, for log collectors).
        config_file: the TOML file the settings were read from, if any.
    """

    home: Path = Path("var")
    database_url: str = ""
    database_admin_url: str = ""
    database_pool_size: int = 10
    nats_url: str | None = None
    nats_port: int = 0
    host: str = "127.0.0.1"
    port: int = 8000
    tenants_dir: Path = Path("tenants")
    plugins: tuple[str, ...] = ()
    disabled_plugins: tuple[str, ...] = ()
    log_level: str = "INFO"
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    sync_domain: str = ""
    nats_inbox_prefix: str = "_INBOX"
    sync_in_serve: bool = True
    trusted_proxies: tuple[str, ...] = ()
    overdue_scan_seconds: int = 3600
    sync_tick_seconds: int = 60
    sync_replicas: int = 1
    metrics_port: int = 0
    metrics_host: str = "127.0.0.1"
    log_format: str = "text"
    config_file: Path | None = field(default=None)

    @property
    def is_postgres(self) -> bool:
        """Whether the database is PostgreSQL."""
        return self.database_url.startswith(("postgresql://", "postgres://"))

    @property
    def sqlite_path(self) -> Path:
        """Path of the SQLite file (only meaningful when not PostgreSQL)."""
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def nats_store_dir(self) -> Path:
        """JetStream store directory of the embedded nats-server."""
        return self.home / "nats"


def _path(value: Any) -> Path:
    return Path(str(value)).expanduser()


def _int_in(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise SettingsError(f"应为整数，实际为 {value!r}") from None
        if not low <= number <= high:
            raise SettingsError(f"应在 {low} 到 {high} 之间，实际为 {number}")
        return number

    return parse


def _names(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else str(value).split(",")
    return tuple(str(item).strip() for item in items if str(item).strip())


def _database_url(value: Any) -> str:
    url = str(value).strip()
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return url
    parts = urlsplit(url)
    if parts.scheme in ("postgresql", "postgres") and parts.path.strip("/"):
        return url
    raise SettingsError(
        f"应为 sqlite:///文件路径 或 postgresql://用户@主机:端口/数据库，实际为 {url!r}"
    )


def _nats_url(value: Any) -> str | None:
    url = str(value).strip()
    if not url:
        return None
    for part in url.split(","):
        parts = urlsplit(part.strip())
        if parts.scheme not in ("nats", "tls", "ws", "wss") or not parts.hostname:
            raise SettingsError(f"应为 nats://主机:端口，实际为 {part.strip()!r}")
    return url


def _log_level(value: Any) -> str:
    level = str(value).strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise SettingsError(f"应为 DEBUG/INFO/WARNING/ERROR/CRITICAL，实际为 {value!r}")
    return level


def _domain(value: Any) -> str:
    domain = str(value).strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]*", domain):
        raise SettingsError(f"应为 JetStream 域名（字母、数字、- 或 _），实际为 {value!r}")
    return domain


def _inbox_prefix(value: Any) -> str:
    prefix = str(value).strip()
    if not re.fullmatch(r"_INBOX[A-Za-z0-9_-]*", prefix):
        raise SettingsError(f"应以 _INBOX 开头且只含字母、数字、- 或 _，实际为 {value!r}")
    return prefix


def _flag(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"应为 true 或 false，实际为 {value!r}")


def _proxies(value: Any) -> tuple[str, ...]:
    names = _names(value)
    for name in names:
        try:
            ipaddress.ip_network(name, strict=False)
        except ValueError:
            raise SettingsError(f"应为 IP 地址或网段（逗号分隔），实际为 {name!r}") from None
    return names


def _log_format(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in ("text", "json"):
        raise SettingsError(f"应为 text 或 json，实际为 {value!r}")
    return text


def _host(value: Any) -> str:
    host = str(value).strip()
    if not host or " " in host:
        raise SettingsError(f"应为主机名或 IP 地址，实际为 {value!r}")
    return host


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "home": _path,
    "database_url": _database_url,
    "database_admin_url": _database_url,
    "database_pool_size": _int_in(1, 500),
    "nats_url": _nats_url,
    "nats_port": _int_in(0, 65535),
    "host": _host,
    "port": _int_in(1, 65535),
    "tenants_dir": _path,
    "plugins": _names,
    "disabled_plugins": _names,
    "log_level": _log_level,
    "session_idle_minutes": _int_in(1, 24 * 60),
    "session_max_hours": _int_in(1, 7 * 24),
    "sync_domain": _domain,
    "nats_inbox_prefix": _inbox_prefix,
    "sync_in_serve": _flag,
    "trusted_proxies": _proxies,
    "overdue_scan_seconds": _int_in(1, 7 * 24 * 3600),
    "sync_tick_seconds": _int_in(1, 24 * 3600),
    "sync_replicas": _int_in(1, 5),
    "metrics_port": _int_in(0, 65535),
    "metrics_host": _host,
    "log_format": _log_format,
}


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"XUNCHA_CONFIG: 配置文件不存在：{path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"XUNCHA_CONFIG: 配置文件 {path} 不是有效的 TOML：{exc}") from None
    section = data.get("xuncha", data)
    if not isinstance(section, dict):
        raise SettingsError(f"XUNCHA_CONFIG: {path} 中 [xuncha] 应为表")
    return section


def load_settings(
    env: Mapping[str, str] | None = None, **overrides: Any
) -> Settings:
    """Resolve settings: defaults, then the TOML file, then env, then overrides.

    Args:
        env: environment to read; ``os.environ`` by default.
        **overrides: values that win over everything (used by the CLI flags).

    Returns:
        The validated settings.

    Raises:
        SettingsError: one line naming the setting and why it is wrong.
    """
    env = os.environ if env is None else env
    raw: dict[str, tuple[str, Any]] = {}
    config_file = env.get(ENV_PREFIX + "CONFIG")
    if config_file:
        path = _path(config_file)
        for key, value in _read_file(path).items():
            if key not in _PARSERS:
                raise SettingsError(f"{path}: 未知配置项 {key!r}")
            raw[key] = (f"{path}: {key}", value)
    known = {f.name for f in fields(Settings)}
    for key, value in env.items():
        if not key.startswith(ENV_PREFIX) or key == ENV_PREFIX + "CONFIG":
            continue
        name = key.removeprefix(ENV_PREFIX).lower()
        if name in _PARSERS:
            raw[name] = (key, value)
        elif name in known or name.startswith(("test_", "require_", "bench_")):
            continue
        else:
            raise SettingsError(f"{key}: 未知的环境变量（可用：{_env_names()}）")
    for key, value in overrides.items():
        if value is not None:
            raw[key] = (f"--{key.replace('_', '-')}", value)
    values: dict[str, Any] = {}
    for name, (source, value) in raw.items():
        try:
            values[name] = _PARSERS[name](value)
        except SettingsError as exc:
            raise SettingsError(f"{source}: {exc}") from None
    settings = replace(Settings(), config_file=_path(config_file) if config_file else None,
                       **values)
    if not settings.database_url:
        default = f"sqlite:///{(settings.home / 'xuncha.sqlite3').resolve()}"
        settings = replace(settings, database_url=default)
    if not settings.database_admin_url:
        settings = replace(settings, database_admin_url=settings.database_url)
    if settings.is_postgres != settings.database_admin_url.startswith(("postgres",)):
        raise SettingsError(
            "XUNCHA_DATABASE_ADMIN_URL: 必须与 XUNCHA_DATABASE_URL 使用同一种数据库"
        )
    return settings


def _env_names() -> str:
    return "、".join(ENV_PREFIX + name.upper() for name in ["config", *_PARSERS])


def configure_logging(settings: Settings) -> None:
    """Send the platform's log records (leases taken and lost, scans, sync) to stderr
    at ``settings.log_level``: one line each with time, level and logger, or with
    ``log_format = "json"`` one JSON object per line (``time``, ``level``,
    ``logger``, ``process``, ``message``, and ``exc_info`` for an exception)."""
    import logging
    import sys

    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        from pythonjsonlogger.core import RESERVED_ATTRS
        from pythonjsonlogger.json import JsonFormatter

        # uvicorn's records carry an ANSI-coloured copy of the message: left out.
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            reserved_attrs=[*RESERVED_ATTRS, "color_message"], json_ensure_ascii=False))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=settings.log_level, handlers=[handler])
