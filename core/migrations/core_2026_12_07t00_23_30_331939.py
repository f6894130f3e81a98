"""Data stamps (``data_stamp``): one number per tenant, and one for shared data, grown by
every committed write (see ``core.db.stamps``)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T00:23:30:331939"
VERSION = "1.38.0"
DESCRIPTION = "core: data stamps"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="core", description=DESCRIPTION
    )

    manager.add_table(
        class_name="DataStamp", tablename="data_stamp", schema=None, columns=None
    )

    manager.add_column(
        table_class_name="DataStamp",
        tablename="data_stamp",
        column_name="scope",
        db_column_name="scope",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": True,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="DataStamp",
        tablename="data_stamp",
        column_name="stamp",
        db_column_name="stamp",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
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
