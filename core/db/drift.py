"""Do an app's table classes and its migrations agree?

The schema its migrations build (piccolo's ``SchemaSnapshot``) is compared
with its table classes by piccolo's ``SchemaDiffer``, the same comparison
``piccolo migrations new <app> --auto`` makes: any difference means a
migration is missing (or a table was changed by mistake).
"""

from __future__ import annotations

import contextlib
import io
import re

from piccolo.apps.migrations.auto import DiffableTable, SchemaDiffer, SchemaSnapshot
from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.conf.apps import AppConfig
from piccolo.table import Table

__all__ = ["describe_statement", "schema_drift", "table_schema"]

# SchemaDiffer's properties, each a kind of change, in the order piccolo lists them.
_CHANGES = [
    ("create_tables", "table without a migration"),
    ("drop_tables", "table dropped but still migrated"),
    ("rename_tables", "table renamed"),
    ("change_table_schemas", "table moved to another schema"),
    ("new_table_columns", "column of a new table"),
    ("new_table_constraints", "constraint of a new table"),
    ("drop_columns", "column in the migrations only"),
    ("add_columns", "column without a migration"),
    ("rename_columns", "column renamed"),
    ("alter_columns", "column changed"),
    ("drop_constraints", "constraint in the migrations only"),
    ("add_constraints", "constraint without a migration"),
]
_FIELD = re.compile(r"\b(tablename|column_name|old_column_name|new_column_name"
                    r"|constraint_name|class_name)=['\"]([^'\"]+)['\"]")


def table_schema(table: type[Table]) -> DiffableTable:
    """A table class as piccolo's differ sees it."""
    return DiffableTable(
        class_name=table.__name__,
        tablename=table._meta.tablename,
        columns=table._meta.non_default_columns,
        constraints=table._meta.constraints,
        schema=table._meta.schema,
    )


def describe_statement(statement: str) -> str:
    """``table.column`` (or the table, or constraint) named by a migration statement."""
    fields = dict(_FIELD.findall(statement))
    table = fields.get("tablename") or fields.get("class_name", "?")
    part = (fields.get("column_name") or fields.get("new_column_name")
            or fields.get("constraint_name"))
    return f"{table}.{part}" if part else table


async def schema_drift(app: AppConfig, tables: list[type[Table]] | None = None) -> list[str]:
    """Differences between an app's table classes and what its migrations create.

    Args:
        app: the piccolo app (its migrations folder is read).
        tables: table classes to compare instead of the app's own (to test
            this check with a changed copy).

    Returns:
        One line per difference, ``"<kind>: <table>.<column>"``; empty when
        they agree.
    """
    managers = await BaseMigrationManager().get_migration_managers(app_config=app)
    snapshot = SchemaSnapshot(managers).get_snapshot()
    current = [table_schema(t) for t in (app.table_classes if tables is None else tables)]
    # "n": never ask whether a table or column was renamed; a rename shows as
    # a drop and an add, which is still a difference.
    differ = SchemaDiffer(schema=current, schema_snapshot=snapshot, auto_input="n")
    found: list[str] = []
    with contextlib.redirect_stdout(io.StringIO()):
        for attribute, kind in _CHANGES:
            for statement in getattr(differ, attribute).statements:
                found.append(f"{kind}: {describe_statement(statement)}")
    return found
