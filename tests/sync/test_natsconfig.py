"""``xuncha nats-config``: the files it writes, and real servers started from them.

The security tests run a hub and two county leaf servers from generated files
and check, from each county app's seat and from a hand-made leaf connection,
that a county link carries only its own traffic.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import shutil
import socket
import stat
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
import nats.errors
import pytest
from click.testing import CliRunner
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig

from core.cli import cli
from core.messaging.embedded import EmbeddedNats, free_port, nats_server_binary
from core.sync.natsconfig import (
    NatsConfigError,
    Topology,
    county_permissions,
    generate,
    read_passwords,
)
from core.sync.natstls import ensure
from core.sync.subjects import (
    STREAM_DOWN,
    STREAM_UP,
    down_consumer,
    inbox_prefix,
    subject,
    token,
)
from core.tenancy.loader import load_tree
from tests.conftest import REPO

pytestmark = pytest.mark.once_on("postgres")

DEMO = REPO / "tenants" / "demo"
REFUSED = (nats.errors.Error, asyncio.TimeoutError)
"""What a county app gets when its link may not carry a request."""


def _tenant_files(folder: Path, *specs: tuple[str, str, str | None]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for code, level, parent in specs:
        lines = [f'code = "{code}"', f'name = "{code} 巡察办"', f'level = "{level}"']
        if parent:
            lines.append(f'parent = "{parent}"')
        (folder / f"{code.replace('.', '_')}.toml").write_text("\n".join(lines) + "\n",
                                                              encoding="utf-8")
    return folder


def _free_run(count: int) -> int:
    """The first of ``count`` consecutive ports free on 127.0.0.1."""
    for _ in range(50):
        base = free_port()
        if base + count > 65535:
            continue
        try:
            for offset in range(1, count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", base + offset))
        except OSError:
            continue
        return base
    raise RuntimeError("no run of free ports")


def _env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


async def _until(action: Callable[[], Awaitable[Any]], timeout: float = 20.0) -> Any:
    """``action()``'s result once it stops failing (a leaf link takes a moment to come up)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await action()
        except REFUSED:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


async def _setup_city(js: JetStreamContext, counties: list[str]) -> None:
    """What the city app does: both streams, and one down consumer per county."""
    await js.add_stream(StreamConfig(name=STREAM_UP, subjects=["up.>"]))
    await js.add_stream(StreamConfig(name=STREAM_DOWN, subjects=["down.>"]))
    for code in counties:
        await js.add_consumer(STREAM_DOWN, ConsumerConfig(
            durable_name=down_consumer(code), ack_policy=AckPolicy.EXPLICIT,
            filter_subjects=[f"down.{token(code)}.>", "down._all.>"]))


# -- the files ---------------------------------------------------------------------------------


