"""Appending to and verifying a tenant's audit hash chain.

Each entry's hash is SHA-256 over a canonical JSON of its fields and the
previous entry's hash. An entry is appended in the same transaction as the
write it records. ``verify`` recomputes the chain and says where it breaks:
an altered entry (its hash no longer matches), a removed one (a gap in
``seq``), an inserted one (a repeated ``seq`` or a broken link) or reordered
ones (broken links), and a chain that no longer ends at its recorded head.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.audit.tables import GENESIS, AuditEntry, AuditHead
from core.db import Database, TenantSession

__all__ = [
    "ChainHead", "Record", "VerifyReport", "append", "append_many", "entry_hash", "head",
    "verify",
]


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last entry of a chain (``seq`` 0 and the genesis hash when empty)."""

    seq: int
    hash: str


@dataclass
class VerifyReport:
    """The outcome of ``verify`` for one tenant."""

    tenant_id: int
    entries: int = 0
    problems: list[str] = field(default_factory=list)
    head: ChainHead | None = None

    @property
    def ok(self) -> bool:
        """Whether the chain verified."""
        return not self.problems


def _canonical_time(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(entry: Mapping[str, Any]) -> str:
    """The SHA-256 of an entry's fields (``tenant_id`` to ``prev_hash``)."""
    canonical = json.dumps(
        {
            "tenant_id": entry["tenant_id"], "seq": entry["seq"],
            "at": _canonical_time(entry["at"]), "actor": entry["actor"],
            "action": entry["action"], "object_type": entry["object_type"],
            "object_id": entry["object_id"], "detail": entry["detail"],
            "prev_hash": entry["prev_hash"],
        },
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def _locked_head(session: TenantSession) -> ChainHead:
    db, tenant = session.db, session.tenant_id
    mark = db.dialect.mark(1)
    lock = " FOR UPDATE" if db.postgres else ""
    sql = f'SELECT "seq", "hash" FROM "audit_head" WHERE "tenant_id" = {mark}{lock}'
    rows = await db.fetch(sql, [tenant], tenant)
    if not rows:
        await db.fetch(
            'INSERT INTO "audit_head" ("tenant_id", "seq", "hash", "updated_at") '
            f"VALUES ({mark}, 0, {db.dialect.mark(2)}, {db.dialect.mark(3)}) "
            'ON CONFLICT ("tenant_id") DO NOTHING RETURNING "id"',
            [tenant, GENESIS, datetime.now(UTC)], tenant,
        )
        rows = await db.fetch(sql, [tenant], tenant)
    return ChainHead(seq=int(rows[0]["seq"]), hash=rows[0]["hash"])


@dataclass(frozen=True, slots=True)
class Record:
    """What one audit entry records, before it is chained."""

    actor: str
    action: str
    object_type: str
    object_id: str | int = ""
    detail: Mapping[str, Any] | None = None


async def append(
    session: TenantSession,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int = "",
    detail: Mapping[str, Any] | None = None,
) -> ChainHead:
    """Append one entry to the session's tenant chain; returns the new head.

    Runs inside the caller's transaction (or its own), so the entry and the
    write it records commit together.
    """
    return await append_many(session, [Record(actor, action, object_type, object_id, detail)])


async def append_many(session: TenantSession, records: Sequence[Record]) -> ChainHead:
    """Append ``records`` in order, locking the head once; returns the new head.

    Runs inside the caller's transaction (or its own), like :func:`append`.
    The entries are stamped with the time they are chained (under the lock),
    so times never decrease along the chain.
    """
    async with session.transaction():
        last = await _locked_head(session)
        now = datetime.now(UTC)
        entries: list[dict[str, Any]] = []
        for record in records:
            entry: dict[str, Any] = {
                "tenant_id": session.tenant_id, "seq": last.seq + 1, "at": now,
                "actor": record.actor[:128], "action": record.action,
                "object_type": record.object_type, "object_id": str(record.object_id),
                "detail": dict(record.detail or {}), "prev_hash": last.hash,
            }
            entry["hash"] = entry_hash(entry)
            entries.append(entry)
            last = ChainHead(seq=entry["seq"], hash=entry["hash"])
        if entries:
            await session.insert(AuditEntry, entries)
            await session.update(AuditHead, {}, {"seq": last.seq, "hash": last.hash,
                                                 "updated_at": now})
    return last


async def head(session: TenantSession) -> ChainHead:
    """The tenant's recorded chain head."""
    rows = await session.list(AuditHead, limit=1)
    if not rows:
        return ChainHead(seq=0, hash=GENESIS)
    return ChainHead(seq=int(rows[0]["seq"]), hash=rows[0]["hash"])


async def verify(db: Database, tenant_id: int, batch: int = 5000) -> VerifyReport:
    """Recompute a tenant's chain and report every place where it breaks."""
    session = db.tenant(tenant_id)
    report = VerifyReport(tenant_id=tenant_id, head=await head(session))
    expected_seq, prev_hash, after = 1, GENESIS, -1
    while True:
        # Keyset pagination on seq keeps memory flat for long chains.
        rows = await session.list(AuditEntry, {"seq__gt": after}, order_by=("seq", "id"),
                                  limit=batch)
        for row in rows:
            report.entries += 1
            _check(row, expected_seq, prev_hash, report)
            expected_seq, prev_hash = int(row["seq"]) + 1, row["hash"]
        if len(rows) < batch:
            break
        after = int(rows[-1]["seq"])
    last = ChainHead(seq=expected_seq - 1, hash=prev_hash)
    if report.head is not None and last != report.head:
        if report.head.seq > last.seq:
            report.problems.append(
                f"链尾缺失：链头记录到第 {report.head.seq} 条，"
                f"实际只到第 {last.seq} 条（记录被删除）"
            )
        else:
            report.problems.append(
                f"链尾与链头不一致：链头为第 {report.head.seq} 条，实际为第 {last.seq} 条"
            )
    return report


def _check(row: dict[str, Any], expected_seq: int, prev_hash: str, report: VerifyReport) -> None:
    seq = int(row["seq"])
    if seq < expected_seq:
        report.problems.append(f"第 {seq} 条重复出现（记录被插入）")
    elif seq > expected_seq:
        missing = f"第 {expected_seq} 条" if seq == expected_seq + 1 else (
            f"第 {expected_seq}–{seq - 1} 条")
        report.problems.append(f"{missing}缺失（记录被删除）")
    if entry_hash(row) != row["hash"]:
        report.problems.append(f"第 {seq} 条内容与其哈希不符（记录被篡改）")
    elif row["prev_hash"] != prev_hash:
        report.problems.append(f"第 {seq} 条与前一条的链接断开（记录被插入、删除或调换顺序）")
