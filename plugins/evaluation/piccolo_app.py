"""The evaluation plugin's piccolo app: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from plugins.evaluation.tables import (
    EvaluationCountyResult,
    EvaluationInterview,
    LookbackCarriedItem,
    LookbackLink,
    OfficeEvaluation,
    UnitEvaluation,
)

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name="evaluation",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[UnitEvaluation, LookbackLink, EvaluationCountyResult, LookbackCarriedItem,
                   EvaluationInterview, OfficeEvaluation],
    # The tenant table of core, which every table here points at, comes first.
    migration_dependencies=["core.piccolo_app"],
    commands=[],
)
