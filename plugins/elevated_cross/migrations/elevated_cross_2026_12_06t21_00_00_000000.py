"""elevated_cross: cancellation by the city (reasons), submitting a declined cross
assignment again (its attempt, on the assignment and on each decision), and the guest
accounts a host county makes for a sending county's people in the linked topology."""

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
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-06T21:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "elevated_cross: cancellation, resubmission, guest accounts"


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False,
                index_method=IndexMethod.btree, choices=None, db_column_name="id",
                secret=False)


def _params(default: object, null: bool = False, **extra: object) -> dict[str, object]:
    return {"default": default, "null": null, "primary_key": False, "unique": False,
            "index": False, "index_method": IndexMethod.btree, "choices": None,
            "db_column_name": None, "secret": False, **extra}


def _add(manager: MigrationManager, table: str, tablename: str, name: str,
         column_class: type, params: dict[str, object]) -> None:
    manager.add_column(
        table_class_name=table, tablename=tablename, column_name=name, db_column_name=name,
        column_class_name=column_class.__name__, column_class=column_class, params=params,
        schema=None)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="elevated_cross",
                               description=DESCRIPTION)
    _add(manager, "ElevatedInspection", "elevated_inspection", "cancel_reason", Text,
         _params(""))
    _add(manager, "CrossAssignment", "cross_assignment", "attempt", Integer, _params(1))
    _add(manager, "CrossAssignment", "cross_assignment", "cancelled_on", Date,
         _params(None, null=True))
    _add(manager, "CrossDecision", "cross_decision", "attempt", Integer, _params(1))
    manager.add_table(class_name="CrossGuest", tablename="cross_guest", schema=None,
                      columns=None)
    _add(manager, "CrossGuest", "cross_guest", "tenant_id", ForeignKey, _params(
        None, null=True, references=Tenant, on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade, target_column=None, index=True))
    for name in ("cross_id", "inspection_id"):
        _add(manager, "CrossGuest", "cross_guest", name, Integer, _params(0))
    _add(manager, "CrossGuest", "cross_guest", "attempt", Integer, _params(1))
    for name, length in (("username", 64), ("person", 64), ("name", 64), ("role", 16),
                         ("team_county", 64)):
        _add(manager, "CrossGuest", "cross_guest", name, Varchar, _params("", length=length))
    for name in ("password_issued_at", "closed_at"):
        _add(manager, "CrossGuest", "cross_guest", name, Timestamptz, _params(None, null=True))
    _add(manager, "CrossGuest", "cross_guest", "closed_reason", Text, _params(""))
    return manager
