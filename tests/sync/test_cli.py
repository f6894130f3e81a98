"""``xuncha sync run`` and ``xuncha sync status`` as real processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.messaging.embedded import EmbeddedNats
from tests.conftest import REPO, RunDatabase, make_settings
from tests.sync.cluster import XUNCHA
from tests.sync.fault_plugin import NoteRecorded
from tests.sync.helpers import TREE, deployment_database, emit, rows, running, sync_plugins

pytestmark = pytest.mark.once_on("postgres")


@pytest.fixture(scope="module")
def run_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunDatabase]:
    with deployment_database(tmp_path_factory.mktemp("synccli"), "synccli", TREE) as db:
        yield db


def _env(home: Path, run_db: RunDatabase, server: EmbeddedNats) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    return env | {"XUNCHA_HOME": str(home), "XUNCHA_DATABASE_URL": run_db.app_url,
                  "XUNCHA_DATABASE_ADMIN_URL": run_db.admin_url, "XUNCHA_NATS_URL": server.url,
                  "XUNCHA_PLUGINS": "tests.sync.fault_plugin", "PYTHONPATH": str(REPO)}


def _status(env: dict[str, str]) -> str:
    done = subprocess.run([str(XUNCHA), "sync", "status"], env=env, capture_output=True,
                          text=True, timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_status_shows_waiting_events_then_the_worker_delivers_them(
        tmp_path: Path, run_db: RunDatabase, server: EmbeddedNats) -> None:
    settings = make_settings(tmp_path, run_db, XUNCHA_NATS_URL=server.url)

    async def commit_notes() -> None:
        async with running(settings, sync_plugins(settings), service=False) as runtime:
            for note_id in (1, 2, 3):
                await emit(runtime, "sc.a", NoteRecorded(note_id=note_id, text="待发"))

    asyncio.run(commit_notes())
    env = _env(tmp_path, run_db, server)
    before = _status(env)
    assert "sc.a  上报 → sc" in before and "待发事件 3" in before
    assert "sc  接收 ← （尚无）" in before

    worker = subprocess.Popen([str(XUNCHA), "sync", "run"], env=env, cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while "sc.a" not in _status(env).split("接收 ← ", 1)[-1].splitlines()[0]:
            assert time.monotonic() < deadline, "the worker delivered nothing"
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "同步进程已启动" in output and "同步进程已停止" in output
    after = _status(env)
    assert "待发事件 0" in after.split("sc.a  上报")[1]
    assert "最近应用 — " not in after.split("sc.a  上报")[0]  # the city applied events

    async def applied() -> int:
        async with running(settings, sync_plugins(settings), service=False) as runtime:
            found = await rows(runtime, "sc", 'SELECT COUNT(*) AS n FROM "sync_inbox" '
                               'WHERE "tenant_id" = {} AND "type" = \'note.recorded\'')
            return int(found[0]["n"])

    assert asyncio.run(applied()) == 3
