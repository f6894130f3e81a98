"""``xuncha demo cluster``: a city and its counties as separate deployments on one machine.

What ``make demo`` runs. Under one home folder (``var/demo``) it:

1. writes the NATS configuration of the city's hub and one leaf per chosen
   county (``xuncha nats-config``, passwords kept across runs), after checking
   that every port it needs is free;
2. prepares one deployment per tenant, each with its own data directory and
   SQLite file: ``xuncha tenants sync --only <code>`` (which migrates) and
   ``xuncha demo seed`` (idempotent), run as child processes in parallel;
3. starts the hub and the leaves (nats-server), then one ``xuncha serve`` per
   deployment with the environment ``nats-config`` wrote for it, and waits
   until each answers ``/healthz``;
4. prints the addresses, the table of demo accounts (each deployment's, listed
   by its ``xuncha demo seed --tsv``) and their password, and waits;
5. on Ctrl-C or SIGTERM stops the web servers first (each gets SIGINT, as
   from its own Ctrl-C, and is waited for), then the leaves and the hub, and
   exits 0.

Every child runs in a process group of its own, so a Ctrl-C at the terminal
reaches only this process, which stops them in order; each child also gets
SIGTERM from Linux if this process dies. Their output goes to log files under
the home folder. A second run resumes from the same databases and streams.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any

import click

from core.demo.cast import AccountRow, text_table
from core.messaging.embedded import EmbeddedNats, die_with_parent
from core.sync.natsconfig import NatsConfigError, generate
from core.sync.subjects import token
from core.tenancy.loader import TenantFileError, load_tree
from core.tenancy.model import TenantSpec
from core.tenancy.tables import TenantLevel

__all__ = [
    "DEFAULT_COUNTIES",
    "Cluster",
    "ClusterError",
    "Deployment",
    "Ports",
    "cluster_command",
    "read_env_file",
    "run_cluster",
]

DEFAULT_COUNTIES = ("zz.zhongmu", "zz.gongyi")
"""The counties ``make demo`` runs next to the city."""

HOST = "127.0.0.1"
HEALTH_TIMEOUT = 90.0
"""Seconds a web server may take to answer ``/healthz`` with 200."""
STOP_TIMEOUT = 15.0
"""Seconds a web server may take to stop before it is killed."""
KEPT_SETTINGS = ("XUNCHA_LOG_LEVEL", "XUNCHA_PLUGINS", "XUNCHA_DISABLED_PLUGINS")
"""The caller's ``XUNCHA_*`` variables passed on; the others would mix the deployments."""


class ClusterError(Exception):
    """The cluster cannot start; one line in Chinese."""


@dataclass(frozen=True, slots=True)
class Ports:
    """Where everything listens (127.0.0.1).

    Attributes:
        hub: client port of the city's hub.
        leaf: leafnode port of the hub (the counties' leaves connect to it).
        county_base: client port of the i-th county's leaf is ``county_base + i``.
        http: web port of the city; the i-th county's is ``http + 1 + i``.
    """

    # Off the NATS defaults (4222, 7422): a machine may already run a nats-server.
    hub: int = 14222
    leaf: int = 17422
    county_base: int = 14230
    http: int = 8000


@dataclass(slots=True)
class Deployment:
    """One deployment: a tenant, its data directory, its web server.

    Attributes:
        spec: the tenant it serves.
        home: its ``XUNCHA_HOME``.
        port: its web port.
        nats_url: the nats-server it connects to (the hub, or its own leaf).
        env: the environment of its ``xuncha`` processes.
        log: its log file.
        process: its ``xuncha serve`` once started.
        accounts: its demo accounts, once prepared.
    """

    spec: TenantSpec
    home: Path
    port: int
    nats_url: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    accounts: list[AccountRow] = field(default_factory=list)
    """Its demo accounts (``xuncha demo seed --tsv``), for the table printed when ready."""
    _log_handle: IO[bytes] | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """Its name and code, for messages."""
        return f"{self.spec.name}（{self.spec.code}）"

    @property
    def url(self) -> str:
        """Its web address."""
        return f"http://{HOST}:{self.port}/"

    @property
    def home_page(self) -> str:
        """The tenant's home page."""
        return f"{self.url}t/{self.spec.code}/"


