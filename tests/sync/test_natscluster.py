"""``xuncha nats-config --cluster``: a city hub of three nats-servers.

The files are checked by the real nats-server (``-t``); a county leaf linked
over TLS to a real cluster moves to another node when its node dies; and a
real cluster with two county leaves and three ``xuncha sync run`` processes
loses the node leading the sync streams while events keep flowing both ways,
and every event is applied exactly once.
"""

from __future__ import annotations

import asyncio
import re
import stat
import subprocess
import time
from collections.abc import Awaitable, Callable
from itertools import count
from pathlib import Path
from typing import Any, TypeVar

import nats
import pytest
from click.testing import CliRunner
from cryptography import x509

from core.cli import cli
from core.messaging.embedded import EmbeddedNats, nats_server_binary
from core.settings import load_settings
from core.sync.natscluster import ROUTE_USER
from core.sync.natsconfig import NatsConfigError, generate, hub_files, read_passwords
from core.sync.service import ensure_down_consumer, ensure_streams
from core.sync.subjects import STREAM_DOWN, STREAM_UP, subject
from core.tenancy.loader import load_tree
from tests.conftest import REPO
from tests.sync.cluster import Cluster, _free_run, _read_env, cluster
from tests.sync.fault_plugin import NoteRecorded, NoticeIssued

pytestmark = pytest.mark.once_on("postgres")

DEMO = REPO / "tenants" / "demo"
_ids = count(10_000)
T = TypeVar("T")


