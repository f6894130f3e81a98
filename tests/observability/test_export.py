"""The metrics endpoint of ``xuncha serve`` and its JSON logs, on real processes.

A real ``xuncha serve`` (one process, and on PostgreSQL two workers) is started
with ``--metrics-port`` and ``--log-format json``; the test makes requests,
scrapes the metrics port with httpx and parses the answer with
``prometheus_client.parser``. The sync figures are compared with what
``xuncha sync status`` prints for the same database.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from core.messaging.embedded import EmbeddedNats, free_port
from core.observability.export import LinkCollector
from core.settings import load_settings
from tests.conftest import BACKEND, REPO, RunDatabase, make_settings
from tests.sync.cluster import XUNCHA
from tests.sync.fault_plugin import NoteRecorded
from tests.sync.helpers import CITY, COUNTY_A, deployment_database, emit, running, sync_plugins

AUDIT_HEAD = "/t/{tenant}/api/audit/head"
"""A route with a path parameter: its template, not the path, is the route label."""

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture(scope="module")
def run_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunDatabase]:
    with deployment_database(tmp_path_factory.mktemp("metrics"), "metrics",
                             [CITY, COUNTY_A]) as db:
        yield db


def _env(home: Path, run_db: RunDatabase, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("XUNCHA_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    return env | {"XUNCHA_HOME": str(home), "XUNCHA_DATABASE_URL": run_db.app_url,
                  "XUNCHA_DATABASE_ADMIN_URL": run_db.admin_url,
                  "XUNCHA_DATABASE_POOL_SIZE": "3",
                  "XUNCHA_PLUGINS": "tests.sync.fault_plugin", "PYTHONPATH": str(REPO),
                  **extra}


def _samples(text: str) -> Samples:
    """Every sample of a Prometheus text answer, by name and sorted labels."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@dataclass