_DEFAULT = Ports()


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of an environment file (``#`` comments and blank lines skipped)."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            found[key.strip()] = value.strip()
    return found


def _xuncha() -> list[str]:
    """How to run the ``xuncha`` command of this interpreter."""
    script = Path(sys.executable).parent / "xuncha"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; sys.argv[0] = 'xuncha'; "
            "from core.cli import main; main()"]


def _port_busy(port: int) -> bool:
    """Whether something listens on ``port`` (as nats-server and uvicorn bind: SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return True
    return False


def _tail(path: Path, lines: int = 1) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return "无日志"
    return " | ".join(text.splitlines()[-lines:]) or "无输出"


class Cluster:
    """The city's and the counties' deployments and their nats-servers.

    Args:
        home: the folder everything lives in.
        tenants_dir: the tenant files (``tenants/demo``).
        counties: codes of the counties to run; they must share one city.
        ports: where everything listens.
        echo: where progress lines go.
    """

    def __init__(self, home: Path, tenants_dir: Path, counties: Sequence[str],
                 ports: Ports = Ports(), echo: Callable[[str], Any] = click.echo) -> None:
        self.home = home
        self.tenants_dir = tenants_dir
        self.counties = list(dict.fromkeys(counties))
        self.ports = ports
        self.echo = echo
        self.deployments: list[Deployment] = []
        self.servers: list[tuple[str, EmbeddedNats]] = []
        self.stopping = False

    @property
    def conf_dir(self) -> Path:
        """The generated nats-server configuration and environment files."""
        return self.home / "nats" / "conf"

    @property
    def log_dir(self) -> Path:
        """The web servers' and the preparation steps' logs."""
        return self.home / "logs"

    # -- planning -------------------------------------------------------------

    def _choose(self) -> tuple[TenantSpec, list[TenantSpec]]:
        """The city and the chosen counties from the tenant files."""
        try:
            specs = {s.code: s for s in load_tree(self.tenants_dir)}
        except TenantFileError as exc:
            raise ClusterError(str(exc)) from None
        chosen = []
        for code in self.counties:
            spec = specs.get(code)
            if spec is None:
                raise ClusterError(
                    f"--county：机构 {code} 不在 {self.tenants_dir} 的机构定义文件中")
            if spec.level != TenantLevel.county:
                raise ClusterError(f"--county：机构 {code} 不是县级机构（level = \"county\"）")
            chosen.append(spec)
        parents = {s.parent for s in chosen}
        if len(parents) != 1:
            found = "，".join(f"{s.code} 属于 {s.parent}" for s in chosen)
            raise ClusterError(f"--county：所选县（区）须属于同一市级机构（{found}）")
        parent = parents.pop() or ""
        city = specs.get(parent)
        if city is None or city.level != TenantLevel.city:
            raise ClusterError(f"--county：上级机构 {parent} 不在 {self.tenants_dir} 中，"
                               "或不是市级机构")
        return city, chosen

    def _check_ports(self, city: TenantSpec, counties: list[TenantSpec]) -> None:
        """Every port in range, used once and free; else one line naming it."""
        p = self.ports
        wanted = [(p.hub, "市级 NATS 中心的客户端端口", "--hub-port"),
                  (p.leaf, "市级 NATS 中心的叶节点端口", "--leaf-port")]
        wanted += [(p.county_base + i, f"{c.name}的 NATS 叶节点端口", "--county-port-base")
                   for i, c in enumerate(counties)]
        wanted.append((p.http, f"{city.name}的 Web 端口", "--http-port"))
        wanted += [(p.http + 1 + i, f"{c.name}的 Web 端口", "--http-port")
                   for i, c in enumerate(counties)]
        seen: dict[int, str] = {}
        for port, what, option in wanted:
            if not 1 <= port <= 65535:
                raise ClusterError(f"{what}超出范围（1–65535）：{port}，请调整 {option}")
            if port in seen:
                raise ClusterError(f"端口 {port} 同时用作{seen[port]}与{what}，请调整 {option}")
            seen[port] = what
        for port, what, option in wanted:
            if _port_busy(port):
                raise ClusterError(
                    f"端口 {port}（{what}）已被占用：请先停止占用它的程序（如上次未退出的演示），"
                    f"或用 {option} 换一个端口")

    def plan(self) -> None:
        """Choose the tenants, check the ports, write the NATS files, lay out the deployments."""
        city, counties = self._choose()
        self._check_ports(city, counties)
        store = (self.home / "nats" / "store").resolve()
        try:
            # The links use mutual TLS, as a real deployment should.
            topology, _ = generate([city, *counties], self.conf_dir, city=city.code,
                                   hub_port=self.ports.hub, leaf_port=self.ports.leaf,
                                   county_port_base=self.ports.county_base, store_dir=store,
                                   tls_dir=(self.conf_dir / "tls").resolve())
        except NatsConfigError as exc:
            raise ClusterError(str(exc)) from None
        except OSError as exc:
            raise ClusterError(f"无法写入 {self.conf_dir}：{exc.strerror or exc}") from None
        base = {k: v for k, v in os.environ.items()
                if not k.startswith("XUNCHA_") or k in KEPT_SETTINGS}
        base["PYTHONUNBUFFERED"] = "1"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        leaves = {c.code: c for c in topology.counties}
        self.deployments = []
        for i, spec in enumerate([city, *counties]):
            stem = token(spec.code)
            home = (self.home / stem).resolve()
            env = {**base, **read_env_file(self.conf_dir / f"{stem}.env"),
                   "XUNCHA_HOME": str(home), "XUNCHA_HOST": HOST,
                   "XUNCHA_PORT": str(self.ports.http + i)}
            nats_url = (f"nats://{HOST}:{topology.hub_port}" if i == 0
                        else f"nats://{HOST}:{leaves[spec.code].port}")
            self.deployments.append(Deployment(spec=spec, home=home, port=self.ports.http + i,
                                               nats_url=nats_url, env=env,
                                               log=self.log_dir / f"{stem}.log"))

    # -- preparing ------------------------------------------------------------

    def _prepare_one(self, deployment: Deployment) -> str:
        """Migrate, load the tenant, seed and list its demo accounts (into
        ``deployment.accounts``); returns the seed's line about the tenant."""
        deployment.home.mkdir(parents=True, exist_ok=True)
        steps = [("加载机构", ["tenants", "sync", str(self.tenants_dir),
                               "--only", deployment.spec.code]),
                 ("生成演示数据", ["demo", "seed", "--tsv"])]
        said = ""
        with deployment.log.open("ab") as log:
            for what, args in steps:
                log.write(f"\n== {time.strftime('%Y-%m-%d %H:%M:%S')} xuncha "
                          f"{' '.join(args)}\n".encode())
                log.flush()
                done = subprocess.run([*_xuncha(), *args], env=deployment.env,
                                      stdin=subprocess.DEVNULL, capture_output=True,
                                      process_group=0, timeout=600)
                log.write(done.stdout + done.stderr)
                if done.returncode != 0:
                    last = (done.stderr or done.stdout).decode(errors="replace").strip()
                    last = (last.splitlines()[-1].removeprefix("错误：") if last
                            else f"退出码 {done.returncode}")
                    raise ClusterError(f"{deployment.label}{what}失败：{last}"
                                       f"（详见 {deployment.log}）")
                for line in done.stdout.decode(errors="replace").splitlines():
                    if line.startswith(f"{deployment.spec.code}："):
                        said = line.split("：", 1)[1]
                    cells = line.split("\t")
                    if args[1] == "seed" and len(cells) == 4:
                        deployment.accounts.append(AccountRow(*cells))
        return said

    def prepare(self) -> None:
        """Prepare every deployment's database, in parallel (they share nothing)."""
        # Threads only wait for short-lived children (PDEATHSIG is not used here).
        with ThreadPoolExecutor(max_workers=len(self.deployments)) as pool:
            results = list(pool.map(self._prepare_one, self.deployments))
        for deployment, said in zip(self.deployments, results, strict=True):
            self.echo(f"  {deployment.label}：{deployment.home / 'xuncha.sqlite3'}"
                      f"{'，' + said if said else ''}")

    # -- running --------------------------------------------------------------

    def start_nats(self) -> None:
        """Start the hub, then each county's leaf."""
        run_dir = self.home / "nats" / "run"
        wanted = [("hub", self.conf_dir / "hub.conf")]
        wanted += [(f"leaf-{token(d.spec.code)}", self.conf_dir / f"leaf-{token(d.spec.code)}.conf")
                   for d in self.deployments[1:]]
        for name, conf in wanted:
            server = EmbeddedNats(run_dir / name, config_file=conf, own_group=True)
            try:
                server.start(timeout=20)
            except RuntimeError as exc:
                raise ClusterError(f"nats-server（{name}）{exc}") from None
            self.servers.append((name, server))

    def start_web(self) -> None:
        """Start one ``xuncha serve`` per deployment (from this thread: see PDEATHSIG)."""
        for deployment in self.deployments:
            handle = deployment.log.open("ab")
            handle.write(f"\n== {time.strftime('%Y-%m-%d %H:%M:%S')} xuncha serve\n".encode())
            handle.flush()
            deployment._log_handle = handle
            deployment.process = subprocess.Popen(
                [*_xuncha(), "serve", "--no-migrate"], env=deployment.env,
                stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
                process_group=0, preexec_fn=die_with_parent)

    def wait_healthy(self, timeout: float = HEALTH_TIMEOUT) -> bool:
        """Wait until every web server answers ``/healthz``; False if asked to stop first.

        Raises:
            ClusterError: one exited, or did not become healthy in time.
        """
        pending = list(self.deployments)
        deadline = time.monotonic() + timeout
        while pending:
            if self.stopping:
                return False
            for deployment in list(pending):
                self._check_alive(deployment)
                try:
                    with urllib.request.urlopen(deployment.url + "healthz", timeout=2) as answer:
                        if answer.status == 200:
                            pending.remove(deployment)
                except (urllib.error.URLError, OSError):
                    pass
            if pending and time.monotonic() > deadline:
                names = "、".join(d.label for d in pending)
                raise ClusterError(f"{names}在 {timeout:.0f} 秒内未就绪（数据库或 NATS 不可用），"
                                   f"详见 {pending[0].log}：{_tail(pending[0].log)}")
            if pending:
                time.sleep(0.2)
        return True

    def _check_alive(self, deployment: Deployment) -> None:
        process = deployment.process
        if process is not None and process.poll() is not None:
            raise ClusterError(f"{deployment.label}的 Web 服务已退出（退出码 "
                               f"{process.returncode}），详见 {deployment.log}："
                               f"{_tail(deployment.log)}")

    def check(self) -> None:
        """Raise ClusterError if a web server or a nats-server stopped by itself."""
        for deployment in self.deployments:
            self._check_alive(deployment)
        for name, server in self.servers:
            process = server.process
            if process is not None and process.poll() is not None:
                raise ClusterError(f"nats-server（{name}）已退出（退出码 {process.returncode}），"
                                   f"详见 {server.store_dir / 'nats-server.log'}")

    def stop(self) -> None:
        """Stop the web servers, then the leaves, then the hub.

        A web server gets SIGINT, its own Ctrl-C: uvicorn shuts down
        gracefully (the sync service stops, NATS drains) and ``xuncha serve``
        exits 0 (after SIGTERM uvicorn re-raises the signal and the process
        ends by it). One still running after ``STOP_TIMEOUT`` is killed.
        """
        running = [d for d in self.deployments if d.process is not None]
        for deployment in running:
            assert deployment.process is not None
            if deployment.process.poll() is None:
                deployment.process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + STOP_TIMEOUT
        for deployment in running:
            process = deployment.process
            assert process is not None
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            deployment.process = None
            if deployment._log_handle is not None:
                deployment._log_handle.write(
                    f"== xuncha serve 已退出（退出码 {process.returncode}）\n".encode())
                deployment._log_handle.close()
                deployment._log_handle = None
        for _, server in reversed(self.servers):
            server.stop()
        self.servers = []

    def ready_message(self) -> list[str]:
        """What to open, and how to sign in."""
        from core.demo.seed import ADMIN_ROW, DEMO_PASSWORD

        city, counties = self.deployments[0], self.deployments[1:]
        lines = [f"巡察演示集群已就绪：市级部署 1 个、县级部署 {len(counties)} 个，"
                 "各自独立的进程与 SQLite 数据库，经 NATS（市级中心 + 各县叶节点）同步。",
                 f"  市级　{city.label}　{city.home_page}",
                 f"        各县（市、区）情况：{city.home_page}counties"]
        lines += [f"  县级　{d.label}　{d.home_page}" for d in counties]
        lines.append("演示账号（admin 在每个部署中都是本机构的巡察办管理员；其余账号在本机构"
                     "所在的部署中登录）：")
        rows = [ADMIN_ROW, *(row for d in self.deployments for row in d.accounts)]
        lines += [f"  {line}" for line in text_table(rows)]
        lines.append(f"密码（以上账号共用，仅供演示）：{DEMO_PASSWORD}")
        nats = "，".join([f"市级中心 {city.nats_url}（叶节点端口 {self.ports.leaf}）",
                         *(f"{d.spec.name} {d.nats_url}" for d in counties)])
        lines.append(f"NATS：{nats}")
        lines.append(f"日志：{self.log_dir}/（各 Web 服务）与 {self.home / 'nats' / 'run'}/*/"
                     "nats-server.log")
        lines.append("按 Ctrl-C 停止全部进程；再次运行将沿用同一份数据。")
        return lines


