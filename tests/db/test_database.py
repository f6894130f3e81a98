"""The tenant-bound session: the tenant filter is always there."""

from __future__ import annotations

import pytest

from core.db import CrossTenantError, Database
from core.db.database import MAX_PARAMETERS
from core.tenancy.tables import Org, Tenant


async def test_reads_see_only_the_sessions_tenant(
    database: Database, tenant_ids: dict[str, int]
) -> None:
    a, b = database.tenant(tenant_ids["ta"]), database.tenant(tenant_ids["tb"])
    a_rows = await a.list(Org, limit=None)
    b_rows = await b.list(Org, limit=None)
    assert {r["tenant_id"] for r in a_rows} == {tenant_ids["ta"]}
    assert {r["tenant_id"] for r in b_rows} == {tenant_ids["tb"]}
    b_id = b_rows[0]["id"]
    assert await a.get(Org, b_id) is None
    assert await a.list(Org, {"id": b_id}) == []
    assert await a.count(Org, {"id": [r["id"] for r in b_rows]}) == 0


async def test_writes_cannot_touch_another_tenant(
    database: Database, tenant_ids: dict[str, int]
) -> None:
    a, b = database.tenant(tenant_ids["ta"]), database.tenant(tenant_ids["tb"])
    victim = (await b.list(Org, limit=1))[0]
    assert await a.update(Org, {"id": victim["id"]}, {"name": "被篡改"}) == []
    assert await a.delete(Org, {"id": victim["id"]}) == []
    assert (await b.get(Org, victim["id"]))["name"] == victim["name"]  # type: ignore[index]
    # tenant_id in the row is ignored: the session's tenant wins.
    (new_id,) = await a.insert(Org, [{"code": "X-ins", "name": "新单位", "kind": "department",
                                     "tenant_id": tenant_ids["tb"]}])
    assert await b.get(Org, new_id) is None
    assert (await a.get(Org, new_id))["tenant_id"] == tenant_ids["ta"]  # type: ignore[index]
    assert await a.delete(Org, {"id": new_id}) == [new_id]
    with pytest.raises(ValueError):
        await a.update(Org, {"id": new_id}, {"tenant_id": tenant_ids["tb"]})


async def test_shared_tables_are_refused(database: Database, tenant_ids: dict[str, int]) -> None:
    with pytest.raises(TypeError, match="tenant_id"):
        await database.tenant(tenant_ids["ta"]).list(Tenant)


async def test_a_transaction_stays_with_one_tenant(
    database: Database, tenant_ids: dict[str, int]
) -> None:
    a, b = database.tenant(tenant_ids["ta"]), database.tenant(tenant_ids["tb"])
    with pytest.raises(CrossTenantError):
        async with a.transaction():
            await b.list(Org)


async def test_transaction_rolls_back_on_error(
    database: Database, tenant_ids: dict[str, int]
) -> None:
    a = database.tenant(tenant_ids["ta"])
    before = await a.count(Org)
    with pytest.raises(RuntimeError):
        async with a.transaction():
            await a.insert(Org, [{"code": "X-rb", "name": "回滚", "kind": "department"}])
            raise RuntimeError("boom")
    assert await a.count(Org) == before


async def test_large_inserts_are_chunked(database: Database, tenant_ids: dict[str, int]) -> None:
    a = database.tenant(tenant_ids["ta.one"])
    rows = [{"code": f"BULK{i:05d}", "name": f"批量{i}", "kind": "village", "active": False}
            for i in range(MAX_PARAMETERS // 8 + 500)]  # more parameters than one statement takes
    ids = await a.insert(Org, rows)
    assert len(ids) == len(set(ids)) == len(rows)
    assert await a.count(Org, {"active": False, "kind": "village"}) >= len(rows)
    assert len(await a.delete(Org, {"id": ids})) == len(rows)


async def test_page_returns_total_in_one_call(
    database: Database, tenant_ids: dict[str, int]
) -> None:
    a = database.tenant(tenant_ids["ta.one"])
    rows, total = await a.page(Org, limit=2, order_by=("code",))
    assert total == await a.count(Org)
    assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)
    assert "_total" not in rows[0]
    empty, total_past_end = await a.page(Org, limit=2, offset=10_000)
    assert empty == [] and total_past_end == total


async def test_search_escapes_wildcards(database: Database, tenant_ids: dict[str, int]) -> None:
    a = database.tenant(tenant_ids["ta.one"])
    assert await a.count(Org, search=(("name",), "%")) == 0
    assert await a.count(Org, search=(("name",), "张庄")) == 1


async def test_rows_of_one_insert_may_give_different_columns(
    database: Database, tenant_ids: dict[str, int]
) -> None:
    a = database.tenant(tenant_ids["ta"])
    ids = await a.insert(Org, [
        {"code": "X-mix1", "name": "甲", "kind": "department", "sort": 7},
        {"code": "X-mix2", "name": "乙", "kind": "department", "active": False},
    ])
    rows = {r["code"]: r for r in await a.list(Org, {"id": ids})}
    assert rows["X-mix1"]["sort"] == 7 and bool(rows["X-mix1"]["active"]) is True
    assert rows["X-mix2"]["sort"] == 0 and bool(rows["X-mix2"]["active"]) is False
    await a.delete(Org, {"id": ids})
