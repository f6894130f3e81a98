"""The core piccolo app: tenant registry and org registry tables."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.tenancy.tables import Org, Tenant

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name="core",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Tenant, Org],
    migration_dependencies=[],
    commands=[],
)
