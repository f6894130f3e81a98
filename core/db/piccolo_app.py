"""The core piccolo app: tenant registry, org registry and audit trail tables."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.audit.tables import AuditEntry, AuditHead
from core.tenancy.tables import Org, Tenant

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name="core",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Tenant, Org, AuditEntry, AuditHead],
    migration_dependencies=[],
    commands=[],
)