def test_demo_files_are_complete_private_and_stable(tmp_path: Path) -> None:
    out = tmp_path / "nats"
    topology, written = generate(load_tree(DEMO), out)
    counties = [c.token for c in topology.counties]
    assert topology.city_token == "zz" and "zz-gongyi" in counties and len(counties) == 6
    names = {p.name for p in written}
    assert names == {"hub.conf", "zz.env"} | {f"leaf-{t}.conf" for t in counties} | {
        f"{t}.env" for t in counties}
    for path in written:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o600 if path.suffix == ".conf" else 0o644), path

    hub = (out / "hub.conf").read_text(encoding="utf-8")
    assert 'domain: "zz"' in hub and 'no_auth_user: "city"' in hub
    assert hub.count('allowed_connection_types: ["LEAFNODE"]') == 6
    leaf = (out / "leaf-zz-gongyi.conf").read_text(encoding="utf-8")
    password = read_passwords(out)["zz-gongyi"]
    assert len(password) >= 32
    assert f'"nats-leaf://zz-gongyi:{password}@127.0.0.1:7422"' in leaf
    assert 'domain: "zz-gongyi"' in leaf
    assert _env(out / "zz.env") == {"XUNCHA_NATS_URL": "nats://127.0.0.1:4222",
                                    "XUNCHA_SYNC_DOMAIN": "zz"}
    gongyi = topology.counties[counties.index("zz-gongyi")]
    assert _env(out / "zz-gongyi.env") == {
        "XUNCHA_NATS_URL": f"nats://127.0.0.1:{gongyi.port}", "XUNCHA_SYNC_DOMAIN": "zz",
        "XUNCHA_NATS_INBOX_PREFIX": "_INBOX_zz-gongyi"}
    assert sorted(c.port for c in topology.counties) == list(range(4230, 4236))

    before = {p.name: p.read_bytes() for p in written}
    generate(load_tree(DEMO), out)
    assert {p.name: p.read_bytes() for p in written} == before  # passwords kept, same bytes
    (out / "hub.conf").unlink()  # the county files, perhaps deployed already, still count
    generate(load_tree(DEMO), out)
    assert read_passwords(out)["zz-gongyi"] == password

    for conf in out.glob("*.conf"):
        check = subprocess.run([str(nats_server_binary()), "-t", "-c", str(conf)],
                               capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr


def test_committed_demo_example_is_current(tmp_path: Path) -> None:
    """deploy/nats/demo is what the command in deploy/nats/README.md writes today."""
    committed = REPO / "deploy" / "nats" / "demo"
    copy = tmp_path / "demo"
    shutil.copytree(committed, copy)
    _, written = generate(load_tree(DEMO), copy, store_dir=Path("/var/lib/xuncha/nats"))
    assert sorted(p.name for p in written) == sorted(p.name for p in committed.iterdir()), (
        "regenerate: xuncha nats-config --tenants tenants/demo --out deploy/nats/demo "
        "--store-dir /var/lib/xuncha/nats")
    for path in written:
        assert path.read_bytes() == (committed / path.name).read_bytes(), path.name


def test_county_permissions_name_only_its_own_subjects() -> None:
    publish, subscribe = county_permissions("zz", "zz.gongyi")
    assert subscribe == ["_INBOX_zz-gongyi.>"]
    assert "up.zz-gongyi.>" in publish
    assert all("gongyi" in s for s in publish)
    assert not any(s.startswith(("$JS.API", "up.>", "down.", "_INBOX")) for s in publish)


def test_city_choice_and_ports_are_checked(tmp_path: Path) -> None:
    two = load_tree(_tenant_files(tmp_path / "two", ("aa", "city", None), ("bb", "city", None),
                                  ("aa.x", "county", "aa")))
    with pytest.raises(NatsConfigError, match="--city"):
        generate(two, tmp_path / "o1")
    with pytest.raises(NatsConfigError, match="没有下级县"):
        generate(two, tmp_path / "o2", city="bb")
    with pytest.raises(NatsConfigError, match="不在机构定义文件中"):
        generate(two, tmp_path / "o3", city="cc")
    with pytest.raises(NatsConfigError, match="不是市级机构"):
        generate(two, tmp_path / "o4", city="aa.x")
    with pytest.raises(NatsConfigError, match="同一端口 4222"):
        generate(two, tmp_path / "o5", city="aa", county_port_base=4222)
    topology, _ = generate(two, tmp_path / "o6", city="aa")
    assert [c.code for c in topology.counties] == ["aa.x"]
    assert not (tmp_path / "o1").exists()  # nothing written on error


def test_cli_writes_files_and_fails_in_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["nats-config", "--tenants", str(DEMO), "--out", str(tmp_path / "o"),
                             "--store-dir", "/var/lib/xuncha/nats"])
    assert ok.exit_code == 0, ok.output
    assert "郑州市委巡察办（zz）及 6 个县（区）" in ok.output
    assert 'store_dir: "/var/lib/xuncha/nats/zz-gongyi"' in (
        tmp_path / "o" / "leaf-zz-gongyi.conf").read_text(encoding="utf-8")
    bad = runner.invoke(cli, ["nats-config", "--tenants", str(DEMO), "--out", str(tmp_path / "p"),
                              "--city", "zz.gongyi"])
    assert bad.exit_code == 2
    assert "错误：机构 zz.gongyi 不是市级机构" in bad.output
    tls = runner.invoke(cli, ["nats-config", "--tenants", str(DEMO), "--out", str(tmp_path / "t"),
                              "--tls"])
    assert tls.exit_code == 0, tls.output
    assert "ca-key.pem 只留在市级巡察办" in tls.output
    assert str(tmp_path / "t" / "tls" / "leaf-zz-xinmi-key.pem") in tls.output
    broken = tmp_path / "t" / "tls" / "ca-key.pem"
    broken.write_text("not a key", encoding="utf-8")
    bad_ca = runner.invoke(cli, ["nats-config", "--tenants", str(DEMO), "--out",
                                 str(tmp_path / "t"), "--tls"])
    assert bad_ca.exit_code == 2 and "CA 私钥无法使用" in bad_ca.output, bad_ca.output


