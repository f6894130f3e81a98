"""Three ``xuncha serve`` processes on one PostgreSQL database and one nats-server.

Real processes, a real database and a real JetStream: the relay leader is
SIGKILLed while events flow, and the test counts what JetStream stored and
the city applied (each event once, none lost), the overdue scan's periods
(each run by one process), sign-in failures spread over the processes
(refused at the one limit) and a revocation made through one process (refused
by the others on their next request).
"""

from __future__ import annotations

import collections
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from core.db.leases import APPLICATION_PREFIX, lease_key
from core.identity.accounts import create_account
from core.identity.throttle import PAIR_LIMIT
from core.messaging.embedded import EmbeddedNats, free_port
from core.sync.subjects import STREAM_UP, up_consumer
from core.testing.clients import office_admin_tokens
from tests.conftest import BACKEND, REPO, scratch_database
from tests.identity.helpers import login_csrf
from tests.sync.cluster import XUNCHA, Deployment, Offices
from tests.sync.fault_plugin import NoteRecorded
from tests.sync.helpers import CITY, COUNTY_A, prepare_database

pytestmark = pytest.mark.skipif(
    BACKEND != "postgres", reason="several processes share a PostgreSQL database only")

PROCESSES = 3
SCAN_SECONDS = 2
BATCH = 300
PASSWORD = "Xuncha2026pass"
CLAIMED = re.compile(r"overdue scan: period (\d+) claimed by (\S+)")
LEASES = """
SELECT a.application_name AS holder FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.classid::bigint = {} AND l.objid::bigint = {}
"""


@dataclass
class Server:
    """One ``xuncha serve`` process."""

    port: int
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        """Its base URL."""
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        """Whether the process runs."""
        return self.process.poll() is None


