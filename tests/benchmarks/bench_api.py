"""Throughput of the org list endpoint against a bare litestar floor (wrk).

Per backend (SQLite file, or PostgreSQL with row-level security in force) one
run builds a fresh data directory and database, loads a tenant tree with
``xuncha tenants sync``, starts ``xuncha serve`` (embedded nats-server, one
uvicorn worker, log level warning, no access log) and the bare app of
``bare_app.py`` under uvicorn with the same flags, checks once that the
endpoint answers 50 orgs of the right tenant, warms both up, then loads them
alternately with wrk and reports the best run of each::

    .venv/bin/python tests/benchmarks/bench_api.py [--backend sqlite|postgres|both]
        [--duration 10] [--connections 32] [--rounds 2] [--profile /tmp/prof]

Needs wrk (``apt-get install wrk``) and, for PostgreSQL, a server where the
admin DSN (``--pg-dsn``, env ``XUNCHA_BENCH_PG_DSN``, default
``postgresql://postgres@127.0.0.1:5432/test``) may create databases and roles.
Not collected by pytest (``norecursedirs``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

from bench_data import (
    COUNTY,
    COUNTY_ORGS,
    DatabaseUrls,
    check_isolation,
    free_port,
    postgres_database,
    write_tenant_tree,
)

__all__ = ["WrkResult", "api_token", "main", "parse_wrk", "run_backends", "wrk_options"]

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parents[1]
BIN = Path(sys.executable).parent
PAGE = 50
OUR_PATH = f"/t/{COUNTY}/api/orgs?limit={PAGE}"
BARE_PATH = "/items"  # the route of bare_app.py
TARGETS = {"sqlite": 0.25, "postgres": 0.35}
"""Minimum ratio ours/bare per backend (from the performance issue)."""
DEFAULT_PG_DSN = os.environ.get(
    "XUNCHA_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)


T = TypeVar("T")


class BenchError(RuntimeError):
    """The benchmark could not run or would measure the wrong thing."""


@dataclass(frozen=True)
class WrkResult:
    """The figures of one wrk run.

    Attributes:
        requests_per_second: wrk's ``Requests/sec``.
        p50_ms: median latency in milliseconds.
        p99_ms: 99th percentile latency in milliseconds.
        requests: requests completed.
        non_2xx: responses with a status outside 2xx/3xx.
        socket_errors: connect, read, write and timeout errors together.
    """

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int

    def line(self) -> str:
        """One line for the progress log."""
        return (f"{self.requests_per_second:9.1f} req/s  p50 {self.p50_ms:6.2f} ms  "
                f"p99 {self.p99_ms:6.2f} ms  ({self.requests} requests, "
                f"{self.non_2xx} non-2xx, {self.socket_errors} socket errors)")


@dataclass(frozen=True)
class BackendResult:
    """Best bare and best ours of one backend."""

    backend: str
    connections: int
    bare: WrkResult
    ours: WrkResult

    @property
    def ratio(self) -> float:
        """Our throughput as a fraction of the bare floor."""
        return self.ours.requests_per_second / self.bare.requests_per_second

    @property
    def met(self) -> bool:
        """Whether the ratio reaches the backend's target."""
        return self.ratio >= TARGETS[self.backend]


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> WrkResult:
    """Read requests/sec and the p50/p99 latency from ``wrk --latency`` output.

    Raises:
        BenchError: a figure is missing (wrk failed or changed its format).
    """

    def number(pattern: str) -> str:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise BenchError(f"wrk output lacks {pattern!r}:\n{output}")
        return match.group(1)

    def latency(percent: int) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        if match is None:
            raise BenchError(f"wrk output lacks the {percent}% latency:\n{output}")
        return float(match.group(1)) * _UNITS_MS[match.group(2)]

    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(
        requests_per_second=float(number(r"^Requests/sec:\s+([\d.]+)")),
        p50_ms=latency(50),
        p99_ms=latency(99),
        requests=int(number(r"(\d+) requests in ")),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(g) for g in errors.groups()) if errors else 0,
    )