# -- real servers --------------------------------------------------------------------------------


@dataclass
class Deployment:
    """Servers started from generated files."""

    topology: Topology
    out: Path
    hub: EmbeddedNats
    leaves: dict[str, EmbeddedNats]

    def county_env(self, code: str) -> dict[str, str]:
        return _env(self.out / f"{token(code)}.env")


def _start(topology: Topology, out: Path, run: Path, counties: list[str]) -> Deployment:
    hub = EmbeddedNats(run / "hub", config_file=out / "hub.conf")
    leaves: dict[str, EmbeddedNats] = {}
    try:
        hub.start()
        for code in counties:
            leaves[code] = EmbeddedNats(run / token(code),
                                        config_file=out / f"leaf-{token(code)}.conf")
            leaves[code].start()
    except BaseException:
        for server in (*leaves.values(), hub):
            server.stop()
        raise
    return Deployment(topology, out, hub, leaves)


def _stop(deployment: Deployment) -> None:
    for server in (*deployment.leaves.values(), deployment.hub):
        server.stop()


async def _county_js(deployment: Deployment, code: str) -> tuple[Client, JetStreamContext]:
    """A county app's connection, configured from the generated ``.env`` file only."""
    env = deployment.county_env(code)
    nc = await nats.connect(env["XUNCHA_NATS_URL"],
                            inbox_prefix=env["XUNCHA_NATS_INBOX_PREFIX"])
    return nc, nc.jetstream(domain=env["XUNCHA_SYNC_DOMAIN"], timeout=1.0)


async def test_demo_files_start_a_working_hub_and_leaf(tmp_path: Path) -> None:
    out = tmp_path / "nats"
    topology, _ = generate(load_tree(DEMO), out, hub_port=free_port(), leaf_port=free_port(),
                           county_port_base=free_port())
    county = topology.counties[0].code  # the only one whose port was picked free
    deployment = _start(topology, out, tmp_path / "run", [county])
    try:
        city = await nats.connect(_env(out / "zz.env")["XUNCHA_NATS_URL"])
        await _setup_city(city.jetstream(), [c.code for c in topology.counties])
        nc, js = await _county_js(deployment, county)
        ack = await _until(lambda: js.publish(subject("up", county, "core", "probe.ready"), b"1"))
        assert ack.stream == STREAM_UP and ack.domain == "zz"
        assert deployment.hub.port == topology.hub_port
        await nc.close()
        await city.close()
    finally:
        _stop(deployment)


GONGYI, XINMI = "zz.gongyi", "zz.xinmi"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    base = tmp_path_factory.mktemp("natsconfig")
    tenants = _tenant_files(base / "tenants", ("zz", "city", None), (GONGYI, "county", "zz"),
                            (XINMI, "county", "zz"))
    out = base / "nats"
    topology, _ = generate(load_tree(tenants), out, hub_port=free_port(), leaf_port=free_port(),
                           county_port_base=_free_run(2))
    started = _start(topology, out, base / "run", [GONGYI, XINMI])
    yield started
    _stop(started)


@dataclass
class Apps:
    """The city app on the hub, and each county app on its own leaf."""

    deployment: Deployment
    city: Client
    city_js: JetStreamContext
    county: dict[str, tuple[Client, JetStreamContext]]


