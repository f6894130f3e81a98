"""Backup and restore of a deployment or of some of its tenants, as one archive file.

The archive is a ``.tar.gz`` holding ``manifest.json`` (first), one JSON-lines
file per table (``tables/<table>.jsonl``, one row per line as a list in the
manifest's column order) and the attachment files (``attachments/<tenant>/…``).
The manifest names the format version, the migrations the database had, the
tenants, each table's row count and the SHA-256 of every other member, so a
damaged or incomplete archive is refused before anything is written.

Values are written in a form both backends read back (times in ISO 8601 with
their offset, numerics as text, JSON as JSON), so a backup taken on SQLite
restores into PostgreSQL and the other way round. Row ids are kept: every
reference between rows, and each audit entry's hash (which covers its tenant
id), survives the trip. What sync needs to resume travels with the tenant's
rows: the outbox (events not yet published go out after the restore; those
published meanwhile go again under the same id and the receiver's inbox holds
them once), the inbox (events applied before the backup are not applied again
when redelivered), the replicas and the sync memos. Events the tenant received
after the backup must be delivered again from the stream: see
:func:`core.ops.redeliver.redeliver`.

A restore runs in one transaction, verifies the audit chain of every restored
tenant before it commits, and is refused when the target holds data of the
same scope (unless ``replace``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from piccolo.columns import (
    JSON,
    JSONB,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    Serial,
    SmallInt,
    Timestamp,
    Timestamptz,
)
from piccolo.columns.base import Column
from piccolo.table import Table

from core.audit.chain import verify
from core.db import Database

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "BackupError",
    "Manifest",
    "RestoreReport",
    "applied_migrations",
    "create_backup",
    "read_manifest",
    "restore_backup",
]

FORMAT = "xuncha-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
READ_BATCH = 2000
MAX_PARAMETERS = 30_000
SKIPPED_TABLES = frozenset({"scheduled_run", "policy_version", "data_stamp"})
"""Tables of process coordination (which scheduled period ran, the counter that tells
every process to reload the authorization rules, the data stamps behind cached
answers): they describe the running processes, not the data, and are not carried over
(the counters are bumped by a restore, so every process reloads the restored rules and
drops the answers it cached)."""


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why, in Chinese."""


@dataclass
class Manifest:
    """What an archive holds."""

    format: str
    version: int
    created_at: str
    xuncha_version: str
    backend: str
    scope: str
    """``deployment`` (every table) or ``tenant`` (the rows of ``tenants``)."""
    migrations: list[str]
    tenants: list[dict[str, Any]]
    """Each backed-up tenant: ``id``, ``code``, ``parent_code`` and its ``audit_head``."""
    tables: dict[str, dict[str, Any]]
    """Per table: ``columns`` (in row order) and ``rows`` (the count)."""
    files: dict[str, str] = field(default_factory=dict)
    """SHA-256 of every other member, by member name."""

    def to_json(self) -> bytes:
        """The manifest as UTF-8 JSON."""
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """Read a manifest; raises ``BackupError`` when it is not one."""
        try:
            raw = json.loads(data.decode("utf-8"))
            return cls(**{name: raw[name] for name in cls.__dataclass_fields__})
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError(f"备份文件已损坏：清单（{MANIFEST}）无法读取（{exc}）") from exc


@dataclass
class RestoreReport:
    """What a restore wrote."""

    manifest: Manifest
    rows: int
    files: int
    audit: dict[str, int]
    """Entries verified in each restored tenant's audit chain, by tenant code."""


# --- values -------------------------------------------------------------------------------


def _kind(column: Column) -> str:
    if isinstance(column, ForeignKey):
        return "int"  # every reference is to a serial id
    if isinstance(column, Boolean):
        return "bool"
    if isinstance(column, Serial | Integer | BigInt | SmallInt):
        return "int"
    if isinstance(column, Timestamptz | Timestamp):
        return "time"
    if isinstance(column, Date):
        return "date"
    if isinstance(column, Numeric):
        return "numeric"
    if isinstance(column, JSON | JSONB):
        return "json"
    return "text"


def _dump(kind: str, value: Any) -> Any:
    """A database value as plain JSON."""
    if value is None:
        return None
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    if kind == "time":
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.isoformat(timespec="microseconds")
    if kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    if kind == "numeric":
        return str(value)
    if kind == "json":
        return json.loads(value) if isinstance(value, str | bytes) else value
    return value if isinstance(value, str) else str(value)


