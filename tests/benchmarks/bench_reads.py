"""Throughput of the most used read endpoints against a bare litestar floor (wrk).

Per backend (SQLite file, or PostgreSQL with row-level security in force and
the app connecting as a role owning nothing) one run:

1. builds the city deployment's database: a city and 16 counties, each with
   3 rounds × 15 inspections × 30 findings and one ledger item per finding
   (the data of ``bench_workflow.py``), loaded in-process with the product's
   own ``sync_tree`` and ``TenantSession.insert``;
2. starts ``xuncha serve`` (embedded nats-server, sync in serve) and the bare
   app of ``bare_app.py``; makes ``bench.admin`` office admin of the first
   county and ``bench.city`` of the city (CLI), issues directives from the
   city through the API and waits until the county has received them over NATS;
3. signs in through ``/login`` for the desk page (a session cookie) and uses
   an API token for the JSON routes; checks each endpoint once (200, content,
   only the county's rows), then loads bare and every endpoint alternately
   with wrk and keeps the best run of each; ``desk-304`` is the desk asked
   with the ETag of its current answer (a browser revalidating, htmx polling),
   fetched again before each run since the answer changes with the minute;
4. prints the table (req/s, p50, p99, ratio to bare, target, met) and the RSS
   of the serving process after the benchmark; then builds a county's own
   deployment (the first county alone in its database), loads each endpoint
   once and reports its RSS too::

    .venv/bin/python tests/benchmarks/bench_reads.py [--backend sqlite|postgres|both]
        [--duration 10] [--connections 32] [--rounds 2] [--only ledger ledger-status desk]

Needs wrk and, for PostgreSQL, the admin DSN of ``bench_api.py``. Not run by CI.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench_api import (
    BARE_PATH,
    BENCH_DIR,
    BENCH_PASSWORD,
    BENCH_USER,
    BIN,
    REPO,
    TARGETS,
    BenchError,
    Processes,
    WrkResult,
    api_token,
    child_env,
    fetch,
    run_backends,
    run_wrk,
    wait_ready,
    wrk_options,
)
from bench_data import DatabaseUrls, free_port, postgres_database
from bench_workflow import COUNTY, load_county, tree

from core.app import piccolo_apps
from core.clock import Clock
from core.db import Database
from core.db.migrate import migrate
from core.db.rls import role_of
from core.identity.sessions import COOKIE, cookie_name
from core.plugins import Plugins
from core.settings import load_settings
from core.tenancy.loader import sync_tree
from core.tenancy.model import TenantSpec

__all__ = ["ENDPOINTS", "main"]

CITY = "city"
COUNTIES = 16
DIRECTIVES = 12
RSS_TARGET_MB = 200.0
LOGIN_CSRF_COOKIE = "xuncha_login_csrf"
_API = f"/t/{COUNTY}/api"
_COUNTY_NAME = re.compile(r"第(\d+)县")


@dataclass(frozen=True)
class Endpoint:
    """One read route of the county, how it signs in and how its answer is checked.

    Attributes:
        name: the table's name (and ``--only``'s).
        path: path and query.
        page: a server-rendered page, loaded with the session cookie (else the token).
        table: the table whose ids the answer's ``items`` must be (the county's rows).
        where: ``(field, value)`` every item must carry.
        revalidate: sent with ``If-None-Match`` naming the answer's current ETag (a
            browser revalidating its copy, htmx polling): answered ``304``.
    """

    name: str
    path: str
    page: bool = False
    table: str | None = None
    where: tuple[str, Any] | None = None
    revalidate: bool = False


ENDPOINTS = (
    Endpoint("orgs", f"{_API}/orgs?limit=50", table="org"),
    Endpoint("inspections", f"{_API}/inspections?limit=50", table="inspection"),
    Endpoint("findings", f"{_API}/findings?limit=50", table="finding"),
    Endpoint("ledger", f"{_API}/rectification/items?limit=50", table="rectification_item"),
    Endpoint("ledger-status", f"{_API}/rectification/items?limit=50&status=in_progress",
             table="rectification_item", where=("status", "in_progress")),
    Endpoint("ledger-overdue", f"{_API}/rectification/items?limit=50&overdue=true",
             table="rectification_item", where=("overdue", True)),
    Endpoint("directives", f"{_API}/directives?limit=50", where=("origin", CITY)),
    Endpoint("coverage", f"{_API}/coverage/progress"),
    Endpoint("ledger-page", f"/t/{COUNTY}/ledger", page=True),
    Endpoint("desk", f"/t/{COUNTY}/", page=True),
    Endpoint("desk-304", f"/t/{COUNTY}/", page=True, revalidate=True),
)
"""The county's most used reads: the JSON lists, the ledger page (整改台账), the desk page
(工作台, 待办), and the desk revalidated by a browser holding the current copy."""


# -- data ---------------------------------------------------------------------------------


async def build(urls: DatabaseUrls, specs: Sequence[TenantSpec]) -> int:
    """Migrate, load ``specs`` and each county's rounds, findings and ledger; returns items."""
    plugins = Plugins(load_settings({"XUNCHA_DATABASE_URL": urls.app_url,
                                     "XUNCHA_DATABASE_ADMIN_URL": urls.admin_url}))
    admin = Database(urls.admin_url)
    await admin.start()
    try:
        app_role = role_of(urls.app_url)
        await migrate(admin, piccolo_apps(plugins),
                      None if app_role == role_of(urls.admin_url) else app_role)
        await sync_tree(admin, specs)
        ids = {r["code"]: r["id"] for r in await admin.fetch('SELECT "id", "code" FROM "tenant"')}
        rng, clock, items = random.Random(7), Clock(), 0
        for spec in specs:
            if spec.level == "county":
                items += await load_county(admin, ids[spec.code], rng, clock)
        if admin.postgres:
            await admin.fetch("ANALYZE")
        return items
    finally:
        await admin.stop()