@pytest.fixture(scope="module")
async def apps(deployment: Deployment) -> AsyncIterator[Apps]:
    city = await nats.connect(deployment.hub.url)
    city_js = city.jetstream()
    await _setup_city(city_js, [GONGYI, XINMI])
    county = {code: await _county_js(deployment, code) for code in (GONGYI, XINMI)}
    for code, (_, js) in county.items():  # both links up before anything is refused
        probe = subject("up", code, "core", "probe.ready")
        await _until(functools.partial(js.publish, probe, b"ready"))
    yield Apps(deployment, city, city_js, county)
    for nc, _ in county.values():
        await nc.close()
    await city.close()


async def _up_subjects(apps: Apps) -> set[str]:
    info = await apps.city_js.stream_info(STREAM_UP, subjects_filter="up.>")
    return set((info.state.subjects or {}).keys())


async def _drain(apps: Apps, code: str) -> None:
    """Fetch and ack whatever county ``code``'s consumer holds (keeps the tests independent)."""
    pending = (await apps.city_js.consumer_info(STREAM_DOWN, down_consumer(code))).num_pending
    if not pending:
        return
    sub = await apps.county[code][1].pull_subscribe_bind(down_consumer(code), stream=STREAM_DOWN)
    while pending > 0:
        for msg in await sub.fetch(pending, timeout=5):
            await msg.ack_sync(timeout=5)
            pending -= 1
    await sub.unsubscribe()


async def test_county_publishes_only_its_own_up_events(apps: Apps) -> None:
    _, js = apps.county[GONGYI]
    ack = await js.publish(subject("up", GONGYI, "core", "case.created"), b"own")
    assert ack.stream == STREAM_UP and ack.domain == "zz"
    with pytest.raises(REFUSED):
        await js.publish(subject("up", XINMI, "core", "case.forged"), b"forged")
    with pytest.raises(REFUSED):
        await js.publish(subject("down", XINMI, "core", "case.forged"), b"forged")
    subjects = await _up_subjects(apps)
    assert "up.zz-gongyi.core.case.created" in subjects
    assert "up.zz-xinmi.core.case.forged" not in subjects
    down = await apps.city_js.stream_info(STREAM_DOWN, subjects_filter="down.>")
    assert "down.zz-xinmi.core.case.forged" not in (down.state.subjects or {})


async def test_county_fetches_and_acks_its_own_consumer(apps: Apps) -> None:
    await _drain(apps, GONGYI)
    for who, tag in ((GONGYI, b"g"), (None, b"all"), (XINMI, b"x")):
        await apps.city_js.publish(subject("down", who, "core", "notice.sent"), tag)
    _, js = apps.county[GONGYI]
    sub = await js.pull_subscribe_bind(down_consumer(GONGYI), stream=STREAM_DOWN)
    got: list[Msg] = []
    while len(got) < 2:
        got += await sub.fetch(2 - len(got), timeout=5)
    assert {(m.subject, m.data) for m in got} == {
        ("down.zz-gongyi.core.notice.sent", b"g"), ("down._all.core.notice.sent", b"all")}
    for msg in got:
        await msg.ack_sync(timeout=5)  # the server confirms each ack over the link
    info = await apps.city_js.consumer_info(STREAM_DOWN, down_consumer(GONGYI))
    assert info.num_ack_pending == 0 and info.num_pending == 0
    assert info.ack_floor.stream_seq == info.delivered.stream_seq
    await sub.unsubscribe()


