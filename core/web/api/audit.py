"""The audit chain head of a tenant, for its parent to keep (``/t/{tenant}/api/audit``)."""

from __future__ import annotations

import msgspec
from litestar import get

from core.audit import chain
from core.web.deps import Session

__all__ = ["AuditHeadOut", "audit_head"]


class AuditHeadOut(msgspec.Struct, kw_only=True):
    """The last entry of the tenant's audit chain."""

    seq: int
    hash: str


@get("/t/{tenant:str}/api/audit/head", opt={"action": "audit:head"}, tags=["审计"],
     summary="审计链链头")
async def audit_head(session: Session) -> AuditHeadOut:
    """Sequence number and hash of the tenant's latest audit entry."""
    head = await chain.head(session)
    return AuditHeadOut(seq=head.seq, hash=head.hash)
