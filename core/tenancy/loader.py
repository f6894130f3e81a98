"""Load the tenant tree from TOML files into the database (``xuncha tenants sync``).

Loading is idempotent: a second run changes nothing and says so. An org
that disappears from its file is deactivated, never deleted: inspections
may still refer to it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from core.audit import chain as audit
from core.db import Database
from core.db.sql import table_info
from core.tenancy.model import TenantSpec
from core.tenancy.tables import Org, Tenant

__all__ = ["SYNC_ACTOR", "SyncReport", "TenantFileError", "load_tree", "sync_tree"]

SYNC_ACTOR = "cli:tenants-sync"


class TenantFileError(ValueError):
    """A tenant file is invalid; the message names the file and the place."""


@dataclass
class SyncReport:
    """What ``sync_tree`` changed, for the operator."""

    tenants_created: list[str] = field(default_factory=list)
    tenants_updated: list[str] = field(default_factory=list)
    orgs_created: int = 0
    orgs_updated: int = 0
    orgs_deactivated: int = 0

    @property
    def changed(self) -> bool:
        """Whether anything changed."""
        return bool(
            self.tenants_created or self.tenants_updated or self.orgs_created
            or self.orgs_updated or self.orgs_deactivated
        )

    def summary(self) -> str:
        """One line in Chinese."""
        if not self.changed:
            return "无变化：机构与被巡察对象均已是最新。"
        return (
            f"新增机构 {len(self.tenants_created)} 个，更新机构 {len(self.tenants_updated)} 个；"
            f"新增被巡察对象 {self.orgs_created} 个，更新 {self.orgs_updated} 个，"
            f"停用 {self.orgs_deactivated} 个。"
        )


def _parse_file(path: Path) -> TenantSpec:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TenantFileError(f"{path}: 不是有效的 TOML：{exc}") from None
    try:
        return msgspec.convert(data, TenantSpec)
    except msgspec.ValidationError as exc:
        raise TenantFileError(f"{path}: {exc}") from None


def load_tree(folder: Path) -> list[TenantSpec]:
    """Read and check every ``*.toml`` under ``folder`` (recursively).

    Returns:
        The tenants, parents before children.

    Raises:
        TenantFileError: a file is invalid or the tree is inconsistent.
    """
    files = sorted(folder.rglob("*.toml"))
    if not files:
        raise TenantFileError(f"{folder}: 未找到机构定义文件（*.toml）")
    specs: dict[str, tuple[Path, TenantSpec]] = {}
    for path in files:
        spec = _parse_file(path)
        if spec.code in specs:
            raise TenantFileError(f"{path}: 机构代码 {spec.code} 与 {specs[spec.code][0]} 重复")
        if spec.level.value == "county" and not spec.parent:
            raise TenantFileError(f"{path}: 县级机构必须填写上级机构 parent")
        if spec.parent == spec.code:
            raise TenantFileError(f"{path}: 上级机构不能是自身")
        _check_orgs(path, spec)
        specs[spec.code] = (path, spec)
    return _parents_first(specs)


def _check_orgs(path: Path, spec: TenantSpec) -> None:
    codes: dict[str, str] = {}
    for index, org in enumerate(spec.orgs):
        if org.code in codes:
            raise TenantFileError(f"{path}: orgs[{index}] 代码 {org.code} 重复")
        codes[org.code] = org.kind.value
    for index, org in enumerate(spec.orgs):
        if org.parent is None:
            continue
        if org.parent not in codes:
            raise TenantFileError(f"{path}: orgs[{index}].parent 上级单位 {org.parent} 不存在")
        if org.parent == org.code:
            raise TenantFileError(f"{path}: orgs[{index}].parent 不能指向自身")


def _parents_first(specs: dict[str, tuple[Path, TenantSpec]]) -> list[TenantSpec]:
    ordered: list[TenantSpec] = []
    seen: set[str] = set()

    def visit(code: str, trail: tuple[str, ...]) -> None:
        if code in seen:
            return
        if code in trail:
            raise TenantFileError(f"机构层级存在循环：{' → '.join((*trail, code))}")
        spec = specs[code][1]
        if spec.parent in specs:
            visit(spec.parent, (*trail, code))
        seen.add(code)
        ordered.append(spec)

    for code in specs:
        visit(code, ())
    return ordered


async def sync_tree(db: Database, specs: Sequence[TenantSpec]) -> SyncReport:
    """Create or update tenants and their orgs; deactivate orgs no longer listed."""
    report = SyncReport()
    ids: dict[str, int] = {
        r["code"]: r["id"] for r in await db.fetch('SELECT "id", "code" FROM "tenant"')
    }
    for spec in specs:
        # A parent outside the files is served by another deployment (a county's
        # own deployment links to its city over NATS only): kept by code.
        parent_id = ids.get(spec.parent) if spec.parent else None
        tenant_id = await _sync_tenant(db, spec, parent_id, ids.get(spec.code), report)
        ids[spec.code] = tenant_id
        await _sync_orgs(db, tenant_id, spec, report)
    if report.changed:
        # Fresh planner statistics after a bulk load (autovacuum may be off or
        # late): without them PostgreSQL expects one row per tenant and sorts
        # instead of walking the (tenant_id, sort, id) index.
        await db.fetch('ANALYZE "org"')
    return report


async def _sync_tenant(
    db: Database, spec: TenantSpec, parent_id: int | None, existing: int | None,
    report: SyncReport,
) -> int:
    info = table_info(Tenant)
    values: dict[str, Any] = {
        "name": spec.name, "region": spec.region, "level": spec.level.value,
        "parent": parent_id, "parent_code": spec.parent, "plugins": spec.plugins,
        "settings": spec.settings,
    }
    stamped = {**values, "updated_at": datetime.now(UTC)}
    async with db.transaction():
        if existing is None:
            names = ["code", *stamped]
            sql = db.dialect.insert(info, names, 1)
            args = [spec.code, *(info.encode(k, v) for k, v in stamped.items())]
            report.tenants_created.append(spec.code)
            return int((await db.fetch(sql, args))[0]["id"])
        sql, args = db.dialect.select(
            info, {"id": existing}, search=None, order_by=(), limit=1, offset=0
        )
        current = info.decode((await db.fetch(sql, args))[0])
        if any(current[k] != v for k, v in values.items()):
            sql, args = db.dialect.update(info, stamped, {"id": existing})
            await db.fetch(sql, args)
            report.tenants_updated.append(spec.code)
    return existing


async def _sync_orgs(db: Database, tenant_id: int, spec: TenantSpec, report: SyncReport) -> None:
    session = db.tenant(tenant_id)
    changes: dict[str, list[str]] = {"created": [], "updated": [], "deactivated": []}
    async with session.transaction():
        current = {r["code"]: r for r in await session.list(Org, limit=None)}
        new_rows = [
            {"code": o.code, "name": o.name, "kind": o.kind.value, "sort": i}
            for i, o in enumerate(spec.orgs) if o.code not in current
        ]
        new_ids = await session.insert(Org, new_rows)
        for row, new_id in zip(new_rows, new_ids, strict=True):
            current[row["code"]] = {**row, "id": new_id, "parent": None, "active": True}
        report.orgs_created += len(new_rows)
        created = {str(r["code"]) for r in new_rows}
        changes["created"] = sorted(created)
        now = datetime.now(UTC)
        for index, org in enumerate(spec.orgs):
            row = current[org.code]
            wanted: dict[str, Any] = {
                "name": org.name, "kind": org.kind.value, "sort": index, "active": True,
                "parent": current[org.parent]["id"] if org.parent else None,
            }
            diff = {k: v for k, v in wanted.items() if row.get(k) != v}
            if diff:
                await session.update(Org, {"id": row["id"]}, {**diff, "updated_at": now})
                if org.code not in created:
                    report.orgs_updated += 1
                    changes["updated"].append(org.code)
        listed = {o.code for o in spec.orgs}
        gone = {code: r["id"] for code, r in current.items() if code not in listed and r["active"]}
        if gone:
            await session.update(Org, {"id": list(gone.values())},
                                 {"active": False, "updated_at": now})
            report.orgs_deactivated += len(gone)
            changes["deactivated"] = sorted(gone)
        if any(changes.values()):
            await audit.append(session, actor=SYNC_ACTOR, action="orgs.sync",
                               object_type="org", detail=changes)
