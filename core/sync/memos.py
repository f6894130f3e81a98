"""A tenant's small sync memos (table ``sync_state``): what was last published, what was asked.

One row per ``(tenant, key)``; the value is any JSON. Writes are upserts, so
two processes writing the same memo never collide on the unique index.
Plugins use them through :mod:`core.api` (e.g. linkage remembers the
profile and audit head it last reported); a plugin prefixes keys it could
share with another by its name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from core.db import TenantSession
from core.db.sql import table_info
from core.db.versions import data_version
from core.sync.tables import Replica, SyncState

__all__ = ["read_memos", "sync_version", "write_memo"]


async def read_memos(session: TenantSession, keys: Sequence[str]) -> dict[str, Any]:
    """The values of the memos ``keys`` that exist, by key."""
    rows = await session.list(SyncState, {"key": list(keys)}, limit=None)
    return {row["key"]: row["value"] for row in rows}


async def write_memo(session: TenantSession, key: str, value: Any) -> None:
    """Set memo ``key`` to ``value`` (in the caller's transaction, or one of its own)."""
    db = session.db
    mark = db.dialect.mark
    encoded = table_info(SyncState).encode("value", value)
    async with session.transaction():
        await db.fetch(
            'INSERT INTO "sync_state" ("tenant_id", "key", "value", "updated_at") '
            f"VALUES ({mark(1)}, {mark(2)}, {mark(3)}, {mark(4)}) "
            'ON CONFLICT ("tenant_id", "key") DO UPDATE SET "value" = excluded."value", '
            '"updated_at" = excluded."updated_at" RETURNING "id"',
            [session.tenant_id, key, encoded, datetime.now(UTC)], session.tenant_id,
        )


async def sync_version(session: TenantSession) -> str:
    """A cheap version of what sync brought this tenant: its replicas and its memos.

    It changes whenever a replica is written (``received_at``, the event id)
    or a memo is set; a city's pages built from its counties' reports poll
    it (ETag, 304 while unchanged).
    """
    return await data_version(session, {Replica: ("received_at", "version"),
                                         SyncState: ("updated_at",)})
