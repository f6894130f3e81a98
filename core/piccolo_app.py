"""The core piccolo app: tenants, orgs, identity, the audit trail, the inspection workflow, sync."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.audit.tables import AuditEntry, AuditHead
from core.authz.tables import CasbinRule, PolicyVersion
from core.db.schedule import ScheduledRun
from core.db.stamps import DataStamp
from core.identity.tables import Account, AccountSession, ApiToken, LoginFailure
from core.inspection import tables as inspection
from core.sync.tables import Replica, SyncInbox, SyncOutbox, SyncState
from core.tenancy.tables import Org, Tenant, TenantPreference

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name="core",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Tenant, TenantPreference, Org, AuditEntry, AuditHead, Account,
                   AccountSession, ApiToken, CasbinRule, SyncOutbox, SyncInbox, Replica, SyncState,
                   LoginFailure, PolicyVersion, ScheduledRun, DataStamp,
                   *(getattr(inspection, name) for name in inspection.__all__)],
    migration_dependencies=[],
    commands=[],
)
