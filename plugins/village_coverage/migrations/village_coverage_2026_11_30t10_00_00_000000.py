"""The village coverage plugin's tables.

Written by hand in the form ``piccolo migrations new village_coverage --auto``
produces (one ``add_column`` per column), compacted with a loop; the unique
keys follow in the next migration (piccolo runs a migration's raw SQL before
its tables). The app depends on the core app (``migration_dependencies``), so
core's migrations, up to and including ``2026-11-30T01:50:00:000000``, have
run before this one.
"""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


ID = "2026-11-30T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "village_coverage: tables of targets, plan, memo, county reports, directives"

TENANT = {
    "references": Tenant,
    "on_delete": OnDelete.cascade,
    "on_update": OnUpdate.cascade,
    "target_column": None,
    "null": True,
    "index": True,
}

# (class name, table name, [(column, column class, params that differ from the base)])
TABLES: list[tuple[str, str, list[tuple[str, Any, dict[str, Any]]]]] = [
    ("CoverageOrg", "coverage_org", [
        ("tenant_id", ForeignKey, TENANT),
        ("term_id", Integer, {"default": 0}),
        ("org_id", Integer, {"default": 0}),
        ("classification", Varchar, {"length": 16, "default": "general"}),
        ("mode", Varchar, {"length": 32, "default": ""}),
        ("note", Text, {"default": ""}),
        ("covered_on", Date, {"default": None, "null": True}),
        ("covered_note", Varchar, {"length": 200, "default": ""}),
        ("updated_at", Timestamptz, {"default": TimestamptzNow()}),
    ]),
    ("CoveragePlanEntry", "coverage_plan_entry", [
        ("tenant_id", ForeignKey, TENANT),
        ("term_id", Integer, {"default": 0}),
        ("org_id", Integer, {"default": 0}),
        ("year", Integer, {"default": 0}),
        ("number", Integer, {"default": 0}),
        ("inspection_id", Integer, {"default": None, "null": True}),
        ("updated_at", Timestamptz, {"default": TimestamptzNow()}),
    ]),
    ("CoverageMemo", "coverage_memo", [
        ("tenant_id", ForeignKey, TENANT),
        ("term_id", Integer, {"default": 0}),
        ("digest", Varchar, {"length": 64, "default": ""}),
        ("updated_at", Timestamptz, {"default": TimestamptzNow()}),
    ]),
    ("CoverageCountyReport", "coverage_county_report", [
        ("tenant_id", ForeignKey, TENANT),
        ("county", Varchar, {"length": 64, "default": ""}),
        ("term_id", Integer, {"default": 0}),
        ("term_start", Date, {"default": DateNow()}),
        ("version", Varchar, {"length": 36, "default": ""}),
        ("data", JSON, {"default": "{}"}),
        ("received_at", Timestamptz, {"default": TimestamptzNow()}),
    ]),
    ("CoverageDirective", "coverage_directive", [
        ("tenant_id", ForeignKey, TENANT),
        ("direction", Varchar, {"length": 8, "default": ""}),
        ("county", Varchar, {"length": 64, "default": ""}),
        ("source_id", Integer, {"default": None, "null": True}),
        ("kind", Varchar, {"length": 16, "default": ""}),
        ("title", Varchar, {"length": 200, "default": ""}),
        ("body", Text, {"default": ""}),
        ("village_codes", JSON, {"default": "[]"}),
        ("issued_on", Date, {"default": DateNow()}),
        ("issued_by", Varchar, {"length": 128, "default": ""}),
        ("applied_on", Date, {"default": None, "null": True}),
        ("applied_by", Varchar, {"length": 128, "default": ""}),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
    ]),
]

BASE = {
    "null": False,
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}

async def forwards() -> MigrationManager:
    manager = MigrationManager(
        migration_id=ID, app_name="village_coverage", description=DESCRIPTION
    )
    for class_name, tablename, columns in TABLES:
        manager.add_table(class_name=class_name, tablename=tablename, schema=None,
                          columns=None)
        for name, column_class, params in columns:
            manager.add_column(
                table_class_name=class_name,
                tablename=tablename,
                column_name=name,
                db_column_name=name,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params={**BASE, **params},
                schema=None,
            )
    return manager
