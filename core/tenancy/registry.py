"""The running app's view of the tenant tree (cached, refreshed on change)."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Mapping
from typing import Any

from core.db import Database
from core.db.sql import table_info
from core.tenancy.model import TenantInfo
from core.tenancy.tables import Tenant, TenantPreference

__all__ = ["TenantRegistry"]

REFRESH_SECONDS = 5.0
MISS_RECHECK_SECONDS = 1.0


class TenantRegistry:
    """Tenants by code, reloaded when the table changed (checked every few seconds).

    Args:
        db: the database.
        defaults: default tenant settings (from the ``xuncha_tenant_settings`` hook);
            a tenant's own settings override them.
    """

    def __init__(self, db: Database, defaults: Mapping[str, Any] | None = None) -> None:
        self.db = db
        self.defaults = dict(defaults or {})
        self._by_code: dict[str, TenantInfo] = {}
        self._stamp: tuple[Any, ...] | None = None
        self._checked = 0.0
        # One lock per event loop: an app's loop, and a test's calling in directly.
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary())

    async def _current_stamp(self) -> tuple[Any, ...]:
        rows = await self.db.fetch(
            'SELECT COUNT(*) AS n, MAX("updated_at") AS t FROM "tenant"'
        )
        # The office admin's settings and plugins (``tenant_preference``) count too.
        prefs = await self.db.fetch(
            'SELECT COUNT(*) AS n, MAX("updated_at") AS t FROM "tenant_preference"'
        )
        return (rows[0]["n"], str(rows[0]["t"]), prefs[0]["n"], str(prefs[0]["t"]))

    def invalidate(self) -> None:
        """Make the next lookup re-check the tenant table (after a change elsewhere)."""
        self._checked = 0.0

    async def refresh(self, force: bool = False) -> None:
        """Reload if the tenant table changed (or always, with ``force``).

        Concurrent callers wait for a check in progress rather than reading what
        it is about to replace (the sync relay asks every second; a request right
        after ``invalidate`` must see the change).
        """
        if not force and time.monotonic() - self._checked < REFRESH_SECONDS:
            return
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        async with lock:
            if not force and time.monotonic() - self._checked < REFRESH_SECONDS:
                return  # checked by the caller we waited for
            await self._reload(force)
            self._checked = time.monotonic()

    async def _reload(self, force: bool) -> None:
        stamp = await self._current_stamp()
        if not force and stamp == self._stamp:
            return
        info = table_info(Tenant)
        rows = await self.db.fetch(
            'SELECT "id", "code", "name", "region", "level", "parent", "parent_code", "plugins", '
            '"settings" FROM "tenant" ORDER BY "id"'
        )
        prefs_info = table_info(TenantPreference)
        prefs = {int(p["tenant"]): p for p in (prefs_info.decode(r) for r in await self.db.fetch(
            'SELECT "tenant", "settings", "plugins" FROM "tenant_preference"'))}
        by_code = {}
        for raw in rows:
            row = info.decode(raw)
            pref = prefs.get(row["id"], {})
            plugins = pref.get("plugins")
            by_code[row["code"]] = TenantInfo(
                id=row["id"], code=row["code"], name=row["name"], region=row["region"],
                level=row["level"], parent_id=row["parent"], parent_code=row["parent_code"],
                plugins=tuple(row["plugins"] if plugins is None else plugins),
                settings={**self.defaults, **row["settings"], **(pref.get("settings") or {})},
                file_plugins=tuple(row["plugins"]), file_settings=dict(row["settings"]),
                admin_settings=dict(pref.get("settings") or {}),
            )
        self._by_code, self._stamp = by_code, stamp

    async def get(self, code: str) -> TenantInfo | None:
        """The tenant with ``code``, or None."""
        await self.refresh()
        tenant = self._by_code.get(code)
        if tenant is None and time.monotonic() - self._checked >= MISS_RECHECK_SECONDS:
            # Perhaps loaded a moment ago by another process (``tenants sync``);
            # unknown codes re-check at most once a second, not per request.
            self._checked = 0.0
            await self.refresh()
            tenant = self._by_code.get(code)
        return tenant

    async def all(self) -> list[TenantInfo]:
        """Every tenant, in creation order."""
        await self.refresh()
        return list(self._by_code.values())

    def children(self, tenant: TenantInfo) -> list[TenantInfo]:
        """Direct children of ``tenant`` (from the last refresh)."""
        return [t for t in self._by_code.values() if t.parent_id == tenant.id]

    def by_id(self, tenant_id: int | None) -> TenantInfo | None:
        """The tenant with ``tenant_id`` (from the last refresh)."""
        return next((t for t in self._by_code.values() if t.id == tenant_id), None)
