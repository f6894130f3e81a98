"""The audit hash chain: every write appends; each kind of tampering is caught."""

from __future__ import annotations

from collections.abc import AsyncIterator
from itertools import pairwise

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.audit.chain import GENESIS, append, entry_hash, head, verify
from core.audit.tables import AuditEntry
from core.db import Database
from core.tenancy.loader import sync_tree
from core.tenancy.model import TenantSpec
from core.tenancy.tables import TenantLevel


@pytest.fixture()
async def chain_tenant(database: Database) -> AsyncIterator[int]:
    """A fresh tenant whose chain holds five entries."""
    import secrets

    code = "audit" + secrets.token_hex(3)
    await sync_tree(database, [TenantSpec(code=code, name="审计测试办", level=TenantLevel.county)])
    rows = await database.fetch('SELECT "id" FROM "tenant" WHERE "code" = '
                                + database.dialect.mark(1), [code])
    tenant_id = int(rows[0]["id"])
    session = database.tenant(tenant_id)
    for i in range(5):
        await append(session, actor="测试员", action="org.update", object_type="org",
                     object_id=i, detail={"名称": f"单位{i}", "n": i})
    yield tenant_id


async def _tamper(database: Database, sql: str, *args: object) -> None:
    async with database.transaction():
        await database.fetch(sql, list(args))


def _m(database: Database, n: int) -> str:
    return database.dialect.mark(n)


async def test_an_intact_chain_verifies(database: Database, chain_tenant: int) -> None:
    report = await verify(database, chain_tenant)
    assert report.ok and report.entries == 5
    assert report.head is not None and report.head.seq == 5
    rows = await database.tenant(chain_tenant).list(AuditEntry, order_by=("seq",), limit=None)
    assert rows[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in pairwise(rows))
    assert all(entry_hash(r) == r["hash"] for r in rows)


async def test_altered_entry_is_caught(database: Database, chain_tenant: int) -> None:
    await _tamper(database, f'UPDATE "audit_entry" SET "actor" = {_m(database, 1)} '
                  f'WHERE "tenant_id" = {_m(database, 2)} AND "seq" = 3', "他人", chain_tenant)
    report = await verify(database, chain_tenant)
    assert report.problems == ["第 3 条内容与其哈希不符（记录被篡改）"]


async def test_removed_entry_is_caught(database: Database, chain_tenant: int) -> None:
    await _tamper(database, f'DELETE FROM "audit_entry" WHERE "tenant_id" = {_m(database, 1)} '
                  'AND "seq" = 2', chain_tenant)
    problems = (await verify(database, chain_tenant)).problems
    assert "第 2 条缺失（记录被删除）" in problems
    assert any("第 3 条与前一条的链接断开" in p for p in problems)


async def test_removed_tail_is_caught_by_the_head(database: Database, chain_tenant: int) -> None:
    await _tamper(database, f'DELETE FROM "audit_entry" WHERE "tenant_id" = {_m(database, 1)} '
                  'AND "seq" >= 4', chain_tenant)
    problems = (await verify(database, chain_tenant)).problems
    assert problems == ["链尾缺失：链头记录到第 5 条，实际只到第 3 条（记录被删除）"]


async def test_inserted_entry_is_caught(database: Database, chain_tenant: int) -> None:
    rows = await database.tenant(chain_tenant).list(AuditEntry, {"seq": 2}, limit=None)
    forged = {**rows[0], "actor": "伪造者", "detail": {"伪造": True}}
    forged["hash"] = entry_hash(forged)  # even a well-formed hash does not fit the chain
    del forged["id"]
    # Make room: the unique (tenant, seq) index forbids a duplicate, so shift the tail.
    await _tamper(database, f'UPDATE "audit_entry" SET "seq" = "seq" + 100 '
                  f'WHERE "tenant_id" = {_m(database, 1)} AND "seq" >= 3', chain_tenant)
    forged["seq"] = 3
    forged["prev_hash"] = rows[0]["hash"]
    forged["hash"] = entry_hash(forged)
    await database.tenant(chain_tenant).insert(AuditEntry, [forged])
    problems = (await verify(database, chain_tenant)).problems
    assert problems, "an inserted entry must break the chain"
    assert any("缺失" in p or "链接断开" in p or "不符" in p for p in problems)


async def test_reordered_entries_are_caught(database: Database, chain_tenant: int) -> None:
    m1, m2 = _m(database, 1), _m(database, 2)
    await _tamper(database, f'UPDATE "audit_entry" SET "seq" = 99 WHERE "tenant_id" = {m1} '
                  'AND "seq" = 2', chain_tenant)
    await _tamper(database, f'UPDATE "audit_entry" SET "seq" = 2 WHERE "tenant_id" = {m1} '
                  'AND "seq" = 4', chain_tenant)
    await _tamper(database, f'UPDATE "audit_entry" SET "seq" = 4 WHERE "tenant_id" = {m1} '
                  f'AND "seq" = {m2}', chain_tenant, 99)
    problems = (await verify(database, chain_tenant)).problems
    assert any("第 2 条" in p for p in problems) and any("第 4 条" in p for p in problems)


async def test_org_writes_through_the_api_are_audited(
    client: AsyncTestClient[Litestar], database: Database, tenant_ids: dict[str, int]
) -> None:
    session = database.tenant(tenant_ids["ta.one"])
    before = await head(session)
    created = await client.post("/t/ta.one/api/orgs", json={
        "code": "AUD1", "name": "审计测试局", "kind": "department"})
    assert created.status_code == 201
    org_id = created.json()["id"]
    await client.patch(f"/t/ta.one/api/orgs/{org_id}", json={"name": "审计测试局（改）"})
    after = await head(session)
    assert after.seq == before.seq + 2
    entries = await session.list(AuditEntry, {"seq__gt": before.seq}, order_by=("seq",))
    assert [e["action"] for e in entries] == ["org.create", "org.update"]
    assert entries[0]["actor"] == "tester"  # the signed-in account
    assert entries[1]["detail"] == {"name": "审计测试局（改）"}
    refused = await client.post("/t/ta.one/api/orgs", json={"code": "AUD1", "name": "重复",
                                                            "kind": "department"})
    assert refused.status_code == 409
    assert (await head(session)) == after  # a refused write leaves no entry
    api_head = (await client.get("/t/ta.one/api/audit/head")).json()
    assert api_head == {"seq": after.seq, "hash": after.hash}
    assert (await verify(database, tenant_ids["ta.one"])).ok


async def test_tenant_sync_is_audited(database: Database, tenant_ids: dict[str, int]) -> None:
    entries = await database.tenant(tenant_ids["tb"]).list(AuditEntry, {"action": "orgs.sync"})
    assert entries and entries[0]["actor"] == "cli:tenants-sync"
    assert "T09V001" in entries[0]["detail"]["created"]