async def test_county_cannot_touch_another_consumer_or_manage_the_hub(apps: Apps) -> None:
    await apps.city_js.publish(subject("down", GONGYI, "core", "notice.private"), b"private")
    theirs = down_consumer(GONGYI)
    before = await apps.city_js.consumer_info(STREAM_DOWN, theirs)
    streams_before = {s.config.name: s.config.subjects for s in await apps.city_js.streams_info()}
    _, js = apps.county[XINMI]

    sub = await js.pull_subscribe_bind(theirs, stream=STREAM_DOWN)
    with pytest.raises(REFUSED):
        await sub.fetch(1, timeout=1)
    await sub.unsubscribe()
    attempts: list[Callable[[], Awaitable[Any]]] = [
        lambda: js.consumer_info(STREAM_DOWN, theirs),
        lambda: js.add_consumer(STREAM_DOWN, ConsumerConfig(
            durable_name="spy", filter_subject="down.>", ack_policy=AckPolicy.EXPLICIT)),
        lambda: js.delete_consumer(STREAM_DOWN, theirs),
        lambda: js.update_stream(StreamConfig(name=STREAM_UP, subjects=["up.>", "spy.>"])),
        lambda: js.purge_stream(STREAM_DOWN),
        lambda: js.delete_stream(STREAM_UP),
        lambda: js.add_stream(StreamConfig(name="SPY", subjects=["down.zz-gongyi.>"])),
        lambda: js.stream_info(STREAM_DOWN),
        lambda: js.get_msg(STREAM_DOWN, 1),
    ]
    for attempt in attempts:
        with pytest.raises(REFUSED):
            await attempt()

    after = await apps.city_js.consumer_info(STREAM_DOWN, theirs)
    assert after.delivered == before.delivered and after.num_pending == before.num_pending
    assert {s.config.name: s.config.subjects
            for s in await apps.city_js.streams_info()} == streams_before
    consumers = {c.name for c in await apps.city_js.consumers_info(STREAM_DOWN)}
    assert consumers == {down_consumer(GONGYI), down_consumer(XINMI)}


async def test_county_cannot_ack_for_another(apps: Apps) -> None:
    await _drain(apps, GONGYI)
    await apps.city_js.publish(subject("down", GONGYI, "core", "notice.pending"), b"pending")
    _, js = apps.county[GONGYI]
    sub = await js.pull_subscribe_bind(down_consumer(GONGYI), stream=STREAM_DOWN)
    [msg] = await sub.fetch(1, timeout=5)
    assert msg.data == b"pending"
    assert msg.reply.startswith(f"$JS.ACK.{STREAM_DOWN}.{down_consumer(GONGYI)}.")
    xinmi_nc, _ = apps.county[XINMI]
    for verb in (b"+ACK", b"+TERM"):  # as if it had guessed the ack subject
        await xinmi_nc.publish(msg.reply, verb)
    await xinmi_nc.flush()
    await asyncio.sleep(0.3)
    info = await apps.city_js.consumer_info(STREAM_DOWN, down_consumer(GONGYI))
    assert info.num_ack_pending == 1
    await msg.ack_sync(timeout=5)
    info = await apps.city_js.consumer_info(STREAM_DOWN, down_consumer(GONGYI))
    assert info.num_ack_pending == 0
    await sub.unsubscribe()


async def test_county_sees_no_other_county_traffic(apps: Apps) -> None:
    await _drain(apps, GONGYI)
    spy_nc, _ = await _county_js(apps.deployment, XINMI)
    seen: list[tuple[str, bytes]] = []

    async def record(msg: Msg) -> None:
        seen.append((msg.subject, msg.data))

    for wildcard in (">", "down.>", "up.>", "_INBOX.>", f"{inbox_prefix(GONGYI)}.>",
                     "$JS.ACK.>"):
        await spy_nc.subscribe(wildcard, cb=record)
    await spy_nc.flush()
    await asyncio.sleep(0.2)  # let the interest reach the hub, were it allowed to

    await apps.city_js.publish(subject("down", GONGYI, "core", "notice.secret"), b"secret")
    await apps.city_js.publish(subject("down", None, "core", "notice.secret"), b"secret")
    _, js = apps.county[GONGYI]
    await js.publish(subject("up", GONGYI, "core", "case.secret"), b"secret")
    sub = await js.pull_subscribe_bind(down_consumer(GONGYI), stream=STREAM_DOWN)
    fetched: list[Msg] = []
    while len(fetched) < 2:
        fetched += await sub.fetch(2 - len(fetched), timeout=5)
    for msg in fetched:
        await msg.ack_sync(timeout=5)
    await sub.unsubscribe()
    _, xinmi_js = apps.county[XINMI]
    await xinmi_js.publish(subject("up", XINMI, "core", "case.created"), b"own")
    await spy_nc.flush()
    await asyncio.sleep(0.3)
    await spy_nc.close()
    assert not [s for s, data in seen if b"secret" in data or "gongyi" in s]
    assert not [s for s, _ in seen if s.startswith(("down.", "_INBOX.", "$JS.ACK"))]
    # What the hub sends this link does reach the spy: its own county's PubAck.
    assert any(s.startswith(f"{inbox_prefix(XINMI)}.") for s, _ in seen)


