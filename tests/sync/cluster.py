"""Real processes for the reliability tests: a city hub (one server, or a cluster of
several) and county leaf nats-servers (configured by ``xuncha nats-config``) and one
``xuncha sync run`` process per deployment, each deployment with a database of its own.

The test process plays the offices: it commits changes (and so outbox rows)
straight into a deployment's database, as ``xuncha serve`` would, and reads
the results back as the database owner.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sysconfig
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.db import Database
from core.events import Event
from core.messaging.embedded import EmbeddedNats, free_port
from core.plugins import Plugins
from core.settings import Settings, load_settings
from core.sync.natsconfig import generate, hub_files
from core.tenancy.model import TenantSpec
from core.tenancy.registry import TenantRegistry
from core.work import Work
from tests.conftest import REPO, RunDatabase, scratch_database
from tests.sync.fault_plugin import APPLIED_ACTION
from tests.sync.helpers import CITY, COUNTY_A, COUNTY_B, prepare_database

__all__ = ["Cluster", "Deployment", "cluster"]

XUNCHA = Path(sysconfig.get_path("scripts")) / "xuncha"


def _read_env(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


@dataclass
class Deployment:
    """One deployment: its tenants, its database and its ``xuncha sync run`` process."""

    label: str
    tenants: list[TenantSpec]
    db: RunDatabase
    home: Path
    nats_env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    logs: list[Path] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        """The environment of its processes (the test plugin loaded)."""
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")},
            "PYTHONPATH": str(REPO), "XUNCHA_HOME": str(self.home),
            "XUNCHA_DATABASE_URL": self.db.app_url,
            "XUNCHA_DATABASE_ADMIN_URL": self.db.admin_url,
            "XUNCHA_DATABASE_POOL_SIZE": "2", "XUNCHA_PLUGINS": "tests.sync.fault_plugin",
            "XUNCHA_LOG_LEVEL": "INFO", **self.nats_env,
        }

    def settings(self) -> Settings:
        """Settings of the test process for this deployment (as the database owner)."""
        env = {k: v for k, v in self.env.items() if k.startswith("XUNCHA_")}
        env["XUNCHA_DATABASE_URL"] = self.db.admin_url
        return load_settings(env)

    def start(self, crash_at: str | None = None) -> None:
        """Start ``xuncha sync run`` (optionally set to kill itself at a crash point)."""
        assert self.process is None or self.process.poll() is not None
        self.starts += 1
        env = self.env | ({"XUNCHA_TEST_CRASH_AT": crash_at} if crash_at else {})
        log = self.home / f"sync-{self.starts}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            self.process = subprocess.Popen([str(XUNCHA), "sync", "run"], env=env, cwd=REPO,
                                            stdout=out, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        """SIGKILL: no cleanup, as in a power cut."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM, as an operator would; SIGKILL if it does not stop."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def wait_exit(self, timeout: float = 30.0) -> int:
        """Wait for the process to end by itself (a crash point); its return code."""
        assert self.process is not None
        return self.process.wait(timeout)

    def running(self) -> bool:
        """Whether its process is alive."""
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        """The end of its latest log, for failure messages."""
        if not self.logs:
            return ""
        text = self.logs[-1].read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