def _load(kind: str, value: Any) -> Any:
    """A plain JSON value as a database parameter."""
    if value is None:
        return None
    if kind == "time":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "numeric":
        return Decimal(value)
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    return value


# --- tables -------------------------------------------------------------------------------


def _ordered(tables: Sequence[type[Table]]) -> list[type[Table]]:
    """``tables`` (minus the skipped ones) with every table after those it references."""
    by_name = {t._meta.tablename: t for t in tables if t._meta.tablename not in SKIPPED_TABLES}
    done: dict[str, type[Table]] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done or name in path or name not in by_name:
            return
        for column in by_name[name]._meta.foreign_key_columns:
            target = column._foreign_key_meta.resolved_references._meta.tablename
            if target != name:
                visit(target, (*path, name))
        done[name] = by_name[name]

    for name in sorted(by_name):
        visit(name, ())
    return list(done.values())


def _tenant_column(table: type[Table]) -> str | None:
    """The column naming a row's tenant (``id`` for the tenant table), if any."""
    if table._meta.tablename == "tenant":
        return "id"
    names = [c._meta.db_column_name for c in table._meta.columns]
    if "tenant_id" in names:
        return "tenant_id"
    for column in table._meta.foreign_key_columns:
        if column._foreign_key_meta.resolved_references._meta.tablename == "tenant":
            return str(column._meta.db_column_name)
    return None


def _columns(table: type[Table]) -> list[tuple[str, str]]:
    return [(c._meta.db_column_name, _kind(c)) for c in table._meta.columns]


async def applied_migrations(db: Database) -> list[str]:
    """``"<app> <migration>"`` of every migration the database has applied, sorted."""
    try:
        rows = await db.fetch('SELECT "app_name", "name" FROM "migration"')
    except Exception as exc:  # no migration table: never migrated
        raise BackupError("数据库尚未迁移（先执行 xuncha migrate）") from exc
    return sorted(f"{r['app_name']} {r['name']}" for r in rows)


async def _tenants(db: Database, codes: Sequence[str] | None) -> list[dict[str, Any]]:
    rows = await db.fetch('SELECT "id", "code", "parent_code" FROM "tenant" ORDER BY "id"')
    if codes:
        known = {r["code"] for r in rows}
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise BackupError(f"机构 {'、'.join(unknown)} 不存在（可用 xuncha tenants list 查看）")
        rows = [r for r in rows if r["code"] in codes]
    for row in rows:
        mark = db.dialect.mark(1)
        head = await db.fetch(f'SELECT "seq", "hash" FROM "audit_head" WHERE "tenant_id" = {mark}',
                              [row["id"]])
        row["audit_head"] = ({"seq": int(head[0]["seq"]), "hash": head[0]["hash"]} if head
                             else {"seq": 0, "hash": ""})
    return [dict(r) for r in rows]


# --- backup -------------------------------------------------------------------------------


async def _write_rows(db: Database, table: type[Table], where: str, args: list[Any],
                      out: IO[bytes]) -> int:
    columns = _columns(table)
    names = ", ".join(f'"{n}"' for n, _ in columns)
    name = table._meta.tablename
    mark = db.dialect.mark
    count, after = 0, None
    while True:
        clause = where
        params = list(args)
        if after is not None:
            params.append(after)
            clause = f'({clause}) AND "id" > {mark(len(params))}'
        rows = await db.fetch(f'SELECT {names} FROM "{name}" WHERE {clause} '
                              f'ORDER BY "id" LIMIT {READ_BATCH}', params)
        for row in rows:
            line = [_dump(kind, row[n]) for n, kind in columns]
            out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode())
            out.write(b"\n")
        count += len(rows)
        if len(rows) < READ_BATCH:
            return count
        after = rows[-1]["id"]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _attachment_files(home: Path, codes: Sequence[str] | None) -> Iterator[tuple[str, Path]]:
    root = home / "attachments"
    if not root.is_dir():
        return
    folders = [root / code for code in codes] if codes is not None else [root]
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                yield "attachments/" + path.relative_to(root).as_posix(), path


