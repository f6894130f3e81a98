"""The sample plugin's piccolo app: its table and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from xuncha_sample_plugin.tables import SampleNote

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name="sample",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[SampleNote],
    migration_dependencies=["core.piccolo_app"],
    commands=[],
)
