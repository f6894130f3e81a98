"""Clues (问题线索) of the city's elevated inspections: the city owns them.

The city's team records a clue at one target org; it is referred to the
city's discipline body (市纪委监委) and to no other: an elevated inspection is
the city's, so are its clues, whoever manages the cadre. Clues never travel
down with the problems handed over to the county (``elevated.handed_over``
carries findings only).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec

from core.api import Conflict, FieldError, IdField, Invalid, NotFound, Work
from plugins.elevated_cross.model import require_city
from plugins.elevated_cross.tables import ElevatedClue, ElevatedInspection

__all__ = ["CITY_DISCIPLINE", "ClueIn", "ClueOut", "clues_of", "record_clue", "refer_clue"]

CITY_DISCIPLINE = "市纪委监委"
"""The only receiving body of an elevated inspection's clues."""


class ClueIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A clue found at one target org."""

    org_id: IdField
    title: Annotated[str, msgspec.Meta(max_length=200)]
    summary: Annotated[str, msgspec.Meta(max_length=5000)] = ""


class ClueOut(msgspec.Struct, kw_only=True):
    """A clue as the city shows it."""

    id: int
    org_id: int
    org_name: str
    title: str
    summary: str
    status: str
    status_label: str
    receiving_body_name: str
    referred_on: date | None


_LABELS = {"recorded": "已登记", "referred": f"已移交{CITY_DISCIPLINE}"}


def _out(row: dict[str, Any], names: dict[int, str]) -> ClueOut:
    return ClueOut(id=row["id"], org_id=row["org_id"], org_name=names.get(row["org_id"], ""),
                   title=row["title"], summary=row["summary"], status=row["status"],
                   status_label=_LABELS.get(row["status"], row["status"]),
                   receiving_body_name=row["receiving_body_name"],
                   referred_on=row["referred_on"])


async def _elevated(work: Work, elevated_id: int) -> dict[str, Any]:
    require_city(work.tenant)
    row = await work.session.get(ElevatedInspection, elevated_id)
    if row is None:
        raise NotFound("提级巡察不存在")
    return row


def _names(row: dict[str, Any]) -> dict[int, str]:
    return {t["org_id"]: t["name"] for t in row["targets"] or []}


async def clues_of(work: Work, elevated_id: int) -> list[ClueOut]:
    """The clues of one elevated inspection of the city, oldest first."""
    row = await _elevated(work, elevated_id)
    rows = await work.session.list(ElevatedClue, {"elevated_id": elevated_id},
                                   order_by=("id",), limit=None)
    return [_out(r, _names(row)) for r in rows]


async def record_clue(work: Work, elevated_id: int, data: ClueIn) -> ClueOut:
    """Record a clue at one target org (not in a cancelled inspection).

    Raises:
        NotFound: no such elevated inspection of the city.
        Invalid: an org not among the targets, an empty title.
        Conflict: the inspection was cancelled.
    """
    async with work.transaction():
        row = await _elevated(work, elevated_id)
        if row["status"] == "withdrawn":
            raise Conflict.on("elevated_id", "该提级巡察已撤销，不能登记问题线索")
        names = _names(row)
        errors = []
        if data.org_id not in names:
            errors.append(FieldError("org_id", "该对象不是本次提级巡察的巡察对象"))
        if not data.title.strip():
            errors.append(FieldError("title", "请填写线索标题"))
        if errors:
            raise Invalid(errors)
        (clue_id,) = await work.session.insert(ElevatedClue, [{
            "elevated_id": elevated_id, "org_id": data.org_id, "title": data.title.strip(),
            "summary": data.summary.strip(), "recorded_by": work.actor[:128],
            "recorded_at": work.clock.now()}])
        await work.audit("elevated.clue", "elevated_inspection", elevated_id,
                         {"clue_id": clue_id, "org_id": data.org_id})
        stored = await work.session.get(ElevatedClue, clue_id)
        assert stored is not None
    return _out(stored, names)


async def refer_clue(work: Work, elevated_id: int, clue_id: int) -> ClueOut:
    """Refer a recorded clue to the city's discipline body (the only one it may go to).

    Raises:
        NotFound: no such clue of this elevated inspection.
        Conflict: referred already.
    """
    async with work.transaction():
        row = await _elevated(work, elevated_id)
        clue = await work.session.get(ElevatedClue, clue_id)
        if clue is None or clue["elevated_id"] != elevated_id:
            raise NotFound("该提级巡察没有这条问题线索")
        changed = await work.session.update(
            ElevatedClue, {"id": clue_id, "status": "recorded"},
            {"status": "referred", "receiving_body_name": CITY_DISCIPLINE,
             "referred_on": work.clock.today()})
        if not changed:
            raise Conflict.on("clue_id", "该线索已移交")
        await work.audit("elevated.clue_refer", "elevated_inspection", elevated_id,
                         {"clue_id": clue_id, "receiving_body": CITY_DISCIPLINE})
        stored = await work.session.get(ElevatedClue, clue_id)
        assert stored is not None
    return _out(stored, _names(row))
