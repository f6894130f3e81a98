"""Shared steps for the paper, attachment and finding tests.

``plugged_in`` registers a test object as a plugin for the duration of a
block (to record events or add finding categories) and removes it after.
``sign_off_team`` seats a deputy leader and a leader with accounts on a
seeded inspection's team: only they may review and sign its papers.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.audit.tables import AuditEntry
from core.db import Database
from core.events import Envelope
from core.hookspecs import hookimpl
from core.inspection.tables import Inspection, TeamMember
from tests.conftest import ActingClient, acting_as
from tests.inspection.seed import seed_inspection

__all__ = [
    "Client",
    "EventRecorder",
    "SignOffTeam",
    "audit_entries",
    "paper_body",
    "plugged_in",
    "set_stage",
    "sign_off_team",
    "today",
    "workspace",
]

Client = AsyncTestClient[Litestar]
COUNTY = "ta.one"
_markers = itertools.count(1)


def today(app: Litestar, days: int = 0) -> str:
    """The app clock's date (China), ``days`` later, as ISO text."""
    return (app.state.runtime.clock.today() + timedelta(days=days)).isoformat()


async def workspace(database: Database, tenant_ids: dict[str, int],
                    stage: str = "onsite") -> dict[str, Any]:
    """A seeded inspection of the county tenant in ``stage`` (ids by seed key)."""
    marker = f"底稿测试{next(_markers)}"
    return await seed_inspection(database, tenant_ids[COUNTY], marker, stage=stage)


async def set_stage(database: Database, tenant_ids: dict[str, int], inspection_id: int,
                    stage: str) -> None:
    """Put an inspection in ``stage`` directly (the stage machine is tested elsewhere)."""
    await database.tenant(tenant_ids[COUNTY]).update(Inspection, {"id": inspection_id},
                                                      {"stage": stage})


def paper_body(app: Litestar, org_id: int, number: str, **extra: Any) -> dict[str, Any]:
    """A valid new-paper body."""
    return {
        "number": number, "title": "违规发放津贴补贴", "paper_date": today(app, -3),
        "org_id": org_id, "source": "documents", "summary": "2025年以“加班费”名义发放补贴12万元。",
        "how_found": "查阅2025年财务凭证", "materials": ["记账凭证第35号", "发放名单"],
        **extra,
    }


async def audit_entries(database: Database, tenant_ids: dict[str, int], action: str,
                        object_id: int) -> list[dict[str, Any]]:
    """The county tenant's audit entries of ``action`` on ``object_id``."""
    return await database.tenant(tenant_ids[COUNTY]).list(
        AuditEntry, {"action": action, "object_id": str(object_id)}, order_by=("seq",),
        limit=None)


class EventRecorder:
    """A test plugin recording the events handed to ``xuncha_on_event``.

    Args:
        tenants: Codes of the tenants whose events to record (all when ``None``).
            Other tests' tenants may share the database, and the app's periodic
            work emits for every tenant it serves.
    """

    def __init__(self, tenants: set[str] | None = None) -> None:
        self.events: list[Envelope] = []
        self.tenants = tenants

    @hookimpl
    def xuncha_on_event(self, event: Envelope, tenant: Any) -> None:
        if self.tenants is None or tenant.code in self.tenants:
            self.events.append(event)

    def of(self, type_: str) -> list[Any]:
        """Payloads of the recorded events of ``type_``."""
        return [e.payload for e in self.events if e.type == type_]


@contextmanager
def plugged_in(app: Litestar, plugin: Any) -> Iterator[Any]:
    """``plugin`` (an object with hook implementations) loaded for the block."""
    plugins = app.state.runtime.plugins
    name = f"test_{type(plugin).__name__.lower()}_{id(plugin)}"
    plugins.add(plugin, name, "测试")
    try:
        yield plugin
    finally:
        plugins.remove(name)


@dataclass(frozen=True)
class SignOffTeam:
    """A seeded inspection's deputy leader and leader, each acting through a token."""

    deputy: ActingClient
    deputy_name: str
    leader: ActingClient
    leader_name: str


async def sign_off_team(app: Litestar, client: Client, database: Database,
                        tenant_ids: dict[str, int], inspection_id: int,
                        tenant: str = COUNTY) -> SignOffTeam:
    """Accounts (no tenant role) seated as the deputy and the leader of the inspection's
    team, authorised since yesterday; the new leader takes the seeded leader's place."""
    session = database.tenant(tenant_ids[tenant])
    since = datetime.now(UTC) - timedelta(days=1)
    deputy, deputy_name = await acting_as(app, client, database, None, tenant)
    leader, leader_name = await acting_as(app, client, database, None, tenant)
    await session.update(TeamMember, {"inspection_id": inspection_id, "role": "leader"},
                         {"person": leader_name, "name": "测试组长", "home_tenant": tenant,
                          "authorized_at": since})
    if not await session.count(TeamMember, {"inspection_id": inspection_id,
                                            "person": leader_name}):
        await session.insert(TeamMember, [{
            "inspection_id": inspection_id, "person": leader_name, "name": "测试组长",
            "home_tenant": tenant, "role": "leader", "authorized_at": since}])
    await session.insert(TeamMember, [{
        "inspection_id": inspection_id, "person": deputy_name, "name": "测试副组长",
        "home_tenant": tenant, "role": "deputy", "authorized_at": since}])
    return SignOffTeam(deputy=deputy, deputy_name=deputy_name, leader=leader,
                       leader_name=leader_name)