@asynccontextmanager
async def _consistent(db: Database) -> AsyncIterator[None]:
    """On PostgreSQL, one snapshot for every read of the backup (a read-only transaction
    at ``REPEATABLE READ``); SQLite's readers see each table as committed when read."""
    if not db.postgres:
        yield
        return
    async with db.transaction():
        await db.fetch("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


async def create_backup(db: Database, tables: Sequence[type[Table]], home: Path, out: Path,
                        *, tenants: Sequence[str] | None = None, version: str,
                        now: datetime) -> Manifest:
    """Write an archive of the deployment (or of ``tenants`` only) to ``out``.

    Args:
        db: the database, as its owner (row-level security does not apply).
        tables: every table of the deployment (core and plugins).
        home: the data directory (attachments are under ``home/attachments``).
        out: the archive to write (replaced only once complete).
        tenants: codes of the tenants to back up; None for the whole deployment.
        version: the program's version, recorded in the manifest.
        now: the time of the backup.

    Raises:
        BackupError: an unknown tenant, or the archive cannot be written.
    """
    async with _consistent(db):
        chosen = await _tenants(db, tenants)
        ids = [t["id"] for t in chosen]
        manifest = Manifest(
            format=FORMAT, version=FORMAT_VERSION, created_at=now.isoformat(),
            xuncha_version=version, backend="postgresql" if db.postgres else "sqlite",
            scope="tenant" if tenants else "deployment",
            migrations=await applied_migrations(db), tenants=chosen, tables={})
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out.parent, prefix=".backup-") as staging_dir:
            staging = Path(staging_dir)
            members: list[tuple[str, Path]] = []
            (staging / "tables").mkdir()
            for table in _ordered(tables):
                name = table._meta.tablename
                column = _tenant_column(table)
                if tenants and column is None:
                    continue  # shared by every tenant: only in a deployment's backup
                if tenants:
                    marks = ", ".join(db.dialect.mark(i + 1) for i in range(len(ids)))
                    where, args = f'"{column}" IN ({marks})', list(ids)
                else:
                    where, args = "1 = 1", []
                path = staging / "tables" / f"{name}.jsonl"
                with path.open("wb") as handle:
                    count = await _write_rows(db, table, where, args, handle)
                manifest.tables[name] = {"columns": [n for n, _ in _columns(table)],
                                         "rows": count}
                members.append((f"tables/{name}.jsonl", path))
            codes = [t["code"] for t in chosen] if tenants else None
            members.extend(_attachment_files(home, codes))
            manifest.files = {member: _sha256(path) for member, path in members}
            (staging / MANIFEST).write_bytes(manifest.to_json())
            partial = staging / "archive.tar.gz"
            try:
                with tarfile.open(partial, "w:gz") as archive:
                    archive.add(staging / MANIFEST, arcname=MANIFEST)
                    for member, path in members:
                        archive.add(path, arcname=member)
                partial.replace(out)
            except OSError as exc:
                raise BackupError(f"无法写入备份文件 {out}：{exc.strerror or exc}") from exc
    return manifest


# --- reading an archive -------------------------------------------------------------------


def _unpack(archive: Path, into: Path) -> Manifest:
    """Unpack ``archive`` into ``into`` and check every member against the manifest."""
    damaged = f"备份文件 {archive} 已损坏或不完整"
    if not archive.is_file():
        raise BackupError(f"备份文件 {archive} 不存在")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            names = []
            for member in tar:
                path = Path(member.name)
                if (not member.isfile() or path.is_absolute() or ".." in path.parts):
                    raise BackupError(f"{damaged}：含有不允许的成员 {member.name}")
                if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
                    tar.extract(member, into, filter="data")
                else:
                    tar.extract(member, into)
                names.append(member.name)
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise BackupError(f"{damaged}（{exc}）") from exc
    if MANIFEST not in names:
        raise BackupError(f"{damaged}：缺少清单 {MANIFEST}（不是巡察平台的备份文件？）")
    manifest = Manifest.from_json((into / MANIFEST).read_bytes())
    if manifest.format != FORMAT:
        raise BackupError(f"{archive} 不是巡察平台的备份文件")
    if manifest.version != FORMAT_VERSION:
        raise BackupError(f"备份文件格式版本 {manifest.version} "
                          f"与本程序支持的 {FORMAT_VERSION} 不符")
    missing = sorted(set(manifest.files) - set(names))
    if missing:
        raise BackupError(f"{damaged}：缺少 {missing[0]} 等 {len(missing)} 个成员")
    extra = sorted(set(names) - set(manifest.files) - {MANIFEST})
    if extra:
        raise BackupError(f"{damaged}：含有清单之外的成员 {extra[0]}")
    for name, expected in manifest.files.items():
        if _sha256(into / name) != expected:
            raise BackupError(f"{damaged}：{name} 的校验和与清单不符")
    return manifest


def read_manifest(archive: Path) -> Manifest:
    """The manifest of ``archive``, after checking every member; raises ``BackupError``."""
    with tempfile.TemporaryDirectory(prefix="xuncha-restore-") as tmp:
        return _unpack(archive, Path(tmp))


