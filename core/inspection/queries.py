"""Small typed reads of the workflow's records, for plugins and pages.

Each takes the tenant's session (``work.session`` or the ``Session``
dependency), so it reads that tenant's rows only, and returns plain rows
(dicts keyed by column name). Plugins read through these rather than
through the tables, so a column moving stays the core's business.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from core.db import TenantSession
from core.inspection.tables import Inspection, InspectionTarget, Round, Term
from core.tenancy.tables import Org

__all__ = ["inspections_with_targets", "list_orgs", "list_rounds", "list_terms"]

Row = dict[str, Any]


async def list_orgs(session: TenantSession, *, active: bool | None = True,
                    kinds: Sequence[str] | None = None) -> list[Row]:
    """The tenant's inspected orgs in their display order.

    Args:
        session: the tenant's session.
        active: only active orgs (``True``), only retired ones (``False``) or all (``None``).
        kinds: only orgs of these ``OrgKind`` values.
    """
    where: dict[str, Any] = {}
    if active is not None:
        where["active"] = active
    if kinds is not None:
        where["kind"] = [str(kind) for kind in kinds]
    return await session.list(Org, where, order_by=("sort", "id"), limit=None)


async def list_terms(session: TenantSession, *, newest_first: bool = False) -> list[Row]:
    """The tenant's terms (届) by start date."""
    order = ("-start_date", "id") if newest_first else ("start_date", "id")
    return await session.list(Term, order_by=order, limit=None)


async def list_rounds(session: TenantSession, *, term_id: int | None = None) -> list[Row]:
    """The tenant's rounds (of one term if given) by year and number."""
    where = {"term_id": term_id} if term_id is not None else None
    return await session.list(Round, where, order_by=("year", "number", "id"), limit=None)


async def inspections_with_targets(
    session: TenantSession, *, round_ids: Sequence[int] | None = None,
    feedback_between: tuple[date, date] | None = None,
) -> list[Row]:
    """Inspections, each with ``org_ids``: the orgs it inspects.

    Args:
        session: the tenant's session.
        round_ids: inspections of these rounds.
        feedback_between: also (or, without ``round_ids``, only) the inspections
            whose feedback was given between these days, both included.
    """
    found: dict[int, Row] = {}
    if round_ids is not None or feedback_between is None:
        where = {"round_id": list(round_ids)} if round_ids is not None else None
        found.update((r["id"], r) for r in await session.list(Inspection, where, limit=None))
    if feedback_between is not None:
        first, last = feedback_between
        found.update((r["id"], r) for r in await session.list(
            Inspection, {"feedback_on__gte": first, "feedback_on__lte": last}, limit=None))
    links = await session.list(InspectionTarget, {"inspection_id": list(found)},
                               limit=None) if found else []
    targets: dict[int, list[int]] = {}
    for link in links:
        targets.setdefault(link["inspection_id"], []).append(link["org_id"])
    return [{**row, "org_ids": targets.get(row_id, [])} for row_id, row in found.items()]
