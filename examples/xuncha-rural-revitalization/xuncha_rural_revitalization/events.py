"""Events of the rural_revitalization plugin."""

from __future__ import annotations

from core.api import Event

__all__ = ["RecordAdded"]


class RecordAdded(Event, frozen=True, kw_only=True, tag="rural_revitalization_record.added"):
    """A check record (检查记录) was added to an inspection."""

    tenant: str
    record_id: int
    inspection_id: int
    title: str

    def entity(self) -> str:
        return f"rural_revitalization_record:{self.record_id}"
