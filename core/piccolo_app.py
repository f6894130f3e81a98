"""The core piccolo app: tenants, orgs, the audit trail, the inspection workflow, sync, linkage."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.audit.tables import AuditEntry, AuditHead
from core.authz.tables import CasbinRule
from core.identity.tables import Account, AccountSession, ApiToken
from core.inspection import tables as inspection
from core.sync.tables import Replica, SyncInbox, SyncOutbox, SyncState
from core.tenancy.tables import Org, Tenant
from plugins.linkage.tables import Directive, DirectiveItem

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name="core",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Tenant, Org, AuditEntry, AuditHead, Account, AccountSession, ApiToken,
                   CasbinRule, SyncOutbox, SyncInbox, Replica, SyncState,
                   *(getattr(inspection, name) for name in inspection.__all__),
                   Directive, DirectiveItem],
    migration_dependencies=[],
    commands=[],
)
