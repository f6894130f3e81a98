"""The linkage plugin's piccolo app: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from plugins.linkage.tables import Directive, DirectiveItem

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name="linkage",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Directive, DirectiveItem],
    # Directive items point at core's ledger items: core's tables come first.
    migration_dependencies=["core.piccolo_app"],
    commands=[],
)
