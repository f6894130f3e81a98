"""``Work``: one request's unit of work in a tenant.

It carries what a service function needs besides its arguments: the
tenant-bound session, the tenant (and its settings), who acts, the clock
and the plugins. Writes go through ``work.transaction()``; inside it a
service records audit entries (``work.audit``) and emits events
(``work.emit``), which are handed to ``xuncha_on_event`` once the outermost
transaction commits and dropped if it rolls back. Events that travel
(declared in ``xuncha_sync_subjects``) are also written to the sync outbox
inside that transaction, after ``xuncha_sync_outgoing`` has had its say.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from core.audit import chain
from core.clock import Clock
from core.db import TenantSession
from core.events import Envelope, Event, dispatch, envelope
from core.plugins import Plugins
from core.sync import outbox
from core.tenancy.model import TenantInfo

__all__ = ["Work"]


@dataclass
class Work:
    """The context of one unit of work in one tenant."""

    session: TenantSession
    tenant: TenantInfo
    actor: str
    clock: Clock
    plugins: Plugins
    #: Emitted events with the county each ``down`` one is for (None: every county).
    _pending: list[tuple[Envelope, str | None]] = field(default_factory=list)
    #: Audit records of the open transaction, chained just before it commits.
    _audits: list[chain.Record] = field(default_factory=list)
    _depth: int = 0

    def setting(self, key: str) -> Any:
        """The tenant's effective setting ``key`` (defaults merged)."""
        return self.tenant.settings[key]

    def emit(self, event: Event, *, to: str | None = None) -> Envelope:
        """Queue ``event``; it is dispatched when the transaction commits.

        Args:
            event: the event.
            to: for a ``down`` event, the county it is for (None: every county).
        """
        env = envelope(event, self.tenant.code, self.clock.now())
        self._pending.append((env, to))
        return env

    async def audit(self, action: str, object_type: str, object_id: int | str = "",
                    detail: Mapping[str, Any] | None = None) -> None:
        """Record an entry for the tenant's audit chain.

        Inside a transaction the entries are chained together just before it
        commits (one lock of the chain head for all of them), and dropped with
        it if it rolls back; outside one, the entry is appended at once.
        """
        record = chain.Record(self.actor, action, object_type, object_id, detail)
        if self._depth:
            self._audits.append(record)
        else:
            await chain.append_many(self.session, [record])

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """A transaction of the tenant; events go out after the outermost commits."""
        mark, audit_mark = len(self._pending), len(self._audits)
        self._depth += 1
        written = 0
        try:
            async with self.session.transaction():
                yield
                if self._depth == 1:
                    if self._pending:
                        written = await self._write_outbox()
                    if self._audits:
                        records, self._audits = self._audits, []
                        await chain.append_many(self.session, records)
        except BaseException:
            del self._pending[mark:]
            del self._audits[audit_mark:]
            raise
        finally:
            self._depth -= 1
        if self._depth == 0:
            if written:
                outbox.notify(self.tenant.id)
            if self._pending:
                sent, self._pending = self._pending, []
                await dispatch(self.plugins, [env for env, _ in sent], self.tenant)

    async def _write_outbox(self) -> int:
        """Derive the travelling events and write them to the outbox (before commit)."""
        await self.plugins.call("xuncha_sync_outgoing", self.tenant.plugins,
                                events=[env for env, _ in self._pending], work=self)
        return await outbox.write(self.session, self.tenant, self.plugins, self._pending)
