"""``xuncha doctor``'s checks against real parts: databases, a nats-server, certificates."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.app import piccolo_apps
from core.db import Database
from core.messaging.embedded import free_port
from core.ops.doctor import (
    Level,
    check_certificates,
    check_clock,
    check_database,
    check_disk,
    check_nats,
)
from core.plugins import Plugins
from core.settings import Settings
from core.sync.natstls import ensure
from core.tenancy.loader import sync_tree
from core.testing.tree import TEST_TREE
from tests.conftest import REPO, RunDatabase, make_settings, migrate_database, scratch_database

pytestmark = pytest.mark.once_on("postgres")

XUNCHA = str(Path(sys.executable).parent / "xuncha")


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[tuple[RunDatabase, Settings]]:
    """A database of its own, not migrated yet."""
    with scratch_database(tmp_path, "doctor") as run_db:
        yield run_db, make_settings(tmp_path / "home", run_db)


def apps(settings: Settings) -> list[str]:
    return piccolo_apps(Plugins(settings))


async def migrated(settings: Settings) -> None:
    await migrate_database(settings, Plugins(settings))
    db = Database(settings.database_admin_url)
    await db.start()
    try:
        await sync_tree(db, TEST_TREE)
    finally:
        await db.stop()


async def execute(settings: Settings, sql: str, args: list[Any]) -> None:
    db = Database(settings.database_admin_url)
    await db.start()
    try:
        async with db.transaction():
            await db.fetch(sql, args)
    finally:
        await db.stop()


async def test_database_check_follows_the_migrations(fresh: tuple[RunDatabase, Settings]
                                                     ) -> None:
    _, settings = fresh
    url = settings.database_admin_url
    if not settings.is_postgres:
        [missing] = await check_database(url, apps(settings))
        assert missing.level is Level.warning and "尚不存在" in missing.message
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        settings.sqlite_path.touch()  # an empty database file: never migrated
    db_check, migrations = await check_database(url, apps(settings))
    assert db_check.level is Level.ok
    assert migrations.level is Level.warning and "尚未迁移" in migrations.message

    await migrated(settings)
    _, migrations = await check_database(url, apps(settings))
    assert migrations.level is Level.ok and "已执行全部" in migrations.message

    mark = "$1" if settings.is_postgres else "?1"
    await execute(settings, 'DELETE FROM "migration" WHERE "id" = (SELECT MAX("id") FROM '
                  '"migration" WHERE "app_name" = ' + mark + ")", ["core"])
    _, migrations = await check_database(url, apps(settings))
    assert migrations.level is Level.warning and "1 个迁移尚未执行" in migrations.message

    await execute(settings, 'INSERT INTO "migration" ("app_name", "name", "ran_on") VALUES '
                  f"({mark}, {mark.replace('1', '2')}, {mark.replace('1', '3')})",
                  ["core", "2099-01-01T00:00:00:000000", datetime(2026, 1, 1)])
    _, migrations = await check_database(url, apps(settings))
    assert migrations.level is Level.error and "不认识的迁移" in migrations.message


async def test_unreachable_database_is_an_error(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    [check] = await check_database(url, ["core.piccolo_app"])
    assert check.level is Level.error and "无法连接" in check.message


async def test_clock_against_the_database(fresh: tuple[RunDatabase, Settings]) -> None:
    _, settings = fresh
    await migrated(settings)
    url = settings.database_admin_url
    now = datetime.now(UTC)
    assert (await check_clock(url, now)).level is Level.ok
    behind = await check_clock(url, now - timedelta(hours=2))
    assert behind.level is Level.error
    assert ("慢" in behind.message) if settings.is_postgres else ("早于" in behind.message)


async def test_nats_check_with_a_real_server_and_without_one(
        server: Any, fresh: tuple[RunDatabase, Settings], tmp_path: Path) -> None:
    run_db, _ = fresh
    up = make_settings(tmp_path / "a", run_db, XUNCHA_NATS_URL=server.url)
    [check] = await check_nats(up)
    assert check.level is Level.ok and "可连接" in check.message
    # No streams on this server yet: a city's and a county's link are warnings.
    _, city, county = await check_nats(up, [("sc", None), ("sc.a", "sc")])
    assert city.level is Level.warning and "同步流尚未建立" in city.message
    assert county.level is Level.warning and "尚未为 sc.a 建立消费者" in county.message
    from nats.aio.client import Client

    from core.sync.service import ensure_down_consumer, ensure_streams

    client = Client()
    await client.connect(server.url)
    try:
        await ensure_streams(client.jetstream())
        await ensure_down_consumer(client.jetstream(), "sc.a")
    finally:
        await client.close()
    _, city, county = await check_nats(up, [("sc", None), ("sc.a", "sc")])
    assert city.level is Level.ok and "上报流 0 条" in city.message
    assert county.level is Level.ok and "sc.a → sc：链路正常" in county.message
    down = make_settings(tmp_path / "b", run_db,
                         XUNCHA_NATS_URL=f"nats://127.0.0.1:{free_port()}")
    [check] = await check_nats(down, [("sc", None)])
    assert check.level is Level.error and "无法连接 NATS" in check.message
    embedded = make_settings(tmp_path / "c", run_db)
    assert [c.level for c in await check_nats(embedded)] == [Level.ok]


def _self_signed(path: Path, days_left: float) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, path.stem)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=400))
            .not_valid_after(now + timedelta(days=days_left))
            .sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    path.with_name(path.stem + "-key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


def test_certificate_expiry(tmp_path: Path) -> None:
    tls = tmp_path / "tls"
    ensure(tls, city="sc", host="127.0.0.1", county_tokens=["sc-a"])
    _self_signed(tls / "soon.pem", 10)
    _self_signed(tls / "gone.pem", -1)
    checks = {c.message.split(" ", 1)[0]: c for c in
              check_certificates([tls], datetime.now(UTC))}
    assert set(checks) == {"ca.pem", "hub.pem", "leaf-sc-a.pem", "soon.pem", "gone.pem"}
    assert checks["hub.pem"].level is Level.ok and "有效至" in checks["hub.pem"].message
    assert checks["soon.pem"].level is Level.warning and "将于" in checks["soon.pem"].message
    assert checks["gone.pem"].level is Level.error and "已于" in checks["gone.pem"].message


def test_disk_space(tmp_path: Path) -> None:
    assert check_disk(tmp_path / "not-yet", 0).level is Level.ok
    check = check_disk(tmp_path, 1 << 40)  # a mebibyte count no disk here has free
    assert check.level is Level.error and "低于" in check.message


def test_doctor_command(server: Any, fresh: tuple[RunDatabase, Settings],
                        tmp_path: Path) -> None:
    run_db, settings = fresh
    asyncio.run(migrated(settings))
    tls = tmp_path / "home" / "tls"
    ensure(tls, city="sc", host="127.0.0.1", county_tokens=["sc-a"])
    _self_signed(tls / "soon.pem", 10)
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env |= {"XUNCHA_HOME": str(tmp_path / "home"), "XUNCHA_DATABASE_URL": run_db.app_url,
            "XUNCHA_DATABASE_ADMIN_URL": run_db.admin_url, "XUNCHA_NATS_URL": server.url}
    ok = subprocess.run([XUNCHA, "doctor", "--min-free-mb", "0"], env=env, cwd=REPO,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    for line in ("正常  配置", "正常  数据库：", "正常  数据库迁移：", "正常  时钟",
                 "正常  NATS", "警告  TLS 证书：soon.pem", "正常  磁盘空间"):
        assert line in ok.stdout, ok.stdout
    assert "检查完成：" in ok.stdout and "个警告" in ok.stdout  # the certificate, a link
    bad = subprocess.run([XUNCHA, "doctor", "--min-free-mb", str(1 << 40)],
                         env=env | {"XUNCHA_NATS_URL": f"nats://127.0.0.1:{free_port()}"},
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1
    assert "错误  磁盘空间" in bad.stdout and "错误  NATS" in bad.stdout
    assert "发现 2 个错误" in bad.stdout


async def test_a_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "none.sqlite3"
    [check] = await check_database(f"sqlite:///{path}", ["core.piccolo_app"])
    assert check.level is Level.warning and "尚不存在" in check.message
    assert not path.exists()
