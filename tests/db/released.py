"""A database as the first release left it: its migrations only, and data written in its schema.

The release of 2026-12-05 (migrations squashed, commit 8c5c506) had three apps:
``core``, ``linkage`` and ``village_coverage``, each with the two migrations
named in :data:`RELEASE`. :func:`build_released` applies exactly those to an
empty database and writes rows in that schema by plain SQL (what the program
of the time wrote: tenants, orgs, an account, an inspection, a directive, the
sync tables and audit chains whose hashes verify). ``python -m tests.db.released``
writes the SQLite fixture kept in ``tests/db/fixtures``; the upgrade test migrates
a copy of it, and a database built the same way on the backend under test, forward.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import AppRegistry

from core.audit.chain import entry_hash
from core.audit.tables import GENESIS
from core.db import Database

__all__ = ["FIXTURE", "RELEASE", "SEEDED", "build_released"]

RELEASE = {
    "core": "2026-12-05T10:00:01:000000",
    "linkage": "2026-12-05T10:01:01:000000",
    "village_coverage": "2026-12-05T10:02:01:000000",
}
"""Each app of the release and its last migration then."""
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "released-2026-12-05.sqlite3"
AT = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)

SEEDED: dict[str, list[dict[str, Any]]] = {
    "tenant": [
        {"id": 1, "code": "rc", "name": "发布市委巡察办", "region": "发布市", "level": "city",
         "parent": None, "parent_code": None, "plugins": ["*"], "settings": {"x": 1},
         "updated_at": AT},
        {"id": 2, "code": "rc.one", "name": "发布一县委巡察办", "region": "发布一县",
         "level": "county", "parent": 1, "parent_code": "rc", "plugins": ["*"], "settings": {},
         "updated_at": AT},
    ],
    "org": [
        {"id": 1, "tenant_id": 2, "code": "D001", "name": "一县财政局", "kind": "department",
         "parent": None, "active": True, "sort": 0, "updated_at": AT},
        {"id": 2, "tenant_id": 2, "code": "T01", "name": "东风镇", "kind": "township",
         "parent": None, "active": True, "sort": 1, "updated_at": AT},
        {"id": 3, "tenant_id": 2, "code": "T01V001", "name": "张庄村", "kind": "village",
         "parent": 2, "active": False, "sort": 2, "updated_at": AT},
    ],
    "account": [
        {"id": 1, "username": "release-admin", "name": "发布管理员", "home_tenant": 2,
         "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g",
         "active": True, "failed_logins": 0, "locked_until": None,
         "password_changed_at": AT, "created_at": AT},
    ],
    "inspection": [
        {"id": 1, "tenant_id": 2, "round_id": None, "kind": "routine", "topic": "",
         "title": "第一轮巡察财政局", "team_name": "第一巡察组", "stage": "onsite",
         "onsite_start": date(2026, 11, 2), "onsite_end": date(2026, 12, 20),
         "notice_due": None, "notice_sent_on": None, "arrived_on": date(2026, 11, 2),
         "withdrawn_on": None, "report_due": None, "report_step": "none",
         "report_title": "", "report_summary": "", "feedback_on": None,
         "rectification_report_due": None, "carried_over": False, "archived_on": None,
         "retention": None, "version": 3, "created_at": AT, "updated_at": AT},
    ],
    "directive": [
        {"id": 1, "tenant_id": 1, "kind": "notice", "title": "关于开展第一轮巡察的通知",
         "body": "各县（区）：……", "due_date": date(2026, 12, 31), "targets": ["rc.one"],
         "issued_on": date(2026, 12, 1), "issued_by": "release-admin", "withdrawn": False,
         "withdrawn_on": None, "withdrawn_by": "", "withdraw_reason": "",
         "created_at": AT, "updated_at": AT},
    ],
    "sync_outbox": [
        {"id": 1, "tenant_id": 2, "event_id": "0193a000-0000-7000-8000-000000000001",
         "subject": "up.rc-one.linkage.inspection.updated", "type": "inspection.updated",
         "body": "{}", "created_at": AT, "attempts": 2, "last_error": "timeout"},
    ],
    "sync_inbox": [
        {"id": 1, "tenant_id": 2, "event_id": "0193a000-0000-7000-8000-000000000002",
         "origin": "rc", "type": "directive.issued", "version": 1,
         "subject": "down.rc-one.linkage.directive.issued", "status": "applied",
         "body": "{}", "occurred_at": AT, "received_at": AT},
    ],
    "replica": [
        {"id": 1, "tenant_id": 2, "origin": "rc", "kind": "directive", "key": "1",
         "version": "0193a000-0000-7000-8000-000000000002", "type": "directive.issued",
         "data": {"title": "关于开展第一轮巡察的通知"}, "occurred_at": AT, "received_at": AT},
    ],
    "sync_state": [
        {"id": 1, "tenant_id": 2, "key": "linkage.audit_head", "value": {"seq": 3},
         "updated_at": AT},
    ],
}
"""The rows written in the release's schema, by table (in insertion order)."""


def _audit(tenant_id: int, count: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    entries, prev = [], GENESIS
    for seq in range(1, count + 1):
        entry: dict[str, Any] = {
            "tenant_id": tenant_id, "seq": seq, "at": AT + timedelta(minutes=seq),
            "actor": "release-admin", "action": "inspection.update", "object_type": "inspection",
            "object_id": "1", "detail": {"step": seq, "备注": "发布版本写入"}, "prev_hash": prev}
        entry["hash"] = prev = entry_hash(entry)
        entries.append(entry)
    head = {"tenant_id": tenant_id, "seq": count, "hash": prev, "updated_at": AT}
    return entries, head


def audit_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The audit entries and heads written in the release's schema (both tenants)."""
    city, city_head = _audit(1, 2)
    county, county_head = _audit(2, 3)
    return city + county, [city_head, county_head]


def _value(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


async def _insert(db: Database, table: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        names = list(row)
        marks = ", ".join(db.dialect.mark(i + 1) for i in range(len(names)))
        columns = ", ".join(f'"{n}"' for n in names)
        await db.fetch(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})',
                       [_value(row[n]) for n in names])


async def build_released(url: str) -> None:
    """Apply the release's migrations to the empty database at ``url`` and write its rows."""
    import core.piccolo_conf as conf

    db = Database(url, 2)
    await db.start()
    try:
        os.environ["PICCOLO_CONF"] = "core.piccolo_conf"
        conf.DB = db.engine
        conf.APP_REGISTRY = AppRegistry(apps=["core.piccolo_app", "plugins.linkage.piccolo_app",
                                              "plugins.village_coverage.piccolo_app"])
        Migration._meta.db = db.engine
        for app, last in RELEASE.items():
            result = await ForwardsMigrationManager(app_name=app, migration_id=last).run()
            assert result.success, result.message
        entries, heads = audit_rows()
        async with db.transaction():
            for table, rows in SEEDED.items():
                await _insert(db, table, rows)
            await _insert(db, "audit_entry", entries)
            await _insert(db, "audit_head", heads)
            if db.postgres:
                for table in [*SEEDED, "audit_entry", "audit_head"]:
                    await db.fetch(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                        f'(SELECT MAX("id") FROM "{table}"))')
    finally:
        await db.stop()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    asyncio.run(build_released(f"sqlite:///{target}"))
    print(f"wrote {target}")
