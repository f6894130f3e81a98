"""The village coverage plugin's piccolo app: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from plugins.village_coverage.tables import (
    CoverageCountyReport,
    CoverageDirective,
    CoverageMemo,
    CoverageOrg,
    CoveragePlanEntry,
)

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name="village_coverage",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[CoverageOrg, CoveragePlanEntry, CoverageMemo, CoverageCountyReport,
                   CoverageDirective],
    # The tenant table of core, which every table here points at, comes first.
    migration_dependencies=["core.piccolo_app"],
    commands=[],
)