def _config_test(conf: Path) -> None:
    """nats-server itself accepts ``conf`` (``nats-server -t``)."""
    check = subprocess.run([str(nats_server_binary()), "-t", "-c", str(conf)],
                           capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, f"{conf.name}: {check.stderr}"


# -- the files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_cluster_files_are_complete_accepted_and_stable(tmp_path: Path, tls: bool) -> None:
    out = tmp_path / "nats"
    tls_dir = out / "tls" if tls else None
    topology, written = generate(load_tree(DEMO), out, nodes=3, tls_dir=tls_dir,
                                 store_dir=Path("/var/lib/xuncha/nats"))
    assert topology.cluster is not None
    counties = [c.token for c in topology.counties]
    names = {p.name for p in written if p.parent == out}
    assert names == {"hub-1.conf", "hub-2.conf", "hub-3.conf", "zz.env"} | {
        f"leaf-{t}.conf" for t in counties} | {f"{t}.env" for t in counties}
    for path in written:
        if path.parent == out:
            assert stat.S_IMODE(path.stat().st_mode) == (
                0o600 if path.suffix == ".conf" else 0o644), path

    passwords = read_passwords(out)
    route = passwords[ROUTE_USER]
    hubs = [(out / f"hub-{i}.conf").read_text(encoding="utf-8") for i in (1, 2, 3)]
    for i, hub in enumerate(hubs, start=1):
        # Nodes on one host: base ports plus 0, 1, 2.
        assert f'server_name: "xuncha-hub-zz-{i}"' in hub
        assert f'listen: "127.0.0.1:{4222 + i - 1}"' in hub
        assert f'store_dir: "/var/lib/xuncha/nats/zz-{i}"' in hub
        assert 'domain: "zz"' in hub and 'name: "xuncha-zz"' in hub
        assert f'listen: "127.0.0.1:{6222 + i - 1}"' in hub  # routes
        assert f'listen: "127.0.0.1:{7422 + i - 1}"' in hub  # leafnodes
        routes = re.findall(r'"nats-route://route:([\w-]+)@127\.0\.0\.1:(\d+)"', hub)
        assert sorted(int(p) for _, p in routes) == sorted(
            6222 + j for j in range(3) if j != i - 1)  # every other node, not itself
        assert {p for p, _ in routes} == {route}
        assert hub.count('allowed_connection_types: ["LEAFNODE"]') == 6
        assert 'no_auth_user: "city"' in hub
        # With TLS, mutual TLS on the leafnode listener and on the routes.
        assert hub.count("verify: true") == (2 if tls else 0)
        cluster_part = hub[hub.index("cluster {"):hub.index("routes: [")]
        assert ("tls {" in cluster_part) == tls
    gongyi = passwords["zz-gongyi"]
    leaf = (out / "leaf-zz-gongyi.conf").read_text(encoding="utf-8")
    urls = re.findall(r'"(nats-leaf://[^"]+)"', leaf)
    assert urls == [f"nats-leaf://zz-gongyi:{gongyi}@127.0.0.1:{7422 + j}" for j in range(3)]
    assert "urls: [" in leaf and ("tls {" in leaf) == tls
    city_env = _read_env(out / "zz.env")
    assert city_env == {
        "XUNCHA_NATS_URL": "nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224",
        "XUNCHA_SYNC_DOMAIN": "zz", "XUNCHA_SYNC_REPLICAS": "3"}
    settings = load_settings(city_env)  # the app accepts what was generated
    assert settings.sync_replicas == 3 and settings.nats_url == city_env["XUNCHA_NATS_URL"]
    assert "XUNCHA_SYNC_REPLICAS" not in _read_env(out / "zz-gongyi.env")

    for conf in out.glob("*.conf"):
        _config_test(conf)

    before = {p: p.read_bytes() for p in written}
    generate(load_tree(DEMO), out, nodes=3, tls_dir=tls_dir,
             store_dir=Path("/var/lib/xuncha/nats"))
    assert all(p.read_bytes() == data for p, data in before.items())  # passwords kept


def test_nodes_on_their_own_hosts_share_ports_and_one_certificate(tmp_path: Path) -> None:
    out = tmp_path / "nats"
    hosts = ["10.1.0.11", "10.1.0.12", "hub3.zz.gov"]
    topology, _ = generate(load_tree(DEMO), out, nodes=3, node_hosts=hosts,
                           tls_dir=out / "tls", host="10.1.0.11")
    assert topology.cluster is not None
    assert [(n.host, n.client_port, n.leaf_port, n.cluster_port)
            for n in topology.cluster.nodes] == [(h, 4222, 7422, 6222) for h in hosts]
    assert _read_env(out / "zz.env")["XUNCHA_NATS_URL"] == "nats://127.0.0.1:4222"
    hub3 = (out / "hub-3.conf").read_text(encoding="utf-8")
    assert 'listen: "hub3.zz.gov:7422"' in hub3 and 'listen: "hub3.zz.gov:6222"' in hub3
    assert "@10.1.0.11:6222" in hub3 and "@10.1.0.12:6222" in hub3 and "@hub3" not in hub3
    leaf = (out / "leaf-zz-xinmi.conf").read_text(encoding="utf-8")
    assert [u.rsplit("@", 1)[1] for u in re.findall(r'"(nats-leaf://[^"]+)"', leaf)] == [
        f"{h}:7422" for h in hosts]
    cert = x509.load_pem_x509_certificate((out / "tls" / "hub.pem").read_bytes())
    alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {str(a) for a in alt.get_values_for_type(x509.IPAddress)} == {"10.1.0.11",
                                                                        "10.1.0.12"}
    assert alt.get_values_for_type(x509.DNSName) == ["hub3.zz.gov"]
    # The nodes dial each other's routes with it too.
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(usage) == {x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
                          x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH}


def test_cluster_options_are_checked(tmp_path: Path) -> None:
    tree = load_tree(DEMO)
    with pytest.raises(NatsConfigError, match="奇数"):
        generate(tree, tmp_path / "o1", nodes=4)
    with pytest.raises(NatsConfigError, match="应列出 3 个地址"):
        generate(tree, tmp_path / "o2", nodes=3, node_hosts=["10.0.0.1", "10.0.0.2"])
    with pytest.raises(NatsConfigError, match="方括号"):
        generate(tree, tmp_path / "o3", nodes=3, node_hosts=["::1"])
    with pytest.raises(NatsConfigError, match="同一端口 6222"):
        generate(tree, tmp_path / "o4", nodes=3, leaf_port=6220)  # 6220, 6221, 6222
    with pytest.raises(NatsConfigError, match="同一端口 4224"):
        generate(tree, tmp_path / "o5", nodes=3, county_port_base=4224)
    assert not any((tmp_path / f"o{i}").exists() for i in range(1, 6))


def test_cli_cluster(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["nats-config", "--tenants", str(DEMO), "--out",
                             str(tmp_path / "o"), "--cluster", "--tls"])
    assert ok.exit_code == 0, ok.output
    assert "3 节点集群" in ok.output and "hub-*.conf 与 leaf-*.conf 含连接密码" in ok.output
    assert (tmp_path / "o" / "hub-3.conf").is_file() and not (tmp_path / "o" / "hub.conf").exists()
    five = runner.invoke(cli, ["nats-config", "--tenants", str(DEMO), "--out",
                               str(tmp_path / "p"), "--cluster", "--cluster-nodes", "5",
                               "--node-hosts", "a.zz,b.zz,c.zz,d.zz,e.zz"])
    assert five.exit_code == 0, five.output
    assert (tmp_path / "p" / "hub-5.conf").is_file()
    alone = runner.invoke(cli, ["nats-config", "--tenants", str(DEMO), "--out",
                                str(tmp_path / "q"), "--node-hosts", "a.zz"])
    assert alone.exit_code == 2 and "须与 --cluster 一起使用" in alone.output
    even = runner.invoke(cli, ["nats-config", "--tenants", str(DEMO), "--out",
                               str(tmp_path / "r"), "--cluster", "--cluster-nodes", "2"])
    assert even.exit_code == 2 and "奇数" in even.output


def test_a_tls_node_refuses_routes_in_clear(tmp_path: Path) -> None:
    out = tmp_path / "nats"
    generate(load_tree(DEMO), out, nodes=3, hub_port=_free_run(3), leaf_port=_free_run(3),
             cluster_port=_free_run(3), county_port_base=_free_run(6), tls_dir=out / "tls",
             store_dir=tmp_path / "store")
    plain = out / "hub-2.conf"  # node 2 without the routes' TLS, password still right
    text = plain.read_text(encoding="utf-8")
    start, end = text.index("cluster {"), text.index("routes: [")
    routes = re.sub(r"\n\s*# Mutual TLS between[^\n]*\n\s*tls \{[^}]*\}", "", text[start:end])
    assert "tls {" in text[start:end] and "tls {" not in routes
    plain.write_text(text[:start] + routes + text[end:], encoding="utf-8")
    servers = [EmbeddedNats(tmp_path / name, config_file=out / name)
               for name in ("hub-1.conf", "hub-2.conf")]
    try:
        for server in servers:
            server.start()
        log = servers[0].store_dir / "nats-server.log"
        deadline = time.monotonic() + 20
        while "Router connection closed: TLS Handshake Failure" not in log.read_text(
                encoding="utf-8"):
            assert time.monotonic() < deadline, log.read_text(encoding="utf-8")[-2000:]
            time.sleep(0.05)
        assert "Route connection created" not in log.read_text(encoding="utf-8")
    finally:
        for server in servers:
            server.stop()


# -- a real cluster loses a node -----------------------------------------------------------------


async def _until(action: Callable[[], Awaitable[T]], timeout: float = 30.0) -> T:
    """``action()``'s result once it stops failing (a cluster elects, a link comes up)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await action()
        except (TimeoutError, nats.errors.Error):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


def _leaf_links(server: EmbeddedNats) -> int:
    log = server.store_dir / "nats-server.log"
    return log.read_text(encoding="utf-8").count("Leafnode connection created")


async def test_a_tls_leaf_moves_to_another_node_when_its_node_dies(tmp_path: Path) -> None:
    """With ``--tls`` the routes are mutual TLS too: the streams of 3 replicas exist
    only once the nodes have linked over it."""
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    (tenants / "zz.toml").write_text('code = "zz"\nname = "市"\nlevel = "city"\n',
                                     encoding="utf-8")
    (tenants / "gongyi.toml").write_text(
        'code = "zz.gongyi"\nname = "县"\nlevel = "county"\nparent = "zz"\n', encoding="utf-8")
    out = tmp_path / "nats"
    topology, _ = generate(load_tree(tenants), out, nodes=3, hub_port=_free_run(3),
                           leaf_port=_free_run(3), cluster_port=_free_run(3),
                           county_port_base=_free_run(1), tls_dir=out / "tls",
                           store_dir=tmp_path / "store")
    hubs = [EmbeddedNats(tmp_path / name, config_file=out / name)
            for name, _ in hub_files(topology)]
    leaf = EmbeddedNats(tmp_path / "leaf", config_file=out / "leaf-zz-gongyi.conf")
    servers = [*hubs, leaf]
    clients: list[Any] = []
    try:
        for server in servers:
            server.start()
        city_env, county_env = _read_env(out / "zz.env"), _read_env(out / "zz-gongyi.env")
        city = await nats.connect(city_env["XUNCHA_NATS_URL"].split(","), connect_timeout=3,
                                  max_reconnect_attempts=-1, reconnect_time_wait=0.2)
        clients.append(city)
        city_js = city.jetstream(timeout=5)
        await _until(lambda: ensure_streams(city_js, int(city_env["XUNCHA_SYNC_REPLICAS"])))
        await _until(lambda: ensure_down_consumer(city_js, "zz.gongyi"))
        county = await nats.connect(county_env["XUNCHA_NATS_URL"],
                                    inbox_prefix=county_env["XUNCHA_NATS_INBOX_PREFIX"])
        clients.append(county)
        county_js = county.jetstream(domain=county_env["XUNCHA_SYNC_DOMAIN"], timeout=2)
        up = subject("up", "zz.gongyi", "core", "probe.cluster")
        # With a message id, as the relay publishes: a retried publish is stored once.
        first = await _until(lambda: county_js.publish(up, b"before",
                                                       headers={"Nats-Msg-Id": "before"}))
        assert first.stream == STREAM_UP and first.domain == "zz"

        [linked] = [h for h in hubs if _leaf_links(h)]  # the node the leaf chose
        assert linked.process is not None
        linked.process.kill()
        linked.process.wait(10)
        linked.process = None
        second = await _until(lambda: county_js.publish(up, b"after",
                                                        headers={"Nats-Msg-Id": "after"}))
        assert second.stream == STREAM_UP and second.seq == first.seq + 1
        assert _leaf_links(leaf) == 2  # linked again, to another node, over TLS
        assert sum(_leaf_links(h) for h in hubs if h is not linked) == 1
        info = await _until(lambda: city_js.stream_info(STREAM_UP))
        assert info.state.messages == 2 and info.config.num_replicas == 3
    finally:
        for client in clients:
            await client.close()
        for server in servers:
            server.stop()



def _notes(n: int) -> list[NoteRecorded]:
    return [NoteRecorded(note_id=next(_ids), text=f"问题 {i}") for i in range(n)]


def _notices(n: int) -> list[NoticeIssued]:
    return [NoticeIssued(notice_id=next(_ids), text=f"通知 {i}") for i in range(n)]


async def _leaders(url: str) -> dict[str, tuple[str, int]]:
    """Per sync stream: (leader's server name, replicas), asked of the server at ``url``."""
    nc = await nats.connect(url, connect_timeout=3, allow_reconnect=False)
    try:
        js = nc.jetstream(timeout=5)
        found = {}
        for name in (STREAM_UP, STREAM_DOWN):
            info = await js.stream_info(name)
            assert info.cluster is not None and info.cluster.leader
            found[name] = (info.cluster.leader, info.config.num_replicas or 1)
        return found
    finally:
        await nc.close()


def _settled(net: Cluster, expected: dict[str, int]) -> bool:
    offices = net.offices
    a = net.counties["sc.a"]
    return (offices.applied(net.city, "note.recorded")[0] >= expected["up"]
            and offices.applied(a, "notice.issued")[0] >= expected["down"])


@pytest.mark.slow
def test_the_hub_cluster_loses_the_stream_leader_and_no_event(tmp_path: Path) -> None:
    with cluster(tmp_path, hub_nodes=3) as net:
        offices = net.offices
        a = net.counties["sc.a"]
        assert len(net.hubs) == 3
        offices.emit(a, "sc.a", _notes(40))
        offices.emit(net.city, "sc", _notices(40), to="sc.a")
        net.wait("first events applied", lambda: _settled(net, {"up": 40, "down": 40}))

        leaders = asyncio.run(_leaders(net.hubs[0].url))
        assert {replicas for _, replicas in leaders.values()} == {3}
        up_leader, _ = leaders[STREAM_UP]
        victim = next(h for h in net.hubs if h.config_file is not None
                      and h.config_file.name == f"hub-{up_leader.rsplit('-', 1)[1]}.conf")
        assert victim.process is not None
        victim.process.kill()  # SIGKILL: no leadership handed over
        victim.process.wait(10)
        victim.process = None

        # Events keep coming both ways while the cluster elects a new leader.
        offices.emit(a, "sc.a", _notes(60), per_transaction=5)
        offices.emit(net.city, "sc", _notices(60), to="sc.a", per_transaction=5)
        net.wait("every event applied after the loss",
                 lambda: _settled(net, {"up": 100, "down": 100}))
        net.wait("outboxes drained", lambda: offices.outbox(a) == offices.outbox(net.city) == 0)
        # Exactly once: one inbox row and one effect per event, none twice.
        assert offices.applied(net.city, "note.recorded") == (100, 100)
        assert offices.applied(a, "notice.issued") == (100, 100)
        survivor = next(h for h in net.hubs if h is not victim)
        after = asyncio.run(_leaders(survivor.url))
        assert after[STREAM_UP][0] != up_leader
        assert all(d.running() for d in net.deployments)
