"""An event recorder: what the running app emitted and what it handed on after commit.

It listens on the plugin manager with pluggy's own call tracing
(``PluginManager.add_hookcall_monitoring``), so it registers no plugin,
changes no result and sees every tenant, whatever plugins a tenant enabled:

- ``xuncha_sync_outgoing`` is called inside a transaction, just before it
  commits, with the envelopes it emitted: they are recorded as ``emitted``;
- ``xuncha_on_event`` is called once per event after the transaction
  committed (and for events delivered from another tenant): ``committed``.

An event emitted in a transaction that rolled back at commit is ``emitted``
but never ``committed``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from core.events import Envelope
from core.plugins import Plugins

__all__ = ["EventRecorder", "RecordedEvent"]

Stage = Literal["emitted", "committed"]


@dataclass(frozen=True)
class RecordedEvent:
    """One event seen by the recorder.

    Attributes:
        stage: ``emitted`` (before commit) or ``committed`` (handed to ``xuncha_on_event``).
        tenant: the code of the tenant the event was emitted in or delivered to.
        envelope: the event's envelope (``envelope.payload`` is the event).
    """

    stage: Stage
    tenant: str
    envelope: Envelope

    @property
    def type(self) -> str:
        """The event's type name (its tag)."""
        return self.envelope.type

    @property
    def payload(self) -> Any:
        """The event itself."""
        return self.envelope.payload


class EventRecorder:
    """Records the events of one plugin manager while it is started.

    Args:
        plugins: the app's plugin manager (``app.state.runtime.plugins``).
    """

    def __init__(self, plugins: Plugins) -> None:
        self.plugins = plugins
        self.records: list[RecordedEvent] = []
        self._lock = threading.Lock()
        self._undo: Callable[[], None] | None = None

    def start(self) -> None:
        """Begin recording (the app may already be running)."""
        if self._undo is None:
            self._undo = self.plugins.pm.add_hookcall_monitoring(self._before, self._after)

    def stop(self) -> None:
        """Stop recording; what was recorded stays."""
        if self._undo is not None:
            self._undo()
            self._undo = None

    def clear(self) -> None:
        """Forget what was recorded."""
        with self._lock:
            self.records.clear()

    def _before(self, hook_name: str, hook_impls: Sequence[Any],
                kwargs: Mapping[str, Any]) -> None:
        if hook_name == "xuncha_sync_outgoing":
            work = kwargs["work"]
            found = [RecordedEvent("emitted", work.tenant.code, env) for env in kwargs["events"]]
        elif hook_name == "xuncha_on_event":
            found = [RecordedEvent("committed", kwargs["tenant"].code, kwargs["event"])]
        else:
            return
        with self._lock:
            self.records.extend(found)

    def _after(self, outcome: Any, hook_name: str, hook_impls: Sequence[Any],
               kwargs: Mapping[str, Any]) -> None:
        return None

    def _select(self, stage: Stage, type_: str | None, tenant: str | None) -> list[Envelope]:
        with self._lock:
            return [r.envelope for r in self.records
                    if r.stage == stage and (type_ is None or r.type == type_)
                    and (tenant is None or r.tenant == tenant)]

    def emitted(self, type_: str | None = None, tenant: str | None = None) -> list[Envelope]:
        """Envelopes emitted (seen just before their transaction committed), oldest first.

        Args:
            type_: only events of this type (tag), e.g. ``"finding.recorded"``.
            tenant: only events of this tenant (code).
        """
        return self._select("emitted", type_, tenant)

    def committed(self, type_: str | None = None, tenant: str | None = None) -> list[Envelope]:
        """Envelopes handed to ``xuncha_on_event`` after commit, oldest first.

        Args:
            type_: only events of this type (tag).
            tenant: only events handed to this tenant (code).
        """
        return self._select("committed", type_, tenant)

    def types(self, stage: Stage = "committed") -> list[str]:
        """The type names recorded at ``stage``, in order."""
        with self._lock:
            return [r.type for r in self.records if r.stage == stage]

    async def wait_for(self, type_: str, tenant: str | None = None, timeout: float = 5.0,
                       stage: Stage = "committed") -> Envelope:
        """The first event of ``type_`` recorded at ``stage``, waiting up to ``timeout`` s
        (for events delivered by sync, which arrive after the request that caused them).

        Raises:
            TimeoutError: none arrived in time; the message lists what did.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self._select(stage, type_, tenant)
            if found:
                return found[0]
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no {stage} event {type_!r} within {timeout} s; "
                                   f"recorded: {self.types(stage)}")
            await asyncio.sleep(0.05)
