"""Backup and restore against real databases: round trips, scope, refusals."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.app import piccolo_apps
from core.audit.chain import append, verify
from core.db import Database
from core.db.migrate import app_tables, bind_tables
from core.ops.backup import BackupError, create_backup, read_manifest, restore_backup
from core.plugins import Plugins
from core.settings import Settings
from core.sync.tables import SyncInbox, SyncOutbox, SyncState
from core.tenancy.loader import sync_tree
from core.tenancy.tables import Org
from core.testing.database import scratch_database as any_scratch_database
from core.testing.tree import CITY, COUNTY, OTHER_CITY, TEST_TREE
from tests.conftest import BACKEND, PG_DSN, RunDatabase, make_settings, migrate_database

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def prepared(tmp: Path, label: str, *, backend: str = BACKEND, tree: bool = True
             ) -> Iterator[tuple[RunDatabase, Settings]]:
    with any_scratch_database(tmp, label, backend, PG_DSN) as run_db:
        settings = make_settings(tmp / f"{label}-home", run_db)

        async def prepare() -> None:
            await migrate_database(settings, Plugins(settings))
            if tree:
                admin = Database(run_db.admin_url)
                await admin.start()
                try:
                    await sync_tree(admin, TEST_TREE)
                finally:
                    await admin.stop()

        asyncio.run(prepare())
        yield run_db, settings


async def opened(settings: Settings) -> tuple[Database, list[Any]]:
    db = Database(settings.database_admin_url, 2)
    tables = app_tables(piccolo_apps(Plugins(settings)))
    bind_tables(db, tables)
    await db.start()
    return db, tables


async def tenant_id(db: Database, code: str) -> int:
    rows = await db.fetch('SELECT "id" FROM "tenant" WHERE "code" = ' + db.dialect.mark(1),
                          [code])
    return int(rows[0]["id"])


async def seed(db: Database, home: Path, code: str, label: str) -> None:
    """Audit entries, sync state and an attachment file for tenant ``code``."""
    session = db.tenant(await tenant_id(db, code))
    for index in range(3):
        await append(session, actor="tester", action="note.write", object_type="note",
                     object_id=index, detail={"text": f"{label} 第{index}条", "n": index})
    await session.insert(SyncOutbox, [{"event_id": f"{label}-out-{code}", "subject": "up.x.y.z",
                                       "type": "note.recorded", "body": "{}"}])
    await session.insert(SyncInbox, [{
        "event_id": f"{label}-in-{code}", "origin": "ta", "type": "notice.issued", "version": 1,
        "subject": "down.x", "status": "applied", "body": "{}", "occurred_at": NOW}])
    await session.insert(SyncState, [{"key": f"memo-{label}", "value": {"seq": 3, "时": "是"}}])
    folder = home / "attachments" / code / "ab"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"ab{label}{code}").write_bytes(f"{label} 附件 {code}".encode())


async def snapshot(db: Database, tables: list[Any], codes: list[str] | None = None
                   ) -> dict[str, list[str]]:
    """Every row of every table (of the tenants ``codes`` only, when given), as text."""
    from core.ops.backup import _columns, _dump, _ordered, _tenant_column

    ids = [await tenant_id(db, c) for c in codes] if codes else None
    out = {}
    for table in _ordered(tables):
        name = table._meta.tablename
        column = _tenant_column(table)
        if ids is not None and column is None:
            continue
        rows = await db.fetch(f'SELECT * FROM "{name}" ORDER BY "id"')
        if ids is not None:
            rows = [r for r in rows if r[column] in ids]
        out[name] = [json.dumps([_dump(kind, r[n]) for n, kind in _columns(table)],
                                ensure_ascii=False) for r in rows]
    return out


@pytest.fixture
def source(tmp_path: Path) -> Iterator[tuple[RunDatabase, Settings]]:
    yield from prepared(tmp_path, "bsrc")


@pytest.fixture
def sqlite_source(tmp_path: Path) -> Iterator[tuple[RunDatabase, Settings]]:
    yield from prepared(tmp_path, "bsqlite", backend="sqlite")


@pytest.fixture
def target(tmp_path: Path) -> Iterator[tuple[RunDatabase, Settings]]:
    yield from prepared(tmp_path, "btgt", tree=False)


async def test_deployment_round_trip_keeps_every_row_file_and_audit_chain(
        source: tuple[RunDatabase, Settings], target: tuple[RunDatabase, Settings],
        tmp_path: Path) -> None:
    _, src_settings = source
    _, tgt_settings = target
    archive = tmp_path / "all.tar.gz"
    db, tables = await opened(src_settings)
    try:
        for code in (CITY, COUNTY, OTHER_CITY):
            await seed(db, src_settings.home, code, "a")
        # An org whose parent was registered after it (a parent later in id order).
        county = db.tenant(await tenant_id(db, COUNTY))
        [first] = await county.list(Org, {"parent": None}, limit=1)
        [later] = await county.insert(Org, [{"code": "Z99", "name": "后建单位",
                                             "kind": "township"}])
        await county.update(Org, {"id": first["id"]}, {"parent": later})
        manifest = await create_backup(db, tables, src_settings.home, archive, version="t",
                                       now=NOW)
        before = await snapshot(db, tables)
        city_entries = (await verify(db, await tenant_id(db, CITY))).entries
    finally:
        await db.stop()
    assert manifest.scope == "deployment"
    assert manifest.tables["audit_entry"]["rows"] == len(before["audit_entry"]) >= 9
    assert {t["code"] for t in manifest.tenants} == {CITY, COUNTY, OTHER_CITY}

    db, tables = await opened(tgt_settings)
    try:
        report = await restore_backup(db, tables, tgt_settings.home, archive)
        after = await snapshot(db, tables)
        for code in (CITY, COUNTY, OTHER_CITY):
            assert (await verify(db, await tenant_id(db, code))).ok
        # Sequences continue after the restored ids (PostgreSQL's are set by the restore).
        session = db.tenant(await tenant_id(db, CITY))
        await append(session, actor="tester", action="after", object_type="note")
        assert (await verify(db, session.tenant_id)).ok
    finally:
        await db.stop()
    assert after == before
    assert report.rows == sum(len(v) for v in before.values())
    assert report.audit[CITY] == city_entries >= 3
    assert report.files == 3
    stored = tgt_settings.home / "attachments" / COUNTY / "ab" / f"aba{COUNTY}"
    assert stored.read_bytes() == f"a 附件 {COUNTY}".encode()


async def test_sqlite_backup_restores_into_the_test_backend(
        tmp_path: Path, sqlite_source: tuple[RunDatabase, Settings],
        target: tuple[RunDatabase, Settings]) -> None:
    """A backup is portable: taken on SQLite, restored into the backend under test."""
    _, src_settings = sqlite_source
    _, tgt_settings = target
    archive = tmp_path / "portable.tar.gz"
    db, tables = await opened(src_settings)
    try:
        await seed(db, src_settings.home, COUNTY, "p")
        await create_backup(db, tables, src_settings.home, archive, version="t", now=NOW)
        before = await snapshot(db, tables)
    finally:
        await db.stop()
    db, tables = await opened(tgt_settings)
    try:
        await restore_backup(db, tables, tgt_settings.home, archive)
        assert await snapshot(db, tables) == before
        assert (await verify(db, await tenant_id(db, COUNTY))).ok
    finally:
        await db.stop()


async def test_tenant_restore_replaces_that_tenant_only(
        source: tuple[RunDatabase, Settings], tmp_path: Path) -> None:
    _, settings = source
    archive = tmp_path / "county.tar.gz"
    db, tables = await opened(settings)
    try:
        await seed(db, settings.home, COUNTY, "old")
        await seed(db, settings.home, CITY, "old")
        manifest = await create_backup(db, tables, settings.home, archive, tenants=[COUNTY],
                                       version="t", now=NOW)
        assert [t["code"] for t in manifest.tenants] == [COUNTY]
        assert "scheduled_run" not in manifest.tables and "tenant" in manifest.tables
        county_before = await snapshot(db, tables, [COUNTY])
        county_entries = (await verify(db, await tenant_id(db, COUNTY))).entries
        # Life goes on in both tenants after the backup.
        await seed(db, settings.home, COUNTY, "new")
        await seed(db, settings.home, CITY, "new")
        city_now = await snapshot(db, tables, [CITY])

        with pytest.raises(BackupError, match=r"已有数据.*--replace"):
            await restore_backup(db, tables, settings.home, archive)
        assert await snapshot(db, tables, [CITY]) == city_now

        report = await restore_backup(db, tables, settings.home, archive, replace=True)
        assert report.audit == {COUNTY: county_entries}
        assert await snapshot(db, tables, [COUNTY]) == county_before
        assert await snapshot(db, tables, [CITY]) == city_now
        assert (await verify(db, await tenant_id(db, COUNTY))).ok
    finally:
        await db.stop()
    county_files = sorted(p.name for p in (settings.home / "attachments" / COUNTY).rglob("*")
                          if p.is_file())
    assert county_files == [f"abold{COUNTY}"]  # the file added after the backup is gone
    assert (settings.home / "attachments" / CITY / "ab" / f"abnew{CITY}").exists()


def _rewrite(archive: Path, out: Path, change: Any) -> None:
    """Copy ``archive`` to ``out``, passing each member's bytes through ``change(name, data)``."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            data = change(member.name, data)
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