def run_wrk(url: str, duration: int, connections: int, threads: int = 1,
            headers: Sequence[str] = ()) -> WrkResult:
    """Load ``url`` with wrk and return its figures.

    ``headers`` are sent with every request (``"Authorization: Bearer ..."``).

    Raises:
        BenchError: wrk failed or a response was not 2xx/3xx.
    """
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError("wrk not found: apt-get install wrk")
    args = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for header in headers:
        args += ["-H", header]
    args.append(url)
    done = subprocess.run(args, capture_output=True, text=True, timeout=duration + 60)
    if done.returncode != 0:
        raise BenchError(f"wrk exited with {done.returncode}: {done.stderr or done.stdout}")
    result = parse_wrk(done.stdout)
    if result.non_2xx:
        raise BenchError(f"{url}: {result.non_2xx} responses were not 2xx/3xx")
    return result


class Processes:
    """Child processes, each in its own session so its children go with it."""

    def __init__(self) -> None:
        self._started: list[subprocess.Popen[bytes]] = []

    def start(self, args: Sequence[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        """Start ``args`` with output to ``log``."""
        with log.open("wb") as out:
            process = subprocess.Popen(args, env=env, cwd=REPO, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self._started.append(process)
        return process

    def stop_all(self, timeout: float = 10.0) -> None:
        """SIGTERM every process group started, then SIGKILL what outlives ``timeout``."""
        started, self._started = self._started, []
        for process in started:
            _signal_group(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in started:
            while _group_alive(process.pid) and time.monotonic() < deadline:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(0.1)
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fetch(url: str, timeout: float = 5.0, headers: Sequence[str] = ()) -> tuple[int, bytes]:
    """GET ``url`` (with ``"Name: value"`` ``headers``); returns the status and the
    body (also for 4xx/5xx)."""
    request = urllib.request.Request(url, headers=dict(
        (name.strip(), value.strip()) for name, _, value in (h.partition(":") for h in headers)))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_ready(process: subprocess.Popen[bytes], url: str, log: Path,
               timeout: float = 90.0) -> None:
    """Wait until ``url`` answers 200.

    Raises:
        BenchError: the process exited or did not answer in time, with its log.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{process.args!r} exited with {process.returncode}:\n"
                             f"{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(OSError):
            if fetch(url, timeout=2)[0] == 200:
                return
        time.sleep(0.2)
    raise BenchError(f"{url} not ready after {timeout:.0f} s:\n"
                     f"{log.read_text(errors='replace')[-3000:]}")


def verify_endpoint(url: str, county_ids: set[int], total: int,
                    headers: Sequence[str] = ()) -> None:
    """Check once that the endpoint answers a full page of the county's own orgs.

    Raises:
        BenchError: the status, the count, the total or a row's tenant is wrong.
    """
    status, body = fetch(url, headers=headers)
    if status != 200:
        raise BenchError(f"{url}: status {status}: {body.decode(errors='replace')[:500]}")
    page = json.loads(body)
    items = page.get("items", [])
    foreign = [item for item in items if item["id"] not in county_ids]
    if len(items) != PAGE or page.get("total") != total or foreign:
        raise BenchError(f"{url}: {len(items)} items (want {PAGE}), total {page.get('total')} "
                         f"(want {total}), {len(foreign)} of another tenant: {foreign[:3]}")


def child_env(home: Path, db: DatabaseUrls | None) -> dict[str, str]:
    """The environment of our processes: this run's home and database only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env.update(XUNCHA_HOME=str(home), XUNCHA_LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
    if db is not None:
        env.update(XUNCHA_DATABASE_URL=db.app_url, XUNCHA_DATABASE_ADMIN_URL=db.admin_url)
    return env


BENCH_USER = "bench.admin"
BENCH_PASSWORD = "Bench2026office"


def database_urls(home: Path, db: DatabaseUrls | None) -> DatabaseUrls:
    """The run's database URLs (the default SQLite file of ``home`` when ``db`` is None)."""
    if db is not None:
        return db
    url = f"sqlite:///{home / 'xuncha.sqlite3'}"
    return DatabaseUrls(admin_url=url, app_url=url)


def api_token(env: dict[str, str], home: Path, db: DatabaseUrls | None,
              tenant: str = COUNTY) -> str:
    """Make the account ``BENCH_USER`` office admin of ``tenant`` with the CLI
    (``xuncha users create``, ``xuncha roles grant``) and return an API token for it.

    Raises:
        BenchError: a command failed.
    """
    for args, stdin in (
        (["users", "create", BENCH_USER, "--name", "基准管理员", "--tenant", tenant,
          "--password-stdin"], BENCH_PASSWORD + "\n"),
        (["roles", "grant", BENCH_USER, "office_admin", "--tenant", tenant], None),
    ):
        done = subprocess.run([str(BIN / "xuncha"), *args], env=env, cwd=REPO, input=stdin,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise BenchError(f"xuncha {' '.join(args[:2])} failed:\n{done.stdout}{done.stderr}")
    return asyncio.run(_make_token(database_urls(home, db).admin_url, tenant))


async def _make_token(admin_url: str, tenant: str) -> str:
    from datetime import UTC, datetime

    from core.db import Database
    from core.identity.tokens import create_token

    database = Database(admin_url)
    await database.start()
    try:
        mark = database.dialect.mark
        (account,) = await database.fetch(
            f'SELECT "id" FROM "account" WHERE "username" = {mark(1)}', [BENCH_USER])
        (row,) = await database.fetch(
            f'SELECT "id" FROM "tenant" WHERE "code" = {mark(1)}', [tenant])
        made = await create_token(database, account_id=account["id"], actor="bench",
                                  tenant_id=row["id"], tenant_code=tenant, name="基准测试",
                                  days=7, now=datetime.now(UTC))
        return made.token
    finally:
        await database.stop()


def bench_backend(backend: str, args: argparse.Namespace) -> BackendResult:
    """Set up, verify and load one backend; cleans up whatever happens."""
    print(f"\n== {backend} ==", flush=True)
    with contextlib.ExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix=f"xuncha-bench-{backend}-"))
        stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        db = stack.enter_context(postgres_database(args.pg_dsn)) if backend == "postgres" else None
        processes = Processes()
        stack.callback(processes.stop_all)
        home = tmp / "home"
        env = child_env(home, db)
        tree = write_tenant_tree(tmp / "tenants")
        sync = subprocess.run([str(BIN / "xuncha"), "tenants", "sync", str(tree)], env=env,
                              cwd=REPO, capture_output=True, text=True, timeout=300)
        if sync.returncode != 0:
            raise BenchError(f"xuncha tenants sync failed:\n{sync.stdout}{sync.stderr}")
        print(sync.stdout.strip(), flush=True)
        # The same header goes to both apps, so both requests have the same size.
        headers = (f"Authorization: Bearer {api_token(env, home, db)}",)

        ours_port, bare_port = free_port(), free_port()
        ours_log, bare_log = tmp / "serve.log", tmp / "bare.log"
        ours = processes.start([str(BIN / "xuncha"), "serve", "--port", str(ours_port)],
                               env, ours_log)
        bare = processes.start(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(BENCH_DIR), "bare_app:app",
             "--host", "127.0.0.1", "--port", str(bare_port), "--log-level", "warning",
             "--no-access-log"], env, bare_log)
        ours_url = f"http://127.0.0.1:{ours_port}{OUR_PATH}"
        bare_url = f"http://127.0.0.1:{bare_port}{BARE_PATH}"
        wait_ready(ours, f"http://127.0.0.1:{ours_port}/healthz", ours_log)
        wait_ready(bare, bare_url, bare_log)
        print(f"ours pid {ours.pid} {ours_url}\nbare pid {bare.pid} {bare_url}", flush=True)

        county_ids = check_isolation(home, db)
        verify_endpoint(ours_url, county_ids, COUNTY_ORGS, headers)
        print(f"verified: {PAGE} items of {COUNTY} (total {COUNTY_ORGS}), none foreign",
              flush=True)
        for url in (bare_url, ours_url):
            run_wrk(url, args.warmup, args.connections, headers=headers)
        if OUR_PATH.split("?")[0] in ours_log.read_text(errors="replace"):
            print("warning: xuncha serve writes an access log; the comparison is unfair",
                  file=sys.stderr, flush=True)

        runs: dict[str, list[WrkResult]] = {"bare": [], "ours": []}
        for round_no in range(1, args.rounds + 1):
            for name, url in (("bare", bare_url), ("ours", ours_url)):
                result = run_wrk(url, args.duration, args.connections, headers=headers)
                runs[name].append(result)
                print(f"round {round_no} {name}: {result.line()}", flush=True)
        if args.profile:
            profile(ours.pid, ours_url, args, Path(f"{args.profile}.{backend}.txt"), headers)
        best = {name: max(rs, key=lambda r: r.requests_per_second) for name, rs in runs.items()}
        return BackendResult(backend, args.connections, best["bare"], best["ours"])


def profile(pid: int, url: str, args: argparse.Namespace, output: Path,
            headers: Sequence[str] = ()) -> None:
    """Record ``pid`` with py-spy (raw folded stacks) while wrk loads ``url``."""
    py_spy = BIN / "py-spy"
    recorder = subprocess.Popen(
        [str(py_spy), "record", "-d", str(args.duration), "-o", str(output), "--format", "raw",
         "--pid", str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        result = run_wrk(url, args.duration, args.connections, headers=headers)
        recorder.wait(args.duration + 30)
    finally:
        if recorder.poll() is None:
            recorder.kill()
            recorder.wait()
    print(f"profiled (py-spy slows the app): {result.line()} -> {output}", flush=True)


def print_table(results: Sequence[BackendResult]) -> None:
    """The summary: best runs, the ratio and whether the target is met."""
    header = (f"{'backend':<9} {'conns':>5} {'bare req/s':>11} {'ours req/s':>11} {'ratio':>6} "
              f"{'target':>7} {'met':>4}  {'bare p50/p99 ms':>16}  {'ours p50/p99 ms':>16}")
    print("\n" + header + "\n" + "-" * len(header))
    for r in results:
        print(f"{r.backend:<9} {r.connections:>5} {r.bare.requests_per_second:>11.1f} "
              f"{r.ours.requests_per_second:>11.1f} {r.ratio:>6.3f} "
              f"{'≥' + format(TARGETS[r.backend], '.2f'):>7} {'yes' if r.met else 'NO':>4}  "
              f"{f'{r.bare.p50_ms:.2f}/{r.bare.p99_ms:.2f}':>16}  "
              f"{f'{r.ours.p50_ms:.2f}/{r.ours.p99_ms:.2f}':>16}")


def wrk_options(parser: argparse.ArgumentParser, warmup: int = 3) -> None:
    """The options of every benchmark loading our app and the bare floor with wrk."""
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c")
    parser.add_argument("--rounds", type=int, default=2, help="alternate bare/ours this often")
    parser.add_argument("--warmup", type=int, default=warmup,
                        help="seconds of wrk before measuring")
    parser.add_argument("--pg-dsn", default=DEFAULT_PG_DSN, help="PostgreSQL admin DSN")


def run_backends(choice: str, bench: Callable[[str], T],
                 report: Callable[[list[T]], None]) -> tuple[list[T], int]:
    """Run ``bench`` for each backend ``choice`` names (``sqlite``, ``postgres``, ``both``)
    and ``report`` what ran, also after a failure or an interruption (SIGTERM included).

    Returns:
        The results and the status: 0, 2 when setup or a check failed (said on
        stderr), 130 when interrupted.
    """
    signal.signal(signal.SIGTERM, _terminate)
    backends = ("sqlite", "postgres") if choice == "both" else (choice,)
    results: list[T] = []
    try:
        for backend in backends:
            results.append(bench(backend))
    except RuntimeError as exc:  # BenchError, or bench_data's checks
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return results, 2
    except KeyboardInterrupt:
        print("interrupted; cleaned up", file=sys.stderr)
        return results, 130
    finally:
        if results:
            report(results)
    return results, 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    wrk_options(parser)
    parser.add_argument("--profile", metavar="PREFIX",
                        help="after measuring, py-spy our app under load to PREFIX.<backend>.txt")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    return parser.parse_args(argv)


def _terminate(signum: int, frame: FrameType | None) -> Any:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    args = parse_args(argv)
    status: int
    results, status = run_backends(args.backend, lambda b: bench_backend(b, args), print_table)
    if status:
        return status
    return 1 if args.strict and not all(r.met for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