class Offices:
    """The test process's hands in every deployment's database (an event loop of its own)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._open: dict[str, tuple[Database, TenantRegistry, Plugins]] = {}

    def run(self, coro: Any) -> Any:
        """Run ``coro`` on the offices' loop."""
        return self.loop.run_until_complete(coro)

    async def _parts(self, deployment: Deployment) -> tuple[Database, TenantRegistry, Plugins]:
        if deployment.label not in self._open:
            settings = deployment.settings()
            db = Database(settings.database_url, 2)
            await db.start()
            plugins = Plugins(settings)
            from core.app import piccolo_apps
            from core.db.migrate import app_tables, bind_tables

            bind_tables(db, app_tables(piccolo_apps(plugins)))
            defaults = {s.key: s.default for s in plugins.gather_now("xuncha_tenant_settings")}
            self._open[deployment.label] = (db, TenantRegistry(db, defaults), plugins)
        return self._open[deployment.label]

    def database(self, deployment: Deployment) -> Database:
        """The deployment's database as its owner (use it on :meth:`run`)."""
        db, _, _ = self.run(self._parts(deployment))
        return db

    def emit(self, deployment: Deployment, code: str, events: list[Event],
             to: str | None = None, per_transaction: int = 50) -> None:
        """Commit ``events`` in tenant ``code`` of ``deployment``, ``per_transaction`` at a time."""
        async def body() -> None:
            from core.clock import Clock

            db, tenants, plugins = await self._parts(deployment)
            tenant = await tenants.get(code)
            assert tenant is not None
            for start in range(0, len(events), per_transaction):
                work = Work(session=db.tenant(tenant.id), tenant=tenant, actor="test",
                            clock=Clock(), plugins=plugins)
                async with work.transaction():
                    for event in events[start:start + per_transaction]:
                        work.emit(event, to=to)

        self.run(body())

    def emit_paced(self, deployment: Deployment, code: str, events: list[Event],
                   rate: float) -> list[tuple[str, float]]:
        """Commit ``events`` one per transaction, ``rate`` a second on a steady schedule.

        Returns:
            (event id, ``time.time()`` when its transaction committed) per event,
            taken by an ``outbox`` listener, which ``Work`` calls right after the
            commit (before the event's in-process handlers run).
        """
        async def body() -> list[tuple[str, float]]:
            from core.clock import Clock
            from core.sync import outbox

            db, tenants, plugins = await self._parts(deployment)
            tenant = await tenants.get(code)
            assert tenant is not None
            stamps: list[float] = []

            def committed(tenant_id: int) -> None:
                stamps.append(time.time())

            done: list[tuple[str, float]] = []
            outbox.listen(committed)
            try:
                start = time.monotonic()
                for index, event in enumerate(events):
                    delay = start + index / rate - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    work = Work(session=db.tenant(tenant.id), tenant=tenant, actor="test",
                                clock=Clock(), plugins=plugins)
                    stamps.clear()
                    async with work.transaction():
                        env = work.emit(event)
                    assert stamps, f"{event!r} does not travel: no outbox row committed"
                    done.append((env.id, stamps[0]))
            finally:
                outbox.unlisten(committed)
            return done

        result: list[tuple[str, float]] = self.run(body())
        return result

    def rows(self, deployment: Deployment, sql: str, *args: Any) -> list[dict[str, Any]]:
        """The rows ``sql`` returns (placeholders ``{}``, numbered for the dialect)."""
        async def body() -> list[dict[str, Any]]:
            db, _, _ = await self._parts(deployment)
            marks = [db.dialect.mark(i + 1) for i in range(len(args))]
            return await db.fetch(sql.format(*marks), list(args))

        result: list[dict[str, Any]] = self.run(body())
        return result

    def count(self, deployment: Deployment, sql: str, *args: Any) -> int:
        """The single number ``sql`` returns (placeholders ``{}``, numbered for the dialect)."""
        return int(next(iter(self.rows(deployment, sql, *args)[0].values())))

    def applied(self, deployment: Deployment, event_type: str) -> tuple[int, int]:
        """(inbox rows, effects) of ``event_type`` applied in ``deployment``."""
        inbox = self.count(deployment, 'SELECT COUNT(*) AS n FROM "sync_inbox" '
                           'WHERE "type" = {} AND "status" = \'applied\'', event_type)
        effects = self.count(deployment, 'SELECT COUNT(*) AS n FROM "audit_entry" '
                             'WHERE "action" = {} AND "object_type" = {}',
                             APPLIED_ACTION, event_type)
        return inbox, effects

    def outbox(self, deployment: Deployment) -> int:
        """Rows waiting in the deployment's outbox."""
        return self.count(deployment, 'SELECT COUNT(*) AS n FROM "sync_outbox"')

    def close(self) -> None:
        """Close the databases and the loop."""
        for db, _, _ in self._open.values():
            self.loop.run_until_complete(db.stop())
        self.loop.close()