@dataclass
class Deploy:
    """The deployment: its database, its processes and the test's hands in it."""

    deployment: Deployment
    servers: list[Server]
    offices: Offices

    def wait(self, what: str, probe: Callable[[], Any], timeout: float = 90.0) -> Any:
        """Poll ``probe()`` until truthy; raises with the processes' logs."""
        deadline = time.monotonic() + timeout
        while True:
            value = probe()
            if value:
                return value
            if time.monotonic() > deadline:
                tails = "\n".join(f"--- :{s.port} ---\n" + "\n".join(
                    s.log.read_text(errors="replace").splitlines()[-25:]) for s in self.servers)
                raise AssertionError(f"timed out waiting for {what}\n{tails}")
            time.sleep(0.1)

    def holder(self, lease: str) -> Server | None:
        """The process holding ``lease`` now (from ``pg_locks``), if any."""
        key = lease_key(lease)
        rows = self.offices.rows(self.deployment, LEASES.format(
            (key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF))
        for row in rows:
            pid = int(str(row["holder"]).removeprefix(APPLICATION_PREFIX).rsplit(":", 1)[1])
            for server in self.servers:
                if server.process.pid == pid:
                    return server
        return None

    def logs(self) -> str:
        """Every process's log."""
        return "\n".join(s.log.read_text(errors="replace") for s in self.servers)


def _start(deployment: Deployment, home: Path, index: int) -> Server:
    port = free_port()
    log = home / f"serve-{index}.log"
    env = deployment.env | {"XUNCHA_OVERDUE_SCAN_SECONDS": str(SCAN_SECONDS),
                            "XUNCHA_SYNC_TICK_SECONDS": str(SCAN_SECONDS),
                            "XUNCHA_DATABASE_POOL_SIZE": "4"}
    with log.open("wb") as out:
        process = subprocess.Popen([str(XUNCHA), "serve", "--no-migrate", "--port", str(port)],
                                   env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    return Server(port, log, process)


def _ready(server: Server) -> bool:
    assert server.alive(), server.log.read_text(errors="replace")[-3000:]
    try:
        return httpx.get(server.url + "/login", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def deploy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deploy]:
    tmp = tmp_path_factory.mktemp("workers")
    home = tmp / "home"
    home.mkdir()
    with ExitStack() as stack:
        run_db = stack.enter_context(scratch_database(tmp, "workers"))
        prepare_database(run_db, home, [CITY, COUNTY_A])
        nats_server = EmbeddedNats(tmp / "nats")
        nats_server.start()
        stack.callback(nats_server.stop)
        deployment = Deployment("workers", [CITY, COUNTY_A], run_db, home,
                                {"XUNCHA_NATS_URL": nats_server.url})
        offices = Offices()
        stack.callback(offices.close)
        servers = []
        for index in range(PROCESSES):
            server = _start(deployment, home, index)
            servers.append(server)
            stack.callback(_stop, server)
        deploy = Deploy(deployment, servers, offices)
        for server in servers:
            deploy.wait(f"process :{server.port}", lambda s=server: _ready(s))
        yield deploy


def _stop(server: Server) -> None:
    if server.alive():
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(10)


def _attempt(server: Server, username: str, password: str) -> int:
    with httpx.Client(base_url=server.url, timeout=10) as browser:
        page = browser.get("/login")
        answer = browser.post("/login", data={"username": username, "password": password,
                                              "next": "/", "_csrf": login_csrf(page.text)})
        return answer.status_code


def test_failed_sign_ins_spread_over_processes_meet_one_limit(deploy: Deploy) -> None:
    db = deploy.offices.database(deploy.deployment)
    deploy.offices.run(create_account(db, "guessed.user", "被猜测的账号", "sc", PASSWORD,
                                      now=datetime.now(UTC), actor="test"))
    answers = [_attempt(deploy.servers[n % PROCESSES], "guessed.user", "wrong-password")
               for n in range(PAIR_LIMIT + PROCESSES)]
    # Per process, no process saw more than two failures: only a shared count refuses.
    assert answers == [401] * PAIR_LIMIT + [429] * PROCESSES
    assert _attempt(deploy.servers[1], "guessed.user", PASSWORD) == 429  # even the right one


def test_a_role_revoked_through_one_process_is_refused_by_the_others(deploy: Deploy) -> None:
    db = deploy.offices.database(deploy.deployment)
    boss = deploy.offices.run(office_admin_tokens(db, ["sc"], "boss.user", home="sc"))["sc"]
    clerk = deploy.offices.run(office_admin_tokens(db, ["sc"], "clerk.user", home="sc"))["sc"]

    def grants(server: Server, token: str) -> int:
        return httpx.get(server.url + "/t/sc/api/role-grants", timeout=10,
                         headers={"Authorization": f"Bearer {token}"}).status_code

    assert [grants(s, clerk) for s in deploy.servers] == [200] * PROCESSES
    revoked = httpx.delete(deploy.servers[0].url + "/t/sc/api/role-grants/clerk.user/office_admin",
                           headers={"Authorization": f"Bearer {boss}"}, timeout=10)
    assert revoked.status_code == 200, revoked.text
    assert [grants(s, clerk) for s in deploy.servers[1:]] == [403] * (PROCESSES - 1)
    assert [grants(s, boss) for s in deploy.servers] == [200] * PROCESSES


async def _stored(url: str, subject_end: str) -> int:
    connection = await nats.connect(url)
    try:
        info = await connection.jetstream().stream_info(STREAM_UP, subjects_filter="up.>")
        subjects = info.state.subjects or {}
        return sum(n for name, n in subjects.items() if name.endswith(subject_end))
    finally:
        await connection.close()


def test_the_relay_leader_killed_mid_flow_loses_and_doubles_nothing(deploy: Deploy) -> None:
    relay, puller = "relay:sc.a", f"pull:{up_consumer('sc')}"
    leader = deploy.wait("a relay leader", lambda: deploy.holder(relay))
    deploy.wait("a puller of the city", lambda: deploy.holder(puller))
    # One relay per tenant, one puller per consumer: the other processes hold neither.
    assert sum(f"lease {relay} taken" in s.log.read_text() for s in deploy.servers) == 1

    events = [NoteRecorded(note_id=n, text=f"第{n}条") for n in range(2 * BATCH)]
    deploy.offices.emit(deploy.deployment, "sc.a", events[:BATCH], per_transaction=10)
    leader.process.send_signal(signal.SIGKILL)  # while its relay publishes the batch
    leader.process.wait(10)
    deploy.offices.emit(deploy.deployment, "sc.a", events[BATCH:], per_transaction=10)

    successor = deploy.wait("a new relay leader", lambda: deploy.holder(relay), timeout=30)
    assert successor is not leader and successor.alive()
    deploy.wait("an empty outbox", lambda: deploy.offices.outbox(deploy.deployment) == 0)
    deploy.wait("every event applied by the city",
                lambda: deploy.offices.applied(deploy.deployment, "note.recorded")[0]
                >= 2 * BATCH)
    time.sleep(6)  # past the consumer's ack_wait: a redelivery would have landed by now
    stored = deploy.offices.run(_stored(deploy.deployment.nats_env["XUNCHA_NATS_URL"],
                                        ".note.recorded"))
    assert stored == 2 * BATCH  # JetStream stored each event once: nothing published twice
    assert deploy.offices.applied(deploy.deployment, "note.recorded") == (2 * BATCH, 2 * BATCH)


def test_the_overdue_scan_ran_once_per_period(deploy: Deploy) -> None:
    time.sleep(3 * SCAN_SECONDS)  # a few more periods with the survivors
    claims = collections.Counter(int(m[1]) for m in CLAIMED.finditer(deploy.logs()))
    rows = deploy.offices.rows(deploy.deployment, 'SELECT "period", "holder" FROM '
                               '"scheduled_run" WHERE "name" = {}',
                               f"overdue-scan/{SCAN_SECONDS}s")
    assert claims and max(claims.values()) == 1, claims  # no period scanned twice
    assert set(claims) == {int(r["period"]) for r in rows}
    first, last = min(claims), max(claims)
    # Every period from the first to the last was scanned by one of the processes
    # (the killed leader's included): at most one lost to a slow wake-up.
    assert last - first + 1 - len(claims) <= 1, sorted(claims)
    assert last - first >= 5
    holders = {str(r["holder"]) for r in rows}
    assert holders  # the processes' own names
    ticks = deploy.offices.count(deploy.deployment, 'SELECT COUNT(*) AS n FROM "scheduled_run" '
                                 'WHERE "name" = {}', f"sync-tick/{SCAN_SECONDS}s")
    assert ticks >= 3


def test_stopping_a_process_hands_its_leases_over_at_once(deploy: Deploy) -> None:
    relay = "relay:sc.a"
    leader = deploy.wait("a relay leader", lambda: deploy.holder(relay))
    _stop(leader)
    successor = deploy.wait("a new relay leader", lambda: deploy.holder(relay), timeout=15)
    assert successor is not leader and successor.alive()
    deploy.offices.emit(deploy.deployment, "sc.a",
                        [NoteRecorded(note_id=9000 + n, text="交接后") for n in range(20)])
    deploy.wait("an empty outbox", lambda: deploy.offices.outbox(deploy.deployment) == 0)


def _children(pid: int) -> list[int]:
    """The uvicorn worker processes ``pid`` started."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        command = (stat.parent / "cmdline").read_bytes() if int(fields[1]) == pid else b""
        if b"spawn_main" in command:  # a worker, not multiprocessing's resource tracker
            found.append(int(stat.parent.name))
    return found


def test_serve_workers_runs_n_processes_on_one_port(deploy: Deploy) -> None:
    port = free_port()
    log = deploy.deployment.home / "serve-workers.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(XUNCHA), "serve", "--no-migrate", "--port", str(port), "--workers", "2"],
            env=deploy.deployment.env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    server = Server(port, log, process)
    deploy.servers.append(server)  # its log in failure messages, stopped with the rest
    try:
        deploy.wait("the workers", lambda: _ready(server) and len(_children(process.pid)) >= 2)
        workers = _children(process.pid)
        answers = [httpx.get(server.url + "/login", timeout=10).status_code for _ in range(10)]
        assert answers == [200] * 10
        # Each worker is a process of the deployment: it holds its own lease connection
        # or waits for one, and serves the shared sign-in throttle and policy version.
        assert len(workers) == 2 and all(Path(f"/proc/{pid}").exists() for pid in workers)
    finally:
        _stop(server)
    assert process.returncode == 0, log.read_text(errors="replace")[-3000:]
    text = log.read_text()
    assert "2 个工作进程" in text
    # Its hourly scan: the first period claimed by one of its two workers, not both.
    hourly = collections.Counter(int(m[1]) for m in CLAIMED.finditer(text))
    assert hourly and max(hourly.values()) == 1, hourly
