"""elevated_cross: the city's flag allowing a county's own inspection of an elevated org in
the same year, its verification of the county's rectification, and the side each cross
team post comes from."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Boolean, Date, Text, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T06:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "elevated_cross: county allowance and rectification verification"


def _params(default: object, null: bool = False, **extra: object) -> dict[str, object]:
    return {"default": default, "null": null, "primary_key": False, "unique": False,
            "index": False, "index_method": IndexMethod.btree, "choices": None,
            "db_column_name": None, "secret": False, **extra}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="elevated_cross",
                               description=DESCRIPTION)
    columns = [
        ("allow_county", Boolean, _params(False)),
        ("verification", Varchar, _params("", length=16)),
        ("verification_reason", Text, _params("")),
        ("verified_on", Date, _params(None, null=True)),
    ]
    for name, column_class, params in columns:
        manager.add_column(
            table_class_name="ElevatedInspection", tablename="elevated_inspection",
            column_name=name, db_column_name=name, column_class_name=column_class.__name__,
            column_class=column_class, params=params, schema=None)
    manager.add_column(
        table_class_name="CrossAssignment", tablename="cross_assignment",
        column_name="posts", db_column_name="posts", column_class_name="JSON",
        column_class=JSON, params=_params("{}"), schema=None)
    return manager