@dataclass
class Cluster:
    """A city hub and two county leaves, and the three deployments.

    ``hub`` is the hub's first server; ``hubs`` all of them (a hub cluster's nodes).
    """

    hub: EmbeddedNats
    leaves: dict[str, EmbeddedNats]
    city: Deployment
    counties: dict[str, Deployment]
    offices: Offices
    hubs: list[EmbeddedNats] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.hubs:
            self.hubs = [self.hub]

    @property
    def deployments(self) -> list[Deployment]:
        """The city's deployment, then the counties'."""
        return [self.city, *self.counties.values()]

    def wait(self, what: str, probe: Any, timeout: float = 60.0) -> float:
        """Poll ``probe()`` until truthy; returns the seconds it took (raises with logs)."""
        start = time.monotonic()
        while not probe():
            if time.monotonic() - start > timeout:
                logs = "\n".join(f"--- {d.label} ---\n{d.log_tail()}" for d in self.deployments)
                raise AssertionError(f"timed out waiting for {what}\n{logs}")
            time.sleep(0.05)
        return time.monotonic() - start

    def ensure_running(self) -> None:
        """Every server and process up (a test may have left one down)."""
        for server in [*self.hubs, *self.leaves.values()]:
            if server.process is None or server.process.poll() is not None:
                server.start()
        for deployment in self.deployments:
            if not deployment.running():
                deployment.start()


def _free_run(count: int) -> int:
    """A port ``p`` with ``p`` … ``p + count - 1`` free (two county leaves, hub nodes)."""
    import socket

    for _ in range(50):
        port = free_port()
        if port + count - 1 <= 65535:
            try:
                for offset in range(1, count):
                    with socket.socket() as probe:
                        probe.bind(("127.0.0.1", port + offset))
                return port
            except OSError:
                continue
    raise RuntimeError(f"no {count} consecutive free ports")


@contextmanager
def cluster(tmp: Path, tls: bool = False, hub_nodes: int = 1) -> Iterator[Cluster]:
    """Start the hub, two leaves and three ``xuncha sync run`` processes; stop them after.

    Args:
        tmp: where everything lives (configuration, stores, homes, logs).
        tls: link the leaves to the hub with mutual TLS (``nats-config --tls``).
        hub_nodes: servers of the hub; above one, a cluster (``nats-config --cluster``)
            of that many nodes on 127.0.0.1.
    """
    configs = tmp / "nats"
    topology, _ = generate([CITY, COUNTY_A, COUNTY_B], configs, hub_port=_free_run(hub_nodes),
                           leaf_port=_free_run(hub_nodes), county_port_base=_free_run(2),
                           store_dir=tmp / "store", tls_dir=configs / "tls" if tls else None,
                           nodes=hub_nodes, cluster_port=_free_run(hub_nodes))
    with ExitStack() as stack:
        databases = {}
        for label, tree in (("city", [CITY]), ("a", [COUNTY_A]), ("b", [COUNTY_B])):
            databases[label] = stack.enter_context(scratch_database(tmp, f"fault{label}"))
            (tmp / f"{label}-home").mkdir(parents=True, exist_ok=True)
            prepare_database(databases[label], tmp / f"{label}-home", tree)
        hubs = []
        for name, _ in hub_files(topology):
            server = EmbeddedNats(tmp / f"{name.removesuffix('.conf')}-run",
                                  config_file=configs / name)
            server.start()
            stack.callback(server.stop)
            hubs.append(server)
        leaves = {}
        for county in topology.counties:
            leaf = EmbeddedNats(tmp / f"leaf-{county.token}-run",
                                config_file=configs / f"leaf-{county.token}.conf")
            leaf.start()
            stack.callback(leaf.stop)
            leaves[county.code] = leaf
        city = Deployment("city", [CITY], databases["city"], tmp / "city-home",
                          _read_env(configs / f"{topology.city_token}.env"))
        counties = {
            spec.code: Deployment(label, [spec], databases[label], tmp / f"{label}-home",
                                  _read_env(configs / f"{spec.code.replace('.', '-')}.env"))
            for label, spec in (("a", COUNTY_A), ("b", COUNTY_B))
        }
        offices = Offices()
        stack.callback(offices.close)
        for deployment in [city, *counties.values()]:
            stack.callback(deployment.stop)
            deployment.start()
        yield Cluster(hubs[0], leaves, city, counties, offices, hubs)