def county_rows(urls: DatabaseUrls, tables: Sequence[str]) -> dict[str, set[int]]:
    """The county's row ids per table, read as the owner; on PostgreSQL also checks
    that the app role sees none of those tables' rows without a tenant set.

    Raises:
        BenchError: RLS does not bind the app role.
    """

    async def read() -> dict[str, set[int]]:
        admin = Database(urls.admin_url)
        await admin.start()
        try:
            mark = admin.dialect.mark
            (tenant,) = await admin.fetch(f'SELECT "id" FROM "tenant" WHERE "code" = {mark(1)}',
                                          [COUNTY])
            found = {t: {int(r["id"]) for r in await admin.fetch(
                f'SELECT "id" FROM "{t}" WHERE "tenant_id" = {mark(1)}', [tenant["id"]])}
                for t in tables}
        finally:
            await admin.stop()
        if urls.app_url != urls.admin_url:
            app = Database(urls.app_url)
            await app.start()
            try:
                for t in tables:
                    seen = await app.fetch(f'SELECT COUNT(*) AS n FROM "{t}"')
                    if seen[0]["n"]:
                        raise BenchError(f"RLS not in force: the app role sees {seen[0]['n']} "
                                         f"rows of {t} without a tenant")
            finally:
                await app.stop()
        return found

    return asyncio.run(read())


# -- signing in ---------------------------------------------------------------------------


def _request(port: int, method: str, path: str, body: str | None = None,
             headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def _cookie(response: http.client.HTTPResponse, name: str) -> str:
    for header in response.headers.get_all("set-cookie") or []:
        key, _, rest = header.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0].strip().strip('"')
    raise BenchError(f"no cookie {name} in {response.status} {response.headers}")


