"""``Work``: audit records are chained when the transaction commits, and only then."""

from __future__ import annotations

import pytest
from litestar import Litestar

from core.audit.chain import head, verify
from core.audit.tables import AuditEntry
from core.db import Database
from core.work import Work

T = "ta.one"


@pytest.fixture()
async def work(client: object, app: Litestar, database: Database,
               tenant_ids: dict[str, int]) -> Work:
    """A unit of work of ``T`` in the running app (``client`` starts it)."""
    runtime = app.state.runtime
    tenant = await runtime.tenants.get(T)
    assert tenant is not None
    return Work(session=database.tenant(tenant_ids[T]), tenant=tenant, actor="审计测试",
                clock=runtime.clock, plugins=runtime.plugins)


async def _entries_after(database: Database, tenant_id: int, seq: int) -> list[dict[str, object]]:
    rows = await database.tenant(tenant_id).list(AuditEntry, order_by=("seq",), limit=None)
    return [r for r in rows if int(r["seq"]) > seq]


async def test_a_transaction_s_records_are_chained_in_order_at_commit(
    work: Work, database: Database
) -> None:
    tenant_id = work.session.tenant_id
    before = await head(work.session)
    async with work.transaction():
        for n in range(3):
            await work.audit("test.step", "step", n, {"第": n})
        assert await head(work.session) == before  # nothing chained before commit
        with pytest.raises(RuntimeError):
            async with work.transaction():  # a savepoint rolled back drops its record
                await work.audit("test.step", "step", "dropped")
                raise RuntimeError("回滚")
        await work.audit("test.step", "step", 3)
    added = await _entries_after(database, tenant_id, before.seq)
    assert [(e["object_id"], e["actor"]) for e in added] == [
        (str(n), "审计测试") for n in range(4)]
    assert [e["seq"] for e in added] == list(range(before.seq + 1, before.seq + 5))
    assert (await head(database.tenant(tenant_id))).seq == before.seq + 4
    assert (await verify(database, tenant_id)).ok


async def test_a_rolled_back_transaction_chains_nothing(work: Work, database: Database) -> None:
    tenant_id = work.session.tenant_id
    before = await head(work.session)
    with pytest.raises(RuntimeError):
        async with work.transaction():
            await work.audit("test.step", "step", "lost")
            raise RuntimeError("回滚")
    await work.audit("test.step", "step", "alone")  # outside a transaction: at once
    added = await _entries_after(database, tenant_id, before.seq)
    assert [e["object_id"] for e in added] == ["alone"]
    assert (await verify(database, tenant_id)).ok
