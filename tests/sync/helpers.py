"""A deployment of its own for sync tests: a scratch database, a real nats-server,
the sync service, and a small plugin with travelling event types."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from core.cli.sync import sync_runtime
from core.db import Database
from core.events import Event
from core.plugins import Plugins
from core.settings import Settings
from core.sync.service import SyncService
from core.tenancy.loader import sync_tree
from core.tenancy.model import OrgSpec, TenantSpec
from core.tenancy.tables import OrgKind, TenantLevel
from core.work import Work
from tests.conftest import RunDatabase, make_settings, migrate_database, scratch_database
from tests.sync import fault_plugin

T = TypeVar("T")

CITY = TenantSpec(code="sc", name="同步市委巡察办", level=TenantLevel.city, orgs=[
    OrgSpec(code="D001", name="同步市财政局", kind=OrgKind.department)])
COUNTY_A = TenantSpec(code="sc.a", name="同步甲县委巡察办", level=TenantLevel.county,
                      parent="sc", orgs=[OrgSpec(code="D001", name="甲县财政局",
                                                 kind=OrgKind.department)])
COUNTY_B = TenantSpec(code="sc.b", name="同步乙县委巡察办", level=TenantLevel.county,
                      parent="sc", orgs=[OrgSpec(code="D001", name="乙县财政局",
                                                 kind=OrgKind.department)])
TREE = [CITY, COUNTY_A, COUNTY_B]


def sync_plugins(settings: Settings) -> Plugins:
    """The platform's plugins plus the test plugin (:mod:`tests.sync.fault_plugin`)."""
    plugins = Plugins(settings)
    plugins.add(fault_plugin, "synctest", "测试")
    return plugins


def prepare_database(run_db: RunDatabase, home: Path, tree: list[TenantSpec]) -> None:
    """Migrate ``run_db`` (with the test plugin loaded) and load ``tree`` into it."""
    settings = make_settings(home, run_db)
    plugins = sync_plugins(settings)

    async def prepare() -> None:
        await migrate_database(settings, plugins)
        admin = Database(run_db.admin_url)
        await admin.start()
        try:
            await sync_tree(admin, tree)
        finally:
            await admin.stop()

    asyncio.run(prepare())


@contextmanager
def deployment_database(tmp: Path, label: str, tree: list[TenantSpec]) -> Iterator[RunDatabase]:
    """A migrated scratch database holding ``tree``."""
    with scratch_database(tmp, label) as run_db:
        prepare_database(run_db, tmp / f"{label}-home", tree)
        yield run_db


@asynccontextmanager
async def running(settings: Settings, plugins: Plugins, service: bool = True
                  ) -> AsyncIterator[Any]:
    """The sync runtime (and its service, unless ``service`` is False), started."""
    async with sync_runtime(settings, plugins) as runtime:
        runtime.sync = SyncService(runtime) if service else None
        if runtime.sync is not None:
            await runtime.sync.start()
        try:
            yield runtime
        finally:
            if runtime.sync is not None:
                await runtime.sync.stop()


async def work_in(runtime: Any, code: str, actor: str = "test") -> Work:
    """A unit of work in tenant ``code``."""
    tenant = await runtime.tenants.get(code)
    assert tenant is not None, code
    return Work(session=runtime.db.tenant(tenant.id), tenant=tenant, actor=actor,
                clock=runtime.clock, plugins=runtime.plugins)


async def emit(runtime: Any, code: str, event: Event, to: str | None = None) -> str:
    """Emit ``event`` in tenant ``code`` in a transaction of its own; returns the event id."""
    work = await work_in(runtime, code)
    async with work.transaction():
        env = work.emit(event, to=to)
    return env.id


async def eventually(probe: Callable[[], Awaitable[T]], timeout: float = 60.0,
                     what: str = "condition") -> T:
    """Poll ``probe`` until it returns something truthy (raises after ``timeout`` s)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what} (last: {value!r})")
        await asyncio.sleep(0.05)


async def rows(runtime: Any, code: str, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of ``sql`` (``{}`` placeholders numbered for the dialect, tenant first)."""
    tenant = await runtime.tenants.get(code)
    assert tenant is not None
    db = runtime.db
    marks = [db.dialect.mark(i + 1) for i in range(len(args) + 1)]
    result: list[dict[str, Any]] = await db.fetch(sql.format(*marks), [tenant.id, *args],
                                                  tenant.id)
    return result
