"""Steps shared by the evaluation tests on the shared app (county ``ta.one``, city ``ta``)."""

from __future__ import annotations

import itertools
import time
from datetime import timedelta
from typing import Any

from core.clock import Clock
from core.db import Database
from core.inspection.tables import RectificationItem, RectificationReport
from tests.inspection.helpers import Client, ok
from tests.inspection.seed import seed_inspection

__all__ = ["COUNTY", "api", "create", "marker", "page", "seeded", "sign_off"]

COUNTY = "ta.one"
_serial = itertools.count(1)


def marker(label: str) -> str:
    """A text no other test uses."""
    return f"{label}{next(_serial)}-{time.monotonic_ns() % 10**8}"


def api(tenant: str, path: str) -> str:
    """``/t/<tenant>/api/evaluation/<path>``."""
    return f"/t/{tenant}/api/evaluation/{path}"


def page(tenant: str, path: str = "") -> str:
    """``/t/<tenant>/evaluation[/<path>]``."""
    return f"/t/{tenant}/evaluation" + (f"/{path}" if path else "")


async def seeded(database: Database, tenant_ids: dict[str, int], tenant: str = COUNTY, *,
                 stage: str = "sustained", submitted_late_by: int = 0,
                 report_in: bool = True) -> dict[str, Any]:
    """An inspection of ``tenant`` in ``stage`` whose unit reported its rectification.

    Its ledger: the seed's open item (deadline long past: overdue), plus one closed
    item. The report was due 30 days ago, submitted ``submitted_late_by`` days after.
    """
    ids = await seed_inspection(database, tenant_ids[tenant], marker("评估"), stage=stage)
    session = database.tenant(tenant_ids[tenant])
    today = Clock().today()
    due = today - timedelta(days=30)
    await session.update(RectificationItem, {"id": ids["item_id"]},
                         {"deadline": today - timedelta(days=40)})
    await session.insert(RectificationItem, [{
        "inspection_id": ids["inspection_id"], "org_id": ids["org_id"],
        "problem": "已销号的问题", "deadline": today - timedelta(days=50),
        "status": "closed", "closed_on": today - timedelta(days=55)}])
    await session.update(RectificationReport, {"id": ids["report_id"]}, {
        "due_date": due,
        "submitted_on": due + timedelta(days=submitted_late_by) if report_in else None})
    return ids


async def create(client: Any, ids: dict[str, Any], tenant: str = COUNTY,
                 group: str = "张三、李四") -> dict[str, Any]:
    """An evaluation of the seeded unit, created through the API."""
    return ok(await client.post(api(tenant, "evaluations"), json={  # type: ignore[no-any-return]
        "inspection_id": ids["inspection_id"], "org_id": ids["org_id"],
        "group_members": group}), 201)


async def sign_off(client: Client, signer: Any, evaluation_id: int,
                   tenant: str = COUNTY) -> dict[str, Any]:
    """Submitted by ``client``, signed off by ``signer`` (another person)."""
    ok(await client.post(api(tenant, f"evaluations/{evaluation_id}/submit")))
    return ok(await signer.post(  # type: ignore[no-any-return]
        api(tenant, f"evaluations/{evaluation_id}/sign")))


async def signed_evaluations(app: Any, client: Any, database: Database, tenant: str,
                             inspection_id: int) -> list[dict[str, Any]]:
    """Every inspected unit evaluated through the plugin's API (``client`` scores, a new
    leading-group member signs off): what the ``evaluated`` stage needs. A unit whose
    rectification report is not in yet has it recorded as submitted today first."""
    from core.inspection.tables import InspectionTarget
    from tests.conftest import acting_as

    signer, _ = await acting_as(app, client, database, "leading_group", tenant)
    tenant_id = (await database.fetch(
        f'SELECT "id" FROM "tenant" WHERE "code" = {database.dialect.mark(1)}',
        [tenant]))[0]["id"]
    session = database.tenant(tenant_id)
    today = app.state.runtime.clock.today()
    done = []
    for target in await session.list(InspectionTarget, {"inspection_id": inspection_id},
                                     limit=None):
        where = {"inspection_id": inspection_id, "org_id": target["org_id"]}
        if not await session.update(RectificationReport, {**where, "submitted_on": None},
                                    {"submitted_on": today}) and \
                not await session.count(RectificationReport, where):
            await session.insert(RectificationReport, [{**where, "due_date": today,
                                                        "submitted_on": today}])
        made = await create(client, {**where}, tenant)
        done.append(await sign_off(client, signer, made["id"], tenant))
    return done