class Served:
    """A running ``xuncha serve``: its ports, process and logs."""

    port: int
    metrics_port: int
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def logs(self) -> str:
        return (self.stdout.read_text(errors="replace")[-2000:] + "\n"
                + self.stderr.read_text(errors="replace")[-4000:])

    def get(self, path: str) -> int:
        return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=10).status_code

    def scrape(self) -> Samples:
        answer = httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/plain")
        return _samples(answer.text)

    def wait(self, what: str, probe: Callable[[], Any], timeout: float = 120.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, self.logs()
            try:
                value = probe()
            except httpx.HTTPError:
                value = None
            if value:
                return value
            assert time.monotonic() < deadline, f"timed out waiting for {what}\n{self.logs()}"
            time.sleep(0.2)

    def stop(self) -> int:
        """Stop it as Ctrl-C does (after SIGTERM a single uvicorn process re-raises the
        signal and ends by it; the supervisor of workers exits 0 either way)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return int(self.process.returncode)


def _serve(home: Path, env: dict[str, str], *args: str) -> Served:
    port, metrics_port = free_port(), free_port()
    stdout, stderr = home / f"serve-{port}.out", home / f"serve-{port}.err"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [str(XUNCHA), "serve", "--no-migrate", "--port", str(port),
             "--metrics-port", str(metrics_port), "--log-format", "json", *args],
            env=env, cwd=REPO, stdout=out, stderr=err)
    served = Served(port, metrics_port, process, stdout, stderr)
    served.wait("the server", lambda: served.get("/healthz") == 200)
    return served


def _exercise(served: Served) -> None:
    """Requests whose counts the test checks: 5 health checks, 2 unknown paths,
    3 unauthenticated calls of a route with a path parameter."""
    assert [served.get("/healthz") for _ in range(5)] == [200] * 5
    assert [served.get(f"/no/such/page/{n}") for n in range(2)] == [404] * 2
    assert [served.get(f"/t/{code}/api/audit/head")
            for code in (CITY.code, COUNTY_A.code, CITY.code)] == [401] * 3


def _check_counts(before: Samples, after: Samples) -> None:
    def delta(**labels: str) -> float:
        name = "xuncha_http_requests_total"
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta(route="/healthz", method="GET", status="200") == 5
    assert delta(route="<unmatched>", method="GET", status="404") == 2
    assert delta(route=AUDIT_HEAD, method="GET", status="401") == 3
    # No raw path became a label: the series are few and named by templates.
    routes = {dict(labels).get("route") for (name, labels) in after
              if name == "xuncha_http_requests_total"}
    assert not any(route and "/no/such" in route for route in routes)
    assert not any(route and COUNTY_A.code in route for route in routes)
    latency = "xuncha_http_request_duration_seconds_count"
    assert (_value(after, latency, route="/healthz", method="GET")
            - _value(before, latency, route="/healthz", method="GET")) == 5


def _json_lines(path: Path) -> list[dict[str, Any]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    for record in records:
        assert {"time", "level", "logger", "process", "message"} <= record.keys(), record
        assert "color_message" not in record
    return records


def test_serve_counts_requests_scans_and_links_and_logs_json(
        tmp_path: Path, run_db: RunDatabase) -> None:
    served = _serve(tmp_path, _env(tmp_path, run_db))
    try:
        # The first overdue scan runs at start; its duration is observed.
        served.wait("the first overdue scan", lambda: _value(
            served.scrape(), "xuncha_overdue_scan_duration_seconds_count") >= 1)
        before = served.scrape()
        _exercise(served)
        after = served.scrape()
        _check_counts(before, after)
        assert _value(after, "xuncha_sync_status_up") == 1
        # The embedded nats-server belongs to serve: the backlog is not read, as in
        # `xuncha sync status`; the database figures are.
        assert _value(after, "xuncha_sync_nats_known") == 0
        for spec, role in ((CITY, "city"), (COUNTY_A, "county")):
            key = ("xuncha_sync_outbox_pending", (("role", role), ("tenant", spec.code)))
            assert key in after
    finally:
        code = served.stop()
    assert code == 0, served.logs()
    assert "Prometheus 指标：" in served.stdout.read_text()
    records = _json_lines(served.stderr)
    access = [r["message"] for r in records if r["logger"] == "uvicorn.access"]
    assert any('"GET /healthz HTTP/1.1" 200' in m for m in access), access[:5]
    assert any(r["logger"] == "core.messaging.connection" for r in records)


def test_metrics_and_sync_status_read_the_same_figures(
        tmp_path: Path, run_db: RunDatabase, server: EmbeddedNats) -> None:
    settings = make_settings(tmp_path, run_db, XUNCHA_NATS_URL=server.url)

    async def commit_notes() -> None:
        async with running(settings, sync_plugins(settings), service=False) as runtime:
            for note_id in (1, 2, 3, 4):
                await emit(runtime, COUNTY_A.code, NoteRecorded(note_id=note_id, text="待发"))

    asyncio.run(commit_notes())
    env = _env(tmp_path, run_db, XUNCHA_NATS_URL=server.url)
    done = subprocess.run([str(XUNCHA), "sync", "status"], env=env, capture_output=True,
                          text=True, timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    printed = {m[1]: int(m[2]) for m in re.finditer(
        r"^(\S+)  (?:上报|接收).*\n  待发事件 (\d+)", done.stdout, re.MULTILINE)}
    assert printed[COUNTY_A.code] >= 4, done.stdout

    collector = LinkCollector(load_settings({k: v for k, v in env.items()
                                             if k.startswith("XUNCHA_")}))
    try:
        families = {family.name: family for family in collector.collect()}
    finally:
        collector.close()
    exported = {s.labels["tenant"]: int(s.value)
                for s in families["xuncha_sync_outbox_pending"].samples}
    assert exported == printed
    assert families["xuncha_sync_nats_known"].samples[0].value == 1
    oldest = {s.labels["tenant"] for s in
              families["xuncha_sync_outbox_oldest_timestamp_seconds"].samples}
    assert COUNTY_A.code in oldest


@pytest.mark.skipif(BACKEND != "postgres",
                    reason="several workers share a PostgreSQL database only")
def test_serve_workers_sum_their_metrics_on_one_port(
        tmp_path: Path, run_db: RunDatabase, server: EmbeddedNats) -> None:
    env = _env(tmp_path, run_db, XUNCHA_NATS_URL=server.url)
    served = _serve(tmp_path, env, "--workers", "2")
    try:
        directories = list(tmp_path.glob("metrics-*"))
        assert len(directories) == 1 and directories[0].is_dir()
        before = served.scrape()
        _exercise(served)
        after = served.scrape()
        # Whichever worker answered each request, the one port counts them all.
        _check_counts(before, after)
        # Both workers write there (each one's files are named by its pid); which
        # of them answered the requests is the kernel's choice.
        pids = {p.stem.rsplit("_", 1)[1] for p in directories[0].glob("*.db")}
        assert len(pids) == 2, pids
        assert _value(after, "xuncha_sync_status_up") == 1
        assert _value(after, "xuncha_sync_nats_known") == 1
    finally:
        code = served.stop()
    assert code == 0, served.logs()
    assert not list(tmp_path.glob("metrics-*"))  # removed at stop, fresh at each start
    records = _json_lines(served.stderr)
    assert len({r["process"] for r in records}) >= 3  # the supervisor and two workers