def run_cluster(cluster: Cluster) -> int:
    """Run ``cluster`` until Ctrl-C or SIGTERM; returns the exit status."""
    def request_stop(signum: int, frame: FrameType | None) -> None:
        cluster.stopping = True

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    status, ready = 0, False
    try:
        cluster.plan()
        cluster.echo(f"准备演示数据（{cluster.home}）：")
        cluster.prepare()
        if not cluster.stopping:
            cluster.start_nats()
            cluster.start_web()
            if cluster.wait_healthy():
                ready = True
                for line in cluster.ready_message():
                    cluster.echo(line)
        while not cluster.stopping:
            cluster.check()
            time.sleep(0.3)
    except ClusterError as exc:
        click.echo(f"错误：{exc}", err=True)
        status = 1 if ready else 2
    finally:
        if cluster.servers:
            cluster.echo("正在停止……")
        cluster.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if status == 0:
        cluster.echo(f"巡察演示集群已停止（数据保留在 {cluster.home}）。")
    return status


@click.command("cluster")
@click.option("--home", type=click.Path(path_type=Path, file_okay=False), default="var/demo",
              show_default=True, help="演示目录：各部署的数据库、NATS 配置与存储、日志")
@click.option("--tenants", "tenants_dir", type=click.Path(path_type=Path, file_okay=False),
              default="tenants/demo", show_default=True, help="机构定义文件目录")
