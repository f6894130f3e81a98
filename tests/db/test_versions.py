"""``data_version``: changes with this tenant's rows, not with another tenant's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.db import Database
from core.db.versions import data_version
from core.sync.memos import sync_version, write_memo
from core.sync.tables import Replica, SyncState


async def test_the_version_follows_this_tenants_rows_only(
        database: Database, tenant_ids: dict[str, int]) -> None:
    mine, theirs = database.tenant(tenant_ids["ta"]), database.tenant(tenant_ids["tb"])
    before = await sync_version(mine)
    assert await sync_version(mine) == before  # stable while nothing changes
    await write_memo(theirs, "versions-test", {"n": 1})
    assert await sync_version(mine) == before  # another tenant's change is not ours
    await write_memo(mine, "versions-test", {"n": 1})
    after_memo = await sync_version(mine)
    assert after_memo != before
    (row_id,) = await mine.insert(Replica, [{
        "origin": "zz.versions", "kind": "county", "key": "zz.versions", "version": "1",
        "type": "test", "data": {}, "occurred_at": datetime.now(UTC)}])
    inserted = await sync_version(mine)
    assert inserted != after_memo
    await mine.update(Replica, {"id": row_id}, {"version": "2"})
    assert await sync_version(mine) != inserted
    await mine.delete(Replica, {"id": row_id})
    assert await sync_version(mine) not in (inserted, before)


async def test_an_unknown_column_is_a_programming_error(
        database: Database, tenant_ids: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="no column"):
        await data_version(database.tenant(tenant_ids["ta"]), {SyncState: ("nope",)})
