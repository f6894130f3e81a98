"""The rural_revitalization_record table (written by ``xuncha plugin new``).

Change the table with a new migration: ``piccolo migrations new rural_revitalization --auto``
(with ``PICCOLO_CONF=core.piccolo_conf``); the plugin's tests fail while the table
classes and the migrations differ.
"""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Date, ForeignKey, Integer, Serial, Text, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(
        null=False, primary_key=True, unique=False, index=False,
        index_method=IndexMethod.btree, choices=None, db_column_name="id", secret=False,
    )


ID = "2026-12-06T06:21:03:000000"
VERSION = "1.38.0"
DESCRIPTION = "rural_revitalization_record: check records of the rural_revitalization special inspection"


def _params(**params: Any) -> dict[str, Any]:
    base = {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
            "secret": False}
    return {**base, **params}


COLUMNS: list[tuple[str, Any, dict[str, Any]]] = [
    ("tenant_id", ForeignKey, _params(
        references=Tenant, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade,
        target_column=None, null=True, index=True)),
    ("inspection_id", Integer, _params(default=0)),
    ("org_id", Integer, _params(default=None, null=True)),
    ("title", Varchar, _params(length=200, default="")),
    ("note", Text, _params(default="")),
    ("recorded_on", Date, _params(default=DateNow())),
    ("recorded_by", Varchar, _params(length=100, default="")),
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="rural_revitalization", description=DESCRIPTION)
    manager.add_table(class_name="Record", tablename="rural_revitalization_record", schema=None,
                      columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="Record", tablename="rural_revitalization_record", column_name=name,
            db_column_name=name, column_class_name=column_class.__name__,
            column_class=column_class, params=params, schema=None,
        )
    return manager
