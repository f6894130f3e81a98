"""The piccolo app of the rural_revitalization plugin: its table and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from xuncha_rural_revitalization.tables import Record

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name="rural_revitalization",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Record],
    # The core's tables (tenant) come first.
    migration_dependencies=["core.piccolo_app"],
    commands=[],
)
