"""Storage: engines, the tenant-bound session, migrations and RLS."""

from core.db.database import CrossTenantError, Database, TenantSession

__all__ = ["CrossTenantError", "Database", "TenantSession"]
