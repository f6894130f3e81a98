"""elevated_cross: the clues of the city's elevated inspections (referred to the city's
discipline body, never handed down)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    Date,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-06T21:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "elevated_cross: clues of elevated inspections"


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False,
                index_method=IndexMethod.btree, choices=None, db_column_name="id",
                secret=False)


def _params(default: object, null: bool = False, **extra: object) -> dict[str, object]:
    return {"default": default, "null": null, "primary_key": False, "unique": False,
            "index": False, "index_method": IndexMethod.btree, "choices": None,
            "db_column_name": None, "secret": False, **extra}


def _add(manager: MigrationManager, name: str, column_class: type,
         params: dict[str, object]) -> None:
    manager.add_column(
        table_class_name="ElevatedClue", tablename="elevated_clue", column_name=name,
        db_column_name=name, column_class_name=column_class.__name__,
        column_class=column_class, params=params, schema=None)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="elevated_cross",
                               description=DESCRIPTION)
    manager.add_table(class_name="ElevatedClue", tablename="elevated_clue", schema=None,
                      columns=None)
    _add(manager, "tenant_id", ForeignKey, _params(
        None, null=True, references=Tenant, on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade, target_column=None, index=True))
    for name in ("elevated_id", "org_id"):
        _add(manager, name, Integer, _params(0))
    _add(manager, "title", Varchar, _params("", length=200))
    _add(manager, "summary", Text, _params(""))
    _add(manager, "status", Varchar, _params("recorded", length=16))
    _add(manager, "receiving_body_name", Varchar, _params("", length=100))
    _add(manager, "referred_on", Date, _params(None, null=True))
    _add(manager, "recorded_by", Varchar, _params("", length=128))
    _add(manager, "recorded_at", Timestamptz, _params(TimestamptzNow()))
    return manager
