"""Migrations: each app's tables and its migrations agree; indexes are built on
both backends; a database of an earlier (squashed) version is refused clearly."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.tables import Migration
from piccolo.columns import Column, Integer, Varchar
from piccolo.conf.apps import AppConfig, AppRegistry
from piccolo.table import Table, create_table_class

from core.app import piccolo_apps
from core.db import Database
from core.db.drift import schema_drift
from core.db.migrate import MigrationError, app_tables, migrate
from core.plugins import Plugins
from core.tenancy.tables import Org
from tests.conftest import BACKEND, REPO, RunDatabase, scratch_database


def _registry(plugins: Plugins) -> AppRegistry:
    return AppRegistry(apps=piccolo_apps(plugins))


def _migration_modules(app: AppConfig) -> dict[str, ModuleType]:
    modules = BaseMigrationManager().get_migration_modules(app.resolved_migrations_folder_path)
    return dict(modules)


def test_every_app_has_an_initial_migration_and_its_indexes(plugins: Plugins) -> None:
    apps = _registry(plugins).app_configs
    assert {"core", "linkage", "village_coverage"} <= set(apps)
    assert apps["linkage"].migration_dependencies == ["core.piccolo_app"]
    for name in ("core", "linkage", "village_coverage"):
        modules = _migration_modules(apps[name])
        # Squashed: one migration made by piccolo, one of hand-written indexes; then the
        # changes made since (core: tenant preferences), each described.
        assert len(modules) >= 2, (name, sorted(modules))
        initial, indexes, *later = (modules[i] for i in sorted(modules))
        assert initial.DESCRIPTION and indexes.INDEXES
        assert all(m.DESCRIPTION for m in later), (name, sorted(modules))


async def test_each_apps_tables_agree_with_its_migrations(plugins: Plugins) -> None:
    drift = {name: await schema_drift(app)
             for name, app in _registry(plugins).app_configs.items()}
    assert drift == {name: [] for name in drift}, (
        "表定义与迁移不一致，请运行 piccolo migrations new <app> --auto 生成迁移：" + repr(drift))


def _changed_org(**columns: Column) -> type[Table]:
    """A copy of ``Org`` (same class and table name) with some columns replaced or added."""
    members = {c._meta.name: c.copy() for c in Org._meta.non_default_columns}
    members.update(columns)
    return create_table_class("Org", class_kwargs={"tablename": "org"}, class_members=members)


async def test_drift_names_a_changed_or_added_column(plugins: Plugins) -> None:
    core = _registry(plugins).app_configs["core"]
    changed = _changed_org(name=Varchar(length=999), extra=Integer(default=0))
    tables = [changed if t is Org else t for t in core.table_classes]
    assert await schema_drift(core, tables) == [
        "column without a migration: org.extra",
        "column changed: org.name",
    ]


async def test_drift_names_a_table_without_migration_and_one_dropped(plugins: Plugins) -> None:
    core = _registry(plugins).app_configs["core"]
    fresh = create_table_class("Fresh", class_kwargs={"tablename": "fresh"},
                               class_members={"label": Varchar(length=10)})
    drift = await schema_drift(core, [*core.table_classes, fresh])
    assert drift == ["table without a migration: fresh", "column of a new table: fresh.label"]
    without_org = [t for t in core.table_classes if t is not Org]
    assert await schema_drift(core, without_org) == ["table dropped but still migrated: org"]


async def _index_names(db: Database) -> set[str]:
    if db.postgres:
        rows = await db.fetch(
            "SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'")
    else:
        rows = await db.fetch("SELECT name FROM sqlite_master WHERE type = 'index'")
    return {row["name"] for row in rows}


async def test_hand_written_indexes_exist(database: Database, plugins: Plugins) -> None:
    expected: set[str] = set()
    for app in _registry(plugins).app_configs.values():
        for module in _migration_modules(app).values():
            for statement in getattr(module, "INDEXES", []):
                expected.add(re.search(r"IF NOT EXISTS (\w+)", statement)[1])  # type: ignore[index]
    assert {"org_tenant_code", "item_tenant_finding", "directive_item_tenant_item",
            "coverage_org_key"} <= expected
    assert expected <= await _index_names(database)


@pytest.fixture
def keep_bindings(plugins: Plugins) -> Iterator[None]:
    """Migrating a scratch database binds the piccolo tables to it: put them back after."""
    tables: list[type[Table]] = [Migration, *app_tables(piccolo_apps(plugins))]
    bound = [(table, table._meta.db) for table in tables]
    yield
    for table, engine in bound:
        table._meta.db = engine


async def _applied(db: Database) -> int:
    return len(await db.fetch('SELECT "id" FROM "migration"'))


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[RunDatabase]:
    """An empty database of this test's own."""
    with scratch_database(tmp_path, "old") as run_database:
        yield run_database


@pytest.mark.usefixtures("keep_bindings")
async def test_migrate_refuses_ids_of_an_earlier_version(
    scratch: RunDatabase, plugins: Plugins
) -> None:
    apps = piccolo_apps(plugins)
    db = Database(scratch.admin_url)
    await db.start()
    try:
        await migrate(db, apps, None)
        applied = await _applied(db)
        assert applied == sum(len(_migration_modules(app))
                              for app in _registry(plugins).app_configs.values())
        await migrate(db, apps, None)  # nothing left to run
        assert await _applied(db) == applied
        await Migration.insert(Migration(name="2026-11-29T20:36:25:795913", app_name="core"))
        with pytest.raises(MigrationError) as refused:
            await migrate(db, apps, None)
        message = str(refused.value)
        assert "\n" not in message
        assert "core 2026-11-29T20:36:25:795913" in message and "make clean" in message
        # Rows of apps not loaded now (a plugin since removed) are no concern.
        await Migration.delete().where(Migration.app_name == "core").where(
            Migration.name == "2026-11-29T20:36:25:795913")
        await Migration.insert(Migration(name="2026-01-01T00:00:00:000000",
                                         app_name="gone_plugin"))
        await migrate(db, apps, None)
        assert await _applied(db) == applied + 1
    finally:
        await db.stop()


@pytest.mark.skipif(BACKEND != "sqlite", reason="the default SQLite data directory")
def test_cli_migrate_tells_to_delete_an_old_data_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env["XUNCHA_HOME"] = str(tmp_path)
    xuncha = [str(Path(sys.executable).with_name("xuncha")), "migrate"]
    first = subprocess.run(xuncha, env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(tmp_path / "xuncha.sqlite3") as conn:
        conn.execute("INSERT INTO migration (name, app_name, ran_on) "
                     "VALUES ('2026-11-30T02:47:31:000000', 'core', '2026-11-30 02:47:31')")
    old = subprocess.run(xuncha, env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert old.returncode == 2
    assert old.stderr.count("\n") == 1 and "旧的数据目录" in old.stderr
    assert "make clean" in old.stderr and "Traceback" not in old.stderr