def sign_in(port: int) -> str:
    """Sign ``BENCH_USER`` in through the login form; returns the ``Cookie`` header."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/login")
    form = conn.getresponse()
    html = form.read().decode()
    conn.close()
    csrf_cookie = _cookie(form, cookie_name(LOGIN_CSRF_COOKIE, port))
    match = re.search(r'name="_csrf" value="([^"]+)"', html)
    if match is None:
        raise BenchError("the login form has no _csrf field")
    body = urlencode({"_csrf": match.group(1), "next": "/", "username": BENCH_USER,
                      "password": BENCH_PASSWORD})
    done = _request(port, "POST", "/login", body, {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"{cookie_name(LOGIN_CSRF_COOKIE, port)}={csrf_cookie}"})
    if done.status != 303:
        raise BenchError(f"sign-in answered {done.status}")
    name = cookie_name(COOKIE, port)
    return f"Cookie: {name}={_cookie(done, name)}"


CITY_USER = "bench.city"


async def _city_token(admin_url: str) -> str:
    """An API token of ``CITY_USER`` in the city (``_make_token`` is ``BENCH_USER``'s)."""
    from datetime import UTC, datetime

    from core.identity.tokens import create_token

    database = Database(admin_url)
    await database.start()
    try:
        mark = database.dialect.mark
        (account,) = await database.fetch(
            f'SELECT "id" FROM "account" WHERE "username" = {mark(1)}', [CITY_USER])
        (row,) = await database.fetch(f'SELECT "id" FROM "tenant" WHERE "code" = {mark(1)}',
                                      [CITY])
        made = await create_token(database, account_id=account["id"], actor="bench",
                                  tenant_id=row["id"], tenant_code=CITY, name="基准测试",
                                  days=7, now=datetime.now(UTC))
        return made.token
    finally:
        await database.stop()


def issue_directives(port: int, env: dict[str, str], urls: DatabaseUrls,
                     county_token: str) -> None:
    """Make ``CITY_USER`` office admin of the city (CLI), issue ``DIRECTIVES`` directives
    to every county through the API and wait until the county received them (NATS).

    Raises:
        BenchError: a command or request failed, or the directives did not arrive.
    """
    for args, stdin in (
        (["users", "create", CITY_USER, "--name", "基准市管理员", "--tenant", CITY,
          "--password-stdin"], BENCH_PASSWORD + "\n"),
        (["roles", "grant", CITY_USER, "office_admin", "--tenant", CITY], None),
    ):
        done = subprocess.run([str(BIN / "xuncha"), *args], env=env, cwd=REPO, input=stdin,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise BenchError(f"xuncha {' '.join(args[:2])} failed:\n{done.stdout}{done.stderr}")
    token = asyncio.run(_city_token(urls.admin_url))
    kinds = ("directive", "common_problem", "knowledge")
    due = (date.today() + timedelta(days=60)).isoformat()
    for n in range(DIRECTIVES):
        body = json.dumps({"kind": kinds[n % len(kinds)], "title": f"基准部署{n + 1}",
                           "body": "请各县（市、区）认真落实。" * 5, "due_date": due})
        answer = _request(port, "POST", f"/t/{CITY}/api/directives", body, {
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        if answer.status != 201:
            raise BenchError(f"issuing a directive answered {answer.status}")
    url = f"http://127.0.0.1:{port}{_API}/directives?limit=1"
    deadline = time.monotonic() + 90
    total = None
    while time.monotonic() < deadline:
        status, body = fetch(url, headers=(f"Authorization: Bearer {county_token}",))
        total = json.loads(body).get("total") if status == 200 else None
        if total == DIRECTIVES:
            return
        time.sleep(0.5)
    raise BenchError(f"{COUNTY} received {total} of {DIRECTIVES} directives after 90 s")


# -- checking and loading -----------------------------------------------------------------


def verify(endpoint: Endpoint, url: str, headers: Sequence[str],
           ids: dict[str, set[int]]) -> str:
    """Check once that ``endpoint`` answers 200 with content of the county only.

    Returns a short description of what it answered.

    Raises:
        BenchError: the status, the content or a row's tenant is wrong.
    """
    status, raw = fetch(url, headers=headers)
    text = raw.decode(errors="replace")
    if endpoint.revalidate:
        if status != 304 or raw:
            raise BenchError(f"{endpoint.name}: revalidating answered {status}: {text[:300]}")
        return "304, no body"
    if status != 200:
        raise BenchError(f"{endpoint.name} {url}: status {status}: {text[:300]}")
    foreign = sorted({n for n in _COUNTY_NAME.findall(text) if n != COUNTY[-2:].lstrip("0")})
    if foreign:
        raise BenchError(f"{endpoint.name}: names of other counties {foreign[:5]} in the answer")
    if endpoint.page:
        if "第1县委巡察办" not in text or "<html" not in text.lower():
            raise BenchError(f"{endpoint.name}: not the county's page: {text[:300]}")
        return f"{len(raw)} bytes of HTML"
    page = json.loads(raw)
    if "items" not in page:
        if not page:
            raise BenchError(f"{endpoint.name}: empty answer")
        return f"{len(raw)} bytes of JSON ({', '.join(list(page)[:4])}, ...)"
    items = page["items"]
    if not items:
        raise BenchError(f"{endpoint.name}: no items")
    if endpoint.table is not None:
        alien = [i["id"] for i in items if i["id"] not in ids[endpoint.table]]
        if alien:
            raise BenchError(f"{endpoint.name}: ids not of {COUNTY}: {alien[:5]}")
    if endpoint.where is not None:
        key, value = endpoint.where
        wrong = [i for i in items if i.get(key) != value]
        if wrong:
            raise BenchError(f"{endpoint.name}: items without {key}={value!r}: {wrong[:2]}")
    return f"{len(items)} items of {page.get('total')}, {len(raw)} bytes"


def rss_mb(pid: int) -> tuple[float, float]:
    """Resident set size and its peak (VmRSS, VmHWM) of ``pid`` in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


@dataclass
class Deployment:
    """A running ``xuncha serve`` with its credentials."""

    process: subprocess.Popen[bytes]
    port: int
    token_header: str
    cookie_header: str
    ready_rss_mb: float
    """RSS once started, before the sign-in and any load."""

    def rss(self) -> tuple[float, float, float]:
        """RSS when ready, RSS now and the peak so far (MB)."""
        return (self.ready_rss_mb, *rss_mb(self.process.pid))

    def url(self, endpoint: Endpoint) -> str:
        """The endpoint's URL on this deployment."""
        return f"http://127.0.0.1:{self.port}{endpoint.path}"

    def headers(self, endpoint: Endpoint) -> tuple[str, ...]:
        """What the endpoint's requests carry: the session cookie for a page, else the token;
        for a revalidation, the ETag the answer has now (it changes with the minute)."""
        credential = (self.cookie_header if endpoint.page else self.token_header,)
        if not endpoint.revalidate:
            return credential
        request = urllib.request.Request(self.url(endpoint), headers=dict(
            (name.strip(), value.strip())
            for name, _, value in (h.partition(":") for h in credential)))
        with urllib.request.urlopen(request, timeout=10) as response:
            etag = response.headers.get("ETag")
        if not etag:
            raise BenchError(f"{endpoint.name}: the answer carries no ETag")
        return (*credential, f"If-None-Match: {etag}")


def start_serve(processes: Processes, env: dict[str, str], home: Path, urls: DatabaseUrls,
                log: Path) -> Deployment:
    """Start ``xuncha serve``, make the office admin and sign in both ways."""
    port = free_port()
    process = processes.start([str(BIN / "xuncha"), "serve", "--port", str(port)], env, log)
    wait_ready(process, f"http://127.0.0.1:{port}/healthz", log)
    db = None if urls.app_url.startswith("sqlite") else urls
    token = f"Authorization: Bearer {api_token(env, home, db, COUNTY)}"
    # The grant reaches the running app over NATS (policy reload): wait for it.
    deadline, status = time.monotonic() + 30, 0
    while time.monotonic() < deadline and status != 200:
        status = fetch(f"http://127.0.0.1:{port}{_API}/orgs?limit=1", headers=(token,))[0]
        time.sleep(0.2)
    if status != 200:
        raise BenchError(f"the new office admin still gets {status} after 30 s")
    ready, peak = rss_mb(process.pid)
    cookie = sign_in(port)
    # Verifying the password (argon2id, 64 MiB per hash) is what lifts the peak.
    print(f"serve pid {process.pid}: RSS {ready:.1f} MB (peak {peak:.1f}) when ready, "
          f"peak {rss_mb(process.pid)[1]:.1f} MB after one sign-in", flush=True)
    return Deployment(process, port, token, cookie, ready)


def load(runs: dict[str, WrkResult], name: str, url: str, args: argparse.Namespace,
         headers: Sequence[str]) -> None:
    """One wrk run of ``url``; keeps the best per name."""
    result = run_wrk(url, args.duration, args.connections, headers=headers)
    print(f"  {name:<15} {result.line()}", flush=True)
    if name not in runs or result.requests_per_second > runs[name].requests_per_second:
        runs[name] = result


@dataclass
class BackendResult:
    """What one backend measured."""

    backend: str
    runs: dict[str, WrkResult]
    rss: dict[str, tuple[float, float, float]]
    county_runs: dict[str, WrkResult]


def bench_backend(backend: str, args: argparse.Namespace,
                  endpoints: Sequence[Endpoint]) -> BackendResult:
    """Build, check and load one backend; cleans up whatever happens."""
    print(f"\n== {backend} ==", flush=True)
    with contextlib.ExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix=f"xuncha-benchreads-{backend}-"))
        if args.keep:
            print(f"keeping {tmp} (logs of every process)", flush=True)
        else:
            stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        processes = Processes()
        stack.callback(processes.stop_all)

        def urls_in(home: Path) -> DatabaseUrls:
            home.mkdir(parents=True)
            if backend == "postgres":
                return stack.enter_context(postgres_database(args.pg_dsn))
            url = f"sqlite:///{home / 'xuncha.sqlite3'}"
            return DatabaseUrls(admin_url=url, app_url=url)

        home = tmp / "city"
        urls = urls_in(home)
        start = time.perf_counter()
        items = asyncio.run(build(urls, tree(COUNTIES)))
        print(f"city deployment: a city and {COUNTIES} counties × 3 rounds, {items} ledger "
              f"items, loaded in {time.perf_counter() - start:.1f} s", flush=True)
        env = child_env(home, urls if backend == "postgres" else None)
        ours = start_serve(processes, env, home, urls, tmp / "serve.log")
        bare_port = free_port()
        bare = processes.start(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(BENCH_DIR), "bare_app:app",
             "--host", "127.0.0.1", "--port", str(bare_port), "--log-level", "warning",
             "--no-access-log"], env, tmp / "bare.log")
        bare_url = f"http://127.0.0.1:{bare_port}{BARE_PATH}"
        wait_ready(bare, bare_url, tmp / "bare.log")
        if any(e.name == "directives" for e in endpoints):
            start = time.perf_counter()
            issue_directives(ours.port, env, urls, ours.token_header.split()[-1])
            print(f"{DIRECTIVES} directives issued by {CITY}, received by {COUNTY} in "
                  f"{time.perf_counter() - start:.1f} s", flush=True)
        ids = county_rows(urls, sorted({e.table for e in endpoints if e.table}))
        for e in endpoints:
            print(f"verified {e.name}: {verify(e, ours.url(e), ours.headers(e), ids)}",
                  flush=True)

        token = (ours.token_header,)
        for e in endpoints:
            run_wrk(ours.url(e), args.warmup, args.connections, headers=ours.headers(e))
        run_wrk(bare_url, args.warmup, args.connections, headers=token)
        runs: dict[str, WrkResult] = {}
        for round_no in range(1, args.rounds + 1):
            print(f"round {round_no}", flush=True)
            load(runs, "bare", bare_url, args, token)
            for e in endpoints:
                load(runs, e.name, ours.url(e), args, ours.headers(e))
        rss = {"city (17 tenants)": ours.rss()}
        processes.stop_all()

        county_runs, rss["county (alone)"] = bench_county_alone(backend, args, endpoints, tmp,
                                                                urls_in, processes)
        return BackendResult(backend, runs, rss, county_runs)


def bench_county_alone(backend: str, args: argparse.Namespace, endpoints: Sequence[Endpoint],
                       tmp: Path, urls_in: Callable[[Path], DatabaseUrls],
                       processes: Processes
                       ) -> tuple[dict[str, WrkResult], tuple[float, float, float]]:
    """The county's own deployment (its tenant alone in its database, its city elsewhere):
    each endpoint loaded once; returns the runs and the process's RSS (``Deployment.rss``)."""
    home = tmp / "county"
    urls = urls_in(home)
    spec = next(s for s in tree(COUNTIES) if s.code == COUNTY)
    asyncio.run(build(urls, [spec]))
    env = child_env(home, urls if backend == "postgres" else None)
    county = start_serve(processes, env, home, urls, tmp / "serve-county.log")
    print(f"county deployment: {COUNTY} alone (no directives: its city is not connected)",
          flush=True)
    out: dict[str, WrkResult] = {}
    ids = county_rows(urls, sorted({e.table for e in endpoints if e.table}))
    for e in endpoints:
        if e.name == "directives":
            continue
        print(f"verified {e.name}: {verify(e, county.url(e), county.headers(e), ids)}",
              flush=True)
        run_wrk(county.url(e), args.warmup, args.connections, headers=county.headers(e))
        load(out, e.name, county.url(e), args, county.headers(e))
    rss = county.rss()
    processes.stop_all()
    return out, rss


# -- report -------------------------------------------------------------------------------


def print_table(results: Sequence[BackendResult]) -> None:
    """The summary: per backend and endpoint the best run against the best bare run."""
    header = (f"{'backend':<9} {'endpoint':<15} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'ratio':>6} {'target':>6} {'met':>4}")
    print("\n" + header + "\n" + "-" * len(header))
    for r in results:
        bare = r.runs["bare"]
        target = TARGETS[r.backend]
        for name, run in r.runs.items():
            ratio = run.requests_per_second / bare.requests_per_second
            met = "" if name == "bare" else ("yes" if ratio >= target else "NO")
            shown = "" if name == "bare" else f"{target:.2f}"
            print(f"{r.backend:<9} {name:<15} {run.requests_per_second:>8.0f} "
                  f"{run.p50_ms:>7.2f} {run.p99_ms:>7.2f} {ratio:>6.3f} {shown:>6} {met:>4}")
    print(f"\n{'backend':<9} {'deployment':<18} {'ready MB':>8} {'RSS MB':>7} {'peak MB':>8} "
          f"{'target':>7} {'met':>4}")
    for r in results:
        for name, (ready, now, peak) in r.rss.items():
            print(f"{r.backend:<9} {name:<18} {ready:>8.1f} {now:>7.1f} {peak:>8.1f} "
                  f"{'≤' + format(RSS_TARGET_MB, '.0f'):>7} "
                  f"{'yes' if now <= RSS_TARGET_MB else 'NO':>4}")
    if any(r.county_runs for r in results):
        print("\ncounty's own deployment (one run each, same bare floor):")
        for r in results:
            bare = r.runs["bare"].requests_per_second
            for name, run in r.county_runs.items():
                print(f"{r.backend:<9} {name:<15} {run.requests_per_second:>8.0f} "
                      f"{run.p50_ms:>7.2f} {run.p99_ms:>7.2f} "
                      f"{run.requests_per_second / bare:>6.3f}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    wrk_options(parser, warmup=2)
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        choices=[e.name for e in ENDPOINTS],
                        help="these endpoints only")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder with the logs")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    args = parse_args(argv)
    endpoints = [e for e in ENDPOINTS if not args.only or e.name in args.only]
    status: int
    results, status = run_backends(
        args.backend, lambda b: bench_backend(b, args, endpoints), print_table)
    if status:
        return status
    missed = any(run.requests_per_second / r.runs["bare"].requests_per_second
                 < TARGETS[r.backend] for r in results for name, run in r.runs.items()
                 if name != "bare")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
