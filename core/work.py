"""``Work``: one request's unit of work in a tenant.

It carries what a service function needs besides its arguments: the
tenant-bound session, the tenant (and its settings), who acts, the clock
and the plugins. Writes go through ``work.transaction()``; inside it a
service records audit entries (``work.audit``) and emits events
(``work.emit``), which are handed to ``xuncha_on_event`` once the outermost
transaction commits and dropped if it rolls back.
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
    _pending: list[Envelope] = field(default_factory=list)
    _depth: int = 0

    def setting(self, key: str) -> Any:
        """The tenant's effective setting ``key`` (defaults merged)."""
        return self.tenant.settings[key]

    def emit(self, event: Event) -> None:
        """Queue ``event``; it is dispatched when the transaction commits."""
        self._pending.append(envelope(event, self.tenant.code, self.clock.now()))

    async def audit(self, action: str, object_type: str, object_id: int | str = "",
                    detail: Mapping[str, Any] | None = None) -> None:
        """Append an entry to the tenant's audit chain (inside the transaction)."""
        await chain.append(self.session, actor=self.actor, action=action,
                           object_type=object_type, object_id=object_id, detail=detail)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """A transaction of the tenant; events go out after the outermost commits."""
        mark = len(self._pending)
        self._depth += 1
        try:
            async with self.session.transaction():
                yield
        except BaseException:
            del self._pending[mark:]
            raise
        finally:
            self._depth -= 1
        if self._depth == 0 and self._pending:
            sent, self._pending = self._pending, []
            await dispatch(self.plugins, sent, self.tenant)
