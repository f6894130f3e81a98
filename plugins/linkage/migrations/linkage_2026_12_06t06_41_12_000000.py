from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T06:41:12:000000"
VERSION = "1.38.0"
DESCRIPTION = "linkage: a deployment names the inspection kind its counties run"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="linkage", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Directive",
        tablename="directive",
        column_name="inspection_kind",
        db_column_name="inspection_kind",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 32,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