class _RawLeaf:
    """A hand-made leafnode connection: a county leaf server that ignores what the hub says."""

    def __init__(self, port: int, user: str | None, password: str | None) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buffer = b""
        self.closed = False
        assert self.lines(5, until=b"INFO ")[0].startswith(b"INFO ")
        connect: dict[str, Any] = {"name": "forged-leaf", "server_id": "NFORGED", "headers": True}
        if user is not None:
            connect |= {"user": user, "pass": password}
        self.send(b"CONNECT " + json.dumps(connect).encode() + b"\r\nPING\r\n")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def lines(self, seconds: float, until: bytes | None = None) -> list[bytes]:
        """What the hub sends within ``seconds``.

        Stops early when it closes the connection (shown as a last line
        ``<closed>``) or sends a line starting with ``until``.
        """
        deadline, got = time.monotonic() + seconds, []
        while time.monotonic() < deadline and not self.closed:
            while b"\r\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\r\n", 1)
                got.append(line)
                if until is not None and line.startswith(until):
                    return got
            self.sock.settimeout(max(0.01, min(0.1, deadline - time.monotonic())))
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                data = b""
            if not data:
                self.closed = True
                got.append(b"<closed>")
            self.buffer += data
        return got

    def close(self) -> None:
        self.sock.close()


async def test_hub_itself_confines_a_forged_leaf(apps: Apps) -> None:
    """The hub enforces the permissions, not only the county's own leaf server."""
    topology, out = apps.deployment.topology, apps.deployment.out
    anonymous = _RawLeaf(topology.leaf_port, None, None)
    assert any(b"Authorization Violation" in line for line in anonymous.lines(3, until=b"-ERR"))
    anonymous.close()
    wrong = _RawLeaf(topology.leaf_port, token(GONGYI), "not-the-password")
    assert any(b"Authorization Violation" in line for line in wrong.lines(3, until=b"-ERR"))
    wrong.close()

    password = read_passwords(out)[token(GONGYI)]
    leaf = _RawLeaf(topology.leaf_port, token(GONGYI), password)
    try:
        greeting = leaf.lines(3, until=b"PONG")
        assert greeting[-1] == b"PONG"  # accepted as zz-gongyi's link
        # Not even the interest of the other county's link is announced over it.
        assert not [line for line in greeting if b"xinmi" in line], greeting
        own = f"{inbox_prefix(GONGYI)}."
        for wildcard in (">", "down.>", f"{inbox_prefix(XINMI)}.>", "_INBOX.>", f"{own}>"):
            leaf.send(f"LS+ {wildcard}\r\n".encode())
        leaf.send(b"PING\r\n")
        assert b"PONG" in leaf.lines(3, until=b"PONG")
        await apps.city_js.publish(subject("down", XINMI, "core", "notice.secret"), b"secret")
        _, xinmi_js = apps.county[XINMI]
        await xinmi_js.publish(subject("up", XINMI, "core", "case.created"), b"own")
        _, gongyi_js = apps.county[GONGYI]
        await gongyi_js.publish(subject("up", GONGYI, "core", "case.created"), b"own")
        delivered = [line.split()[1].decode() for line in leaf.lines(0.5)
                     if line.startswith((b"LMSG", b"HMSG"))]
        # Only zz-gongyi's own replies (here, its app's PubAck) come over the link.
        assert delivered and all(s.startswith(own) for s in delivered), delivered

        leaf.send(b"LMSG up.zz-xinmi.core.case.forged 6\r\nforged\r\n")
        assert leaf.lines(3)[-1:] == [b"<closed>"]  # cut off for the publish violation
    finally:
        leaf.close()
    assert "up.zz-xinmi.core.case.forged" not in await _up_subjects(apps)


