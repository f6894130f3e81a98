"""The elevated_cross plugin's piccolo app: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from plugins.elevated_cross.tables import (
    CountyVillageClass,
    CrossAssignment,
    CrossDecision,
    CrossGuest,
    ElevatedClue,
    ElevatedFinding,
    ElevatedHandover,
    ElevatedInspection,
)

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name="elevated_cross",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[ElevatedInspection, ElevatedFinding, ElevatedClue, ElevatedHandover,
                   CrossAssignment, CrossDecision, CrossGuest, CountyVillageClass],
    migration_dependencies=["core.piccolo_app"],
    commands=[],
)
