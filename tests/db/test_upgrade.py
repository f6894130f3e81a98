"""Upgrading from the first release: its database, with data, migrated forward by this version.

Two copies of the released database: the SQLite file kept as a fixture
(``tests/db/fixtures``, written by :mod:`tests.db.released`), and one built the
same way on the backend under test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.app import piccolo_apps
from core.audit.chain import append, verify
from core.db import Database
from core.db.migrate import migrate
from core.db.rls import role_of
from core.ops.backup import _columns, _dump
from core.ops.doctor import Level, check_database
from core.plugins import Plugins
from core.settings import Settings
from core.tenancy.tables import Org
from tests.conftest import RunDatabase, scratch_database
from tests.db.released import FIXTURE, RELEASE, SEEDED, audit_rows, build_released


@pytest.fixture
def released_fixture(tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """A copy of the kept SQLite file: (admin url, app role)."""
    copy = tmp_path / "released.sqlite3"
    shutil.copy(FIXTURE, copy)
    yield f"sqlite:///{copy}", None


@pytest.fixture
def released_built(tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """An empty database of the backend under test, to build the release into."""
    with scratch_database(tmp_path, "released") as run_db:
        yield run_db.admin_url, _app_role(run_db)


def _app_role(run_db: RunDatabase) -> str | None:
    role = role_of(run_db.app_url) if run_db.admin_url.startswith("postgres") else None
    return None if role == role_of(run_db.admin_url) else role


async def _upgrade_and_check(url: str, app_role: str | None, plugins: Plugins) -> None:
    apps = piccolo_apps(plugins)
    db = Database(url, 2)
    await db.start()
    try:
        before = {f"{r['app_name']} {r['name']}"
                  for r in await db.fetch('SELECT "app_name", "name" FROM "migration"')}
        assert before == {f"{app} {last[:-9]}{suffix}" for app, last in RELEASE.items()
                          for suffix in ("00:000000", "01:000000")}
        await migrate(db, apps, app_role)
    finally:
        await db.stop()
    _, migrations = await check_database(url, apps)
    assert migrations.level is Level.ok, migrations.message

    db = Database(url, 2)
    from core.db.migrate import app_tables, bind_tables

    tables = {t._meta.tablename: t for t in app_tables(apps)}
    bind_tables(db, list(tables.values()))
    await db.start()
    try:
        entries, heads = audit_rows()
        for name, rows in [*SEEDED.items(), ("audit_entry", entries), ("audit_head", heads)]:
            kinds = dict(_columns(tables[name]))
            stored = {r["id"]: r for r in await db.fetch(f'SELECT * FROM "{name}"')}
            assert len(stored) == len(rows), name
            for index, row in enumerate(rows, start=1):
                found = stored[row.get("id", index)]
                for column, value in row.items():
                    assert _dump(kinds[column], found[column]) == _dump(kinds[column], value), \
                        (name, column)
        # A column added since the release holds its default in the old rows.
        directive = (await db.fetch('SELECT "inspection_kind" FROM "directive"'))[0]
        assert directive["inspection_kind"] == ""
        # The chains written by the release verify, and this version extends them.
        assert [(await verify(db, t)).entries for t in (1, 2)] == [2, 3]
        county = db.tenant(2)
        head = await append(county, actor="upgrade", action="upgrade.check", object_type="db")
        assert head.seq == 4 and (await verify(db, 2)).ok
        # Ids continue after the release's rows.
        [new_org] = await county.insert(Org, [{"code": "D009", "name": "新增单位",
                                               "kind": "department"}])
        assert new_org == 4
    finally:
        await db.stop()


async def test_the_kept_released_sqlite_file_migrates_forward_with_its_data(
        released_fixture: tuple[str, str | None], settings: Settings) -> None:
    url, role = released_fixture
    await _upgrade_and_check(url, role, Plugins(settings))


async def test_a_released_database_on_this_backend_migrates_forward_with_its_data(
        released_built: tuple[str, str | None], settings: Settings) -> None:
    url, role = released_built
    await build_released(url)
    await _upgrade_and_check(url, role, Plugins(settings))