# -- TLS on the links ----------------------------------------------------------------------------


def _tls_deployment(base: Path) -> tuple[Topology, Path]:
    tenants = _tenant_files(base / "tenants", ("zz", "city", None), (GONGYI, "county", "zz"))
    out = base / "nats"
    topology, written = generate(load_tree(tenants), out, hub_port=free_port(),
                                 leaf_port=free_port(), county_port_base=free_port(),
                                 tls_dir=out / "tls")
    assert out / "tls" / "ca-key.pem" in written
    return topology, out


async def _publish_up(deployment: Deployment, timeout: float) -> Any:
    nc, js = await _county_js(deployment, GONGYI)
    try:
        return await _until(lambda: js.publish(subject("up", GONGYI, "core", "probe.tls"), b"1"),
                            timeout=timeout)
    finally:
        await nc.close()


async def test_a_tls_link_carries_the_county_s_events(tmp_path: Path) -> None:
    topology, out = _tls_deployment(tmp_path)
    hub_conf = (out / "hub.conf").read_text(encoding="utf-8")
    assert "verify: true" in hub_conf and str(out / "tls" / "hub-key.pem") in hub_conf
    leaf_conf = (out / f"leaf-{token(GONGYI)}.conf").read_text(encoding="utf-8")
    assert str(out / "tls" / f"leaf-{token(GONGYI)}-key.pem") in leaf_conf
    assert "ca-key.pem" not in leaf_conf
    deployment = _start(topology, out, tmp_path / "run", [GONGYI])
    try:
        city = await nats.connect(_env(out / "zz.env")["XUNCHA_NATS_URL"])
        await _setup_city(city.jetstream(), [GONGYI])
        ack = await _publish_up(deployment, timeout=20)
        assert ack.stream == STREAM_UP and ack.domain == "zz"
        await city.close()
    finally:
        _stop(deployment)
    # Regenerating keeps the certificates and the passwords: the same bytes.
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and "store" not in p.parts}
    _, written = generate(load_tree(tmp_path / "tenants"), out, hub_port=topology.hub_port,
                          leaf_port=topology.leaf_port,
                          county_port_base=topology.counties[0].port, tls_dir=out / "tls")
    assert not [p for p in written if p.parent.name == "tls"]
    assert all(p.read_bytes() == data for p, data in before.items())


@pytest.mark.parametrize("leaf", ["plain", "foreign certificate"])
async def test_the_hub_refuses_a_leaf_without_the_city_s_certificate(
    tmp_path: Path, leaf: str
) -> None:
    topology, out = _tls_deployment(tmp_path)
    conf, other = out / f"leaf-{token(GONGYI)}.conf", tmp_path / "other"
    text = conf.read_text(encoding="utf-8")
    if leaf == "plain":  # the right password, no TLS at all
        text = re.sub(r"\n\s*tls \{[^}]*\}", "", text)
    else:  # the right password and CA, a certificate from another CA
        files, _ = ensure(other, city="zz", host="127.0.0.1", county_tokens=[token(GONGYI)])
        cert, key = files.leaf(token(GONGYI))
        text = text.replace(str(out / "tls" / f"leaf-{token(GONGYI)}.pem"), str(cert))
        text = text.replace(str(out / "tls" / f"leaf-{token(GONGYI)}-key.pem"), str(key))
    conf.write_text(text, encoding="utf-8")
    assert ("tls {" not in text) if leaf == "plain" else (str(other) in text)
    deployment = _start(topology, out, tmp_path / "run", [GONGYI])
    try:
        city = await nats.connect(_env(out / "zz.env")["XUNCHA_NATS_URL"])
        await _setup_city(city.jetstream(), [GONGYI])
        with pytest.raises(REFUSED):
            await _publish_up(deployment, timeout=4)
        await city.close()
    finally:
        _stop(deployment)
    hub_log = (tmp_path / "run" / "hub" / "nats-server.log").read_text(encoding="utf-8")
    assert "Leafnode connection closed: TLS Handshake Failure" in hub_log, hub_log[-2000:]
