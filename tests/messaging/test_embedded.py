"""The embedded nats-server: a real process with JetStream, stopped with the app."""

from __future__ import annotations

from pathlib import Path

import nats
import pytest

from core.app import create_app
from core.messaging.embedded import EmbeddedNats, nats_server_binary
from core.plugins import Plugins
from core.settings import Settings
from core.testing.clients import AppClient
from tests.conftest import make_settings


def test_binary_comes_from_the_wheel() -> None:
    assert nats_server_binary().name == "nats-server"


async def test_jetstream_keeps_messages_across_a_restart(tmp_path: Path) -> None:
    server = EmbeddedNats(tmp_path / "js")
    server.start()
    try:
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await js.add_stream(name="probe", subjects=["probe.>"])
        ack = await js.publish("probe.one", b"kept", headers={"Nats-Msg-Id": "m-1"})
        dup = await js.publish("probe.one", b"kept", headers={"Nats-Msg-Id": "m-1"})
        assert dup.duplicate and dup.seq == ack.seq
        await nc.close()
        server.stop()
        assert server.process is None
        server.start()
        nc = await nats.connect(server.url)
        msg = await nc.jetstream().get_msg("probe", ack.seq)
        assert msg.data == b"kept"
        await nc.close()
    finally:
        server.stop()


def test_busy_port_fails_with_a_clear_message(tmp_path: Path) -> None:
    first = EmbeddedNats(tmp_path / "a")
    first.start()
    try:
        second = EmbeddedNats(tmp_path / "b", port=first.port)
        with pytest.raises(RuntimeError, match="nats-server"):
            second.start(timeout=5)
    finally:
        first.stop()


async def test_health_turns_503_when_nats_dies(
    tmp_path: Path, settings: Settings, plugins: Plugins, database: object
) -> None:
    from tests.conftest import RunDatabase

    own = make_settings(tmp_path, RunDatabase(settings.database_admin_url, settings.database_url))
    app = create_app(own, plugins)
    async with AppClient(app) as client:
        assert (await client.get("/healthz")).status_code == 200
        embedded = app.state.runtime.messaging.embedded
        assert embedded is not None and embedded.store_dir == tmp_path / "nats"
        process = embedded.process
        embedded.stop()
        response = await client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["nats"].startswith("故障")
        assert response.json()["database"] == "正常"
    assert process is not None and process.poll() is not None


def test_server_stops_when_the_app_is_killed(tmp_path: Path) -> None:
    """An app killed with SIGKILL does not leave its nats-server behind."""
    import signal
    import subprocess
    import sys
    import time

    script = (
        "import sys, time, pathlib\n"
        "from core.messaging.embedded import EmbeddedNats\n"
        "s = EmbeddedNats(pathlib.Path(sys.argv[1]))\n"
        "s.start()\n"
        "print(s.process.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    app = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "js")],
                           stdout=subprocess.PIPE, text=True)
    assert app.stdout is not None
    nats_pid = int(app.stdout.readline())
    app.send_signal(signal.SIGKILL)
    app.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(nats_pid):
        time.sleep(0.05)
    assert not _alive(nats_pid)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