async def test_damaged_archives_and_other_schemas_are_refused_before_anything_changes(
        source: tuple[RunDatabase, Settings], target: tuple[RunDatabase, Settings],
        tmp_path: Path) -> None:
    _, src_settings = source
    _, tgt_settings = target
    archive = tmp_path / "good.tar.gz"
    db, tables = await opened(src_settings)
    try:
        await seed(db, src_settings.home, CITY, "d")
        await create_backup(db, tables, src_settings.home, archive, version="t", now=NOW)
    finally:
        await db.stop()

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    altered = tmp_path / "altered.tar.gz"
    _rewrite(archive, altered, lambda name, data: data.replace(b"note.write", b"note.wrote")
             if name == "tables/audit_entry.jsonl" else data)
    older = tmp_path / "older.tar.gz"

    def drop_migration(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"] = manifest["migrations"][:-1]
        return json.dumps(manifest).encode()

    _rewrite(archive, older, drop_migration)
    not_gzip = tmp_path / "plain.tar.gz"
    not_gzip.write_bytes(gzip.compress(b"not a tar at all"))

    db, tables = await opened(tgt_settings)
    try:
        for bad, message in ((truncated, "已损坏或不完整"), (altered, "校验和与清单不符"),
                             (not_gzip, "已损坏或不完整"),
                             (older, "架构版本与本部署不一致：备份缺少迁移"),
                             (tmp_path / "missing.tar.gz", "不存在")):
            with pytest.raises(BackupError, match=message):
                await restore_backup(db, tables, tgt_settings.home, bad)
            rows = await db.fetch('SELECT COUNT(*) AS n FROM "tenant"')
            assert rows[0]["n"] == 0, bad
        with pytest.raises(BackupError, match="校验和"):
            read_manifest(altered)
    finally:
        await db.stop()


async def test_a_tampered_audit_chain_is_refused_and_nothing_is_written(
        source: tuple[RunDatabase, Settings], target: tuple[RunDatabase, Settings],
        tmp_path: Path) -> None:
    """An archive made consistent again after its audit rows were edited (checksums
    recomputed) still fails: the restored chain does not verify, so nothing commits."""
    import hashlib

    _, src_settings = source
    _, tgt_settings = target
    archive = tmp_path / "good.tar.gz"
    db, tables = await opened(src_settings)
    try:
        await seed(db, src_settings.home, CITY, "t")
        await create_backup(db, tables, src_settings.home, archive, version="t", now=NOW)
    finally:
        await db.stop()
    edited: dict[str, bytes] = {}

    def tamper(name: str, data: bytes) -> bytes:
        if name == "tables/audit_entry.jsonl":
            data = data.replace("t 第1条".encode(), "t 第9条".encode())
            edited[name] = data
        return data

    staged = tmp_path / "staged.tar.gz"
    _rewrite(archive, staged, tamper)
    forged = tmp_path / "forged.tar.gz"

    def fix_manifest(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        for member, content in edited.items():
            manifest["files"][member] = hashlib.sha256(content).hexdigest()
        return json.dumps(manifest).encode()

    _rewrite(staged, forged, fix_manifest)
    db, tables = await opened(tgt_settings)
    try:
        with pytest.raises(BackupError, match=r"审计链校验未通过.*篡改"):
            await restore_backup(db, tables, tgt_settings.home, forged)
        assert (await db.fetch('SELECT COUNT(*) AS n FROM "audit_entry"'))[0]["n"] == 0
        assert (await db.fetch('SELECT COUNT(*) AS n FROM "tenant"'))[0]["n"] == 0
    finally:
        await db.stop()

