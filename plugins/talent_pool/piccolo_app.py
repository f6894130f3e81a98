"""The talent pool plugin's piccolo app: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from plugins.talent_pool.tables import (
    TalentAppraisal,
    TalentAvailability,
    TalentHistory,
    TalentPerson,
    TalentRelation,
    TalentSecondment,
    TalentSecondmentNominee,
    TalentSecondmentRequest,
)

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name="talent_pool",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[TalentPerson, TalentHistory, TalentRelation, TalentAvailability,
                   TalentAppraisal, TalentSecondmentRequest, TalentSecondmentNominee,
                   TalentSecondment],
    # The tenant table of core, which every table here points at, comes first.
    migration_dependencies=["core.piccolo_app"],
    commands=[],
)
