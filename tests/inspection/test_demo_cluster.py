"""``xuncha demo cluster`` (what ``make demo`` runs): a city and two counties, for real.

Real processes on free ports: a hub and two leaf nats-servers, three
``xuncha serve``, three SQLite files. The cluster runs on SQLite whatever the
suite's backend, so it runs in the SQLite half only.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKEND, REPO
from tests.test_cli import XUNCHA

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="the demo cluster runs on SQLite")

COUNTIES = ("zz.zhongmu", "zz.gongyi")


def _free_block(size: int, taken: set[int]) -> int:
    """The first of ``size`` consecutive ports free on 127.0.0.1 (and not in ``taken``)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = int(probe.getsockname()[1])
        block = range(first, first + size)
        if first + size > 65535 or taken & set(block):
            continue
        held = []
        try:
            for port in block:
                sock = socket.socket()
                held.append(sock)
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
        taken.update(block)
        return first
    raise RuntimeError("no block of free ports")


def _port_args() -> tuple[list[str], dict[str, int]]:
    taken: set[int] = set()
    ports = {"hub": _free_block(1, taken), "leaf": _free_block(1, taken),
             "county": _free_block(len(COUNTIES), taken),
             "http": _free_block(1 + len(COUNTIES), taken)}
    return (["--hub-port", str(ports["hub"]), "--leaf-port", str(ports["leaf"]),
             "--county-port-base", str(ports["county"]), "--http-port", str(ports["http"])],
            ports)


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        return " Z " not in Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False


@pytest.fixture()
def cluster(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path, dict[str, int]]]:
    args, ports = _port_args()
    home = tmp_path / "demo"
    with (tmp_path / "out.txt").open("w") as out:
        process = subprocess.Popen([XUNCHA, "demo", "cluster", "--home", str(home), *args],
                                   env=_env(), cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                   text=True)
    try:
        yield process, home, ports
    finally:
        if process.poll() is None:
            for pid in _descendants(process.pid):
                os.kill(pid, signal.SIGKILL)
            process.kill()
            process.wait()


def _query(path: Path, sql: str) -> list[tuple[object, ...]] | str:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
            return db.execute(sql).fetchall()
    except sqlite3.Error as exc:
        return f"{type(exc).__name__}: {exc}"


def _said(home: Path) -> str:
    """The cluster's output, each log's sync lines and end, and each deployment's
    outbox and inbox, for a failure message."""
    parts = [(home.parent / "out.txt").read_text(encoding="utf-8")]
    for log in sorted((home / "logs").glob("*.log")):
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        sync = [line for line in lines if "sync" in line and "GET /" not in line]
        parts.append(f"--- {log.name}\n" + "\n".join([*sync[-30:], "...", *lines[-15:]]))
    for stem in ("zz", "zz-zhongmu", "zz-gongyi"):
        path = home / stem / "xuncha.sqlite3"
        parts.append(f"--- {stem} outbox: " + repr(_query(
            path, 'SELECT "subject", "attempts", "last_error" FROM "sync_outbox" LIMIT 20')))
        parts.append(f"--- {stem} inbox: " + repr(_query(
            path, 'SELECT "origin", "type", "status", COUNT(*) FROM "sync_inbox" '
            'GROUP BY 1, 2, 3')))
    return "\n".join(parts)


def _wait_healthy(process: subprocess.Popen[str], home: Path, urls: list[str],
                  timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = list(urls)
    while pending:
        assert process.poll() is None, _said(home)
        assert time.monotonic() < deadline, f"not healthy: {pending}\n{_said(home)}"
        for url in list(pending):
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    pending.remove(url)
            except httpx.HTTPError:
                pass
        time.sleep(0.2)


def _city_replicas(home: Path) -> set[tuple[str, str]]:
    try:
        with closing(sqlite3.connect(home / "zz" / "xuncha.sqlite3", timeout=5)) as db:
            return set(db.execute('SELECT DISTINCT "origin", "type" FROM "replica"').fetchall())
    except sqlite3.OperationalError:  # not migrated yet, or busy
        return set()


def test_the_demo_cluster_links_a_city_and_two_counties_and_stops_cleanly(
    cluster: tuple[subprocess.Popen[str], Path, dict[str, int]],
) -> None:
    process, home, ports = cluster
    urls = [f"http://127.0.0.1:{ports['http'] + i}" for i in range(1 + len(COUNTIES))]
    # Generous: on a loaded machine migrating and seeding three deployments comes first.
    _wait_healthy(process, home, urls, timeout=240)
    # Each deployment holds only its own tenant, in its own SQLite file.
    for stem, code in [("zz", "zz"), ("zz-zhongmu", "zz.zhongmu"), ("zz-gongyi", "zz.gongyi")]:
        with closing(sqlite3.connect(home / stem / "xuncha.sqlite3", timeout=5)) as db:
            assert db.execute('SELECT "code" FROM "tenant"').fetchall() == [(code,)]
    # The counties' seeded inspections and profiles reach the city's deployment.
    wanted = {(county, kind) for county in COUNTIES
              for kind in ("inspection.progress", "county.profile")}
    # A loaded machine (the CI run) may take a while to link three deployments.
    deadline = time.monotonic() + 150
    while not wanted <= _city_replicas(home):
        assert time.monotonic() < deadline, (
            f"missing at the city: {wanted - _city_replicas(home)}\n{_said(home)}")
        assert process.poll() is None, _said(home)
        time.sleep(0.3)
    # ... over links with mutual TLS.
    conf = home / "nats" / "conf"
    assert "verify: true" in (conf / "hub.conf").read_text(encoding="utf-8")
    assert (conf / "tls" / "leaf-zz-gongyi.pem").is_file()
    children = _descendants(process.pid)
    assert len(children) >= 6, children  # 3 nats-servers, 3 xuncha serve
    process.send_signal(signal.SIGINT)
    process.wait(timeout=40)
    output = _said(home)
    assert process.returncode == 0, output
    assert f"http://127.0.0.1:{ports['http']}/t/zz/" in output
    assert f"http://127.0.0.1:{ports['http'] + 2}/t/zz.gongyi/" in output
    # The accounts table: the admin, then each deployment's people, and the password.
    assert "zz.zhongmu.g1.leader" in output and "zz.gongyi.unit1" in output
    assert "zz.staff" in output and "Xuncha-2026-yanshi" in output
    assert "巡察演示集群已停止" in output
    assert not [pid for pid in children if _alive(pid)], "every child process stopped"
    for log in ("zz", "zz-zhongmu", "zz-gongyi"):
        assert "已退出（退出码 0）" in (home / "logs" / f"{log}.log").read_text(encoding="utf-8")


def test_a_busy_port_stops_it_with_one_line_naming_the_port(tmp_path: Path) -> None:
    args, ports = _port_args()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ports["leaf"]))
        squatter.listen()
        result = subprocess.run([XUNCHA, "demo", "cluster", "--home", str(tmp_path), *args],
                                env=_env(), cwd=REPO, capture_output=True, text=True,
                                timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"错误：端口 {ports['leaf']}（市级 NATS 中心的叶节点端口）已被占用：请先停止占用它的程序"
        "（如上次未退出的演示），或用 --leaf-port 换一个端口"]
    unknown = subprocess.run([XUNCHA, "demo", "cluster", "--home", str(tmp_path), *args,
                              "--county", "zz.nowhere"], env=_env(), cwd=REPO,
                             capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2
    assert "--county：机构 zz.nowhere 不在 tenants/demo 的机构定义文件中" in unknown.stderr