# --- restore ------------------------------------------------------------------------------


def _read_rows(path: Path, columns: list[tuple[str, str]], names: list[str]
               ) -> Iterator[list[Any]]:
    kinds = dict(columns)
    with path.open("rb") as handle:
        for line in handle:
            values = json.loads(line)
            yield [_load(kinds[n], v) for n, v in zip(names, values, strict=True)]


async def _count(db: Database, table: str, column: str | None, ids: Sequence[int]) -> int:
    if column is None:
        rows = await db.fetch(f'SELECT COUNT(*) AS n FROM "{table}"')
    else:
        marks = ", ".join(db.dialect.mark(i + 1) for i in range(len(ids)))
        rows = await db.fetch(f'SELECT COUNT(*) AS n FROM "{table}" WHERE "{column}" IN ({marks})',
                              list(ids))
    return int(rows[0]["n"])


async def _insert(db: Database, table: str, names: list[str], rows: list[list[Any]]) -> None:
    width = len(names)
    per = max(1, MAX_PARAMETERS // width)
    columns = ", ".join(f'"{n}"' for n in names)
    mark = db.dialect.mark
    for start in range(0, len(rows), per):
        part = rows[start:start + per]
        groups = ", ".join("(" + ", ".join(mark(r * width + c + 1) for c in range(width)) + ")"
                           for r in range(len(part)))
        await db.fetch(f'INSERT INTO "{table}" ({columns}) VALUES {groups}',
                       [v for row in part for v in row])


async def restore_backup(db: Database, tables: Sequence[type[Table]], home: Path, archive: Path,
                         *, replace: bool = False) -> RestoreReport:
    """Restore ``archive`` into the database and the data directory.

    A deployment's archive needs an empty database (or ``replace``, which
    removes every row first); a tenant's archive needs the tenant's rows to be
    absent (or ``replace``, which removes them first) and the tenant, when the
    deployment knows it, under the id it had (its audit chain's hashes cover it).

    Raises:
        BackupError: a damaged archive, a schema other than this database's, data
            in the way without ``replace``, or an audit chain that does not verify
            (then nothing is written).
    """
    with tempfile.TemporaryDirectory(prefix="xuncha-restore-") as tmp:
        staging = Path(tmp)
        manifest = _unpack(archive, staging)
        present = await applied_migrations(db)
        if present != manifest.migrations:
            ahead = sorted(set(manifest.migrations) - set(present))
            behind = sorted(set(present) - set(manifest.migrations))
            detail = (f"备份含本程序没有的迁移 {ahead[0]}" if ahead
                      else f"备份缺少迁移 {behind[0]}（备份来自较早的版本）")
            raise BackupError(f"备份的数据库架构版本与本部署不一致：{detail}；"
                              "请用与备份时相同版本的程序恢复")
        ordered = [t for t in _ordered(tables) if t._meta.tablename in manifest.tables]
        unknown = sorted(set(manifest.tables) - {t._meta.tablename for t in ordered})
        if unknown:
            raise BackupError(f"备份含本部署没有的数据表 {unknown[0]}（是否缺少插件？）")
        tenant_scope = manifest.scope == "tenant"
        ids = [int(t["id"]) for t in manifest.tenants]
        codes = [str(t["code"]) for t in manifest.tenants]
        if tenant_scope:
            await _check_tenant_ids(db, manifest)
        in_the_way = 0
        for table in ordered:
            column = _tenant_column(table) if tenant_scope else None
            if tenant_scope and table._meta.tablename == "tenant":
                continue
            in_the_way += await _count(db, table._meta.tablename, column, ids)
        if in_the_way and not replace:
            what = f"机构 {'、'.join(codes)}" if tenant_scope else "本部署的数据库"
            raise BackupError(f"{what}已有数据（{in_the_way} 行）；确认要覆盖时加 --replace")
        restored = 0
        audit: dict[str, int] = {}
        try:
            async with db.transaction():
                for table in reversed(ordered):
                    name = table._meta.tablename
                    if not tenant_scope:
                        await db.fetch(f'DELETE FROM "{name}"')
                    elif name != "tenant":
                        column = _tenant_column(table)
                        marks = ", ".join(db.dialect.mark(i + 1) for i in range(len(ids)))
                        await db.fetch(f'DELETE FROM "{name}" WHERE "{column}" IN ({marks})',
                                       list(ids))
                for table in ordered:
                    name = table._meta.tablename
                    if tenant_scope and name == "tenant":
                        await _ensure_tenants(db, staging, manifest, table)
                        continue
                    restored += await _restore_table(db, table, staging, manifest)
                    if db.postgres:
                        await db.fetch(
                            f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                            f'(SELECT COALESCE(MAX("id"), 0) + 1 FROM "{name}"), false)')
                if any(t._meta.tablename == "policy_version" for t in tables):
                    await db.fetch('UPDATE "policy_version" SET "version" = "version" + 1')
                for tenant in manifest.tenants if tenant_scope else await _tenants(db, None):
                    report = await verify(db, int(tenant["id"]))
                    if not report.ok:
                        raise BackupError(f"恢复后机构 {tenant['code']} 的审计链校验未通过："
                                          f"{report.problems[0]}；未写入任何数据")
                    audit[str(tenant["code"])] = report.entries
                files = _place_attachments(staging, home)
        except BackupError:
            raise
        except Exception as exc:
            raise BackupError(f"恢复失败，未写入任何数据：{type(exc).__name__}: {exc}") from exc
        if replace:
            _prune_attachments(home, staging, codes if tenant_scope else None)
    return RestoreReport(manifest=manifest, rows=restored, files=files, audit=audit)


async def _restore_table(db: Database, table: type[Table], staging: Path,
                         manifest: Manifest) -> int:
    """Insert a table's rows from the archive; returns how many.

    A reference to a row of the same table (an org's parent) is set once every
    row is in, as a parent may come after its child in id order.
    """
    name = table._meta.tablename
    names = list(manifest.tables[name]["columns"])
    own = [names.index(c._meta.db_column_name) for c in table._meta.foreign_key_columns
           if c._foreign_key_meta.resolved_references._meta.tablename == name
           and c._meta.db_column_name in names]
    later: list[tuple[str, Any, Any]] = []
    count = 0
    batch: list[list[Any]] = []
    for row in _read_rows(staging / "tables" / f"{name}.jsonl", _columns(table), names):
        for index in own:
            if row[index] is not None:
                later.append((names[index], row[index], row[names.index("id")]))
                row[index] = None
        batch.append(row)
        if len(batch) >= READ_BATCH:
            await _insert(db, name, names, batch)
            count += len(batch)
            batch = []
    if batch:
        await _insert(db, name, names, batch)
        count += len(batch)
    mark = db.dialect.mark
    for column, value, row_id in later:
        await db.fetch(f'UPDATE "{name}" SET "{column}" = {mark(1)} WHERE "id" = {mark(2)}',
                       [value, row_id])
    return count


async def _check_tenant_ids(db: Database, manifest: Manifest) -> None:
    for tenant in manifest.tenants:
        rows = await db.fetch('SELECT "id" FROM "tenant" WHERE "code" = ' + db.dialect.mark(1),
                              [tenant["code"]])
        if rows and int(rows[0]["id"]) != int(tenant["id"]):
            raise BackupError(
                f"本部署中机构 {tenant['code']} 的编号（{rows[0]['id']}）与备份中的"
                f"（{tenant['id']}）不同，其审计链无法原样恢复；请恢复到原部署，"
                "或在新部署中恢复整个部署的备份")


async def _ensure_tenants(db: Database, staging: Path, manifest: Manifest,
                          table: type[Table]) -> None:
    """Insert the archive's tenant rows the deployment lacks (under their ids)."""
    names = list(manifest.tables["tenant"]["columns"])
    for row in _read_rows(staging / "tables" / "tenant.jsonl", _columns(table), names):
        values = dict(zip(names, row, strict=True))
        found = await db.fetch('SELECT "id" FROM "tenant" WHERE "id" = ' + db.dialect.mark(1),
                               [values["id"]])
        if found:
            continue
        values["parent"] = None  # the parent, when served here, is known by parent_code
        await _insert(db, "tenant", list(values), [list(values.values())])


def _place_attachments(staging: Path, home: Path) -> int:
    source = staging / "attachments"
    if not source.is_dir():
        return 0
    count = 0
    for path in source.rglob("*"):
        if path.is_file():
            target = home / "attachments" / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            count += 1
    return count


def _prune_attachments(home: Path, staging: Path, codes: Sequence[str] | None) -> None:
    """Remove stored files the archive does not have (after a restore with replace)."""
    root = home / "attachments"
    if not root.is_dir():
        return
    folders = [root / code for code in codes] if codes is not None else [root]
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            if path.is_file() and not (staging / "attachments" / path.relative_to(root)).exists():
                path.unlink()
