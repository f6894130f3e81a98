"""A plugin for sync tests: travelling event types whose application leaves a trace.

Loaded in-process by the tests and, through ``XUNCHA_PLUGINS``, by the
``xuncha sync run`` processes the reliability tests start and kill. Each
applied event appends an audit entry, so a test can count effects: exactly
one per event, whatever crashed on the way.
"""

from __future__ import annotations

from typing import Any

from core.contributions import SyncSubject
from core.events import Event
from core.hookspecs import hookimpl

__all__ = ["APPLIED_ACTION", "NoteRecorded", "NoticeIssued", "TallyReported"]

APPLIED_ACTION = "synctest.applied"


class NoteRecorded(Event, frozen=True, kw_only=True, tag="note.recorded"):
    """A county's note, reported up; the latest per note is kept by the city."""

    note_id: int
    text: str
    revision: int = 1

    def entity(self) -> str:
        return f"note:{self.note_id}"


class TallyReported(Event, frozen=True, kw_only=True, tag="tally.reported"):
    """A county's count, reported up. Applying it writes the inbox row and the
    replica and nothing else (no hook effect): what the sync benchmark sends to
    measure the sync path alone."""

    tally_id: int
    text: str

    def entity(self) -> str:
        return f"tally:{self.tally_id}"


class NoticeIssued(Event, frozen=True, kw_only=True, tag="notice.issued"):
    """A city's notice to one county or to all."""

    notice_id: int
    text: str

    def entity(self) -> str:
        return f"notice:{self.notice_id}"


@hookimpl
def xuncha_event_types() -> list[type[Event]]:
    return [NoteRecorded, NoticeIssued, TallyReported]


@hookimpl
def xuncha_sync_subjects() -> list[SyncSubject]:
    return [SyncSubject(direction="up", entity="note", verbs=("recorded",)),
            SyncSubject(direction="up", entity="tally", verbs=("reported",)),
            SyncSubject(direction="down", entity="notice", verbs=("issued",))]


@hookimpl
async def xuncha_sync_received(event: Any, work: Any) -> None:
    if event.type in ("note.recorded", "notice.issued"):
        await work.audit(APPLIED_ACTION, event.type, event.id)