@click.option("--county", "counties", multiple=True, default=DEFAULT_COUNTIES,
              show_default=True, help="运行的县（区）机构代码（可重复，须属同一市级机构）")
@click.option("--hub-port", type=click.IntRange(1, 65535), default=_DEFAULT.hub, show_default=True,
              help="市级 NATS 中心的客户端端口")
@click.option("--leaf-port", type=click.IntRange(1, 65535), default=_DEFAULT.leaf,
              show_default=True, help="市级 NATS 中心的叶节点端口")
@click.option("--county-port-base", type=click.IntRange(1, 65535), default=_DEFAULT.county_base,
              show_default=True, help="第 i 个县（区，从 0 起）NATS 叶节点的客户端端口为此值加 i")
@click.option("--http-port", type=click.IntRange(1, 65535), default=_DEFAULT.http,
              show_default=True, help="市级部署的 Web 端口；第 i 个县（区，从 1 起）为此值加 i")
def cluster_command(home: Path, tenants_dir: Path, counties: tuple[str, ...], hub_port: int,
                    leaf_port: int, county_port_base: int, http_port: int) -> None:
    """启动演示集群：市级与所选县（区）各为独立部署，经 NATS 中心与叶节点同步。

    每个部署有独立的进程与 SQLite 数据库；按 Ctrl-C 停止全部进程，再次运行沿用同一份数据。
    """
    ports = Ports(hub=hub_port, leaf=leaf_port, county_base=county_port_base, http=http_port)
    sys.exit(run_cluster(Cluster(home, tenants_dir, counties, ports)))
