"""Authorization at scale: decision time at 50,000 policies, and the authorised org list.

Per backend (SQLite file, or PostgreSQL with row-level security in force) one
run

1. builds a fresh database with 20 tenants (a city and 19 counties) and
   50,000 policy lines: one or two role grants (``g``) for each of 5,000
   accounts across the tenants, the rest tenant-specific ``p`` lines (60
   custom roles per tenant, about a tenth of them denies, a few wildcards);
2. loads an ``Authorizer`` (casbin model plus the derived index) and times
   full loads and index rebuilds;
3. times 200,000 random decisions ``Authorizer.allows`` one by one (p50/p99,
   target p50 ≤ 20 µs) and casbin's own ``enforce`` on a sample of them
   (same model and lines, no cache), checks that both agree on that sample,
   and prints the ratio;
4. starts ``xuncha serve`` on the benchmark tree of ``bench_data.py`` plus
   the same 50,000 lines, with an office admin made by the CLI and an API
   token, and loads ``/t/bench.county/api/orgs?limit=50`` with wrk (bearer
   token) against the bare litestar app of ``bare_app.py`` in the same run::

    .venv/bin/python tests/benchmarks/bench_authz.py [--backend sqlite|postgres|both]
        [--decisions 200000] [--casbin-sample 100] [--duration 10] [--connections 32]

Needs wrk and, for PostgreSQL, the admin DSN of ``bench_api.py``. Not run by CI.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench_api import (
    BARE_PATH,
    BENCH_DIR,
    BIN,
    OUR_PATH,
    PAGE,
    REPO,
    BenchError,
    Processes,
    WrkResult,
    api_token,
    child_env,
    database_urls,
    run_backends,
    run_wrk,
    verify_endpoint,
    wait_ready,
    wrk_options,
)
from bench_data import (
    CITY,
    COUNTY,
    COUNTY_ORGS,
    OTHER,
    DatabaseUrls,
    check_isolation,
    free_port,
    postgres_database,
    write_tenant_tree,
)

from core.app import piccolo_apps
from core.authz.policy import Authorizer
from core.authz.roles import Role
from core.authz.setup import build_authorizer
from core.db import Database
from core.db.migrate import migrate
from core.db.rls import role_of
from core.plugins import Plugins
from core.settings import load_settings
from core.tenancy.loader import sync_tree
from core.tenancy.model import OrgSpec, TenantSpec
from core.tenancy.tables import OrgKind, TenantLevel

__all__ = ["main"]

TENANTS, ACCOUNTS, LINES, CUSTOM_ROLES = 20, 5_000, 50_000, 60
TARGET_P50_US = 20.0
CORE_GRANTS = [Role.office_staff, Role.leading_group, Role.city_supervisor, Role.office_admin]
_CHUNK = 2_000  # rows per INSERT: 7 values each, under asyncpg's 32,767 parameters


@dataclass(frozen=True)
class Policies:
    """The generated lines and the people and tenants they name."""

    lines: list[tuple[str, str, str, str, str]]
    users: list[str]
    tenants: list[str]

    @property
    def grants(self) -> int:
        return sum(1 for line in self.lines if line[0] == "g")


def generate(tenants: list[str], actions: list[str], seed: int = 20) -> Policies:
    """``LINES`` policy lines over ``tenants``: grants of ``ACCOUNTS`` accounts, then
    tenant-specific lines of custom roles (about 10 % denies, 1 % wildcards)."""
    rng = random.Random(seed)
    users = [f"bench.u{n:05d}" for n in range(ACCOUNTS)]
    lines: list[tuple[str, str, str, str, str]] = []
    for user in users:
        for tenant in rng.sample(tenants, rng.choice((1, 1, 2))):
            role = (rng.choice(CORE_GRANTS).value if rng.random() < 0.6
                    else f"r{rng.randrange(CUSTOM_ROLES):02d}")
            lines.append(("g", user, role, tenant, ""))
    wanted = LINES - len(lines)
    per_role = -(-wanted // (len(tenants) * CUSTOM_ROLES))  # ceiling
    for tenant in tenants:
        for r in range(CUSTOM_ROLES):
            for action in rng.sample(actions, min(per_role, len(actions))):
                if len(lines) == LINES:
                    break
                if rng.random() < 0.01:
                    action = action.split(":")[0] + ":*"
                effect = "deny" if rng.random() < 0.1 else "allow"
                lines.append(("p", f"r{r:02d}", tenant, action, effect))
    if len(lines) != LINES:
        raise BenchError(f"generated {len(lines)} lines, want {LINES} (too few actions?)")
    return Policies(lines, users, tenants)


async def insert_lines(db: Database, lines: list[tuple[str, str, str, str, str]]) -> None:
    """Insert policy lines into ``casbin_rule`` in chunks, in one transaction."""
    async with db.transaction():
        for start in range(0, len(lines), _CHUNK):
            chunk = lines[start:start + _CHUNK]
            values, args = [], []
            for line in chunk:
                base = len(args)
                values.append("(" + ", ".join(db.dialect.mark(base + i) for i in range(1, 8))
                              + ")")
                args += [line[0], line[1], line[2], line[3], line[4], "", ""]
            await db.fetch('INSERT INTO "casbin_rule" ("ptype", "v0", "v1", "v2", "v3", "v4", '
                           f'"v5") VALUES {", ".join(values)} RETURNING "id"', args)


def tree() -> list[TenantSpec]:
    """A city and 19 counties (a few orgs each: decisions do not read orgs)."""
    specs = [TenantSpec(code="city", name="基准市委巡察办", level=TenantLevel.city,
                        region="基准市", orgs=[])]
    for c in range(1, TENANTS):
        specs.append(TenantSpec(
            code=f"city.c{c:02d}", name=f"第{c}县委巡察办", level=TenantLevel.county,
            region=f"第{c}县", parent="city",
            orgs=[OrgSpec(code=f"D{i:03d}", name=f"第{c}县第{i}局", kind=OrgKind.department)
                  for i in range(1, 6)]))
    return specs


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The value at ``fraction`` (0..1) of ``sorted_values``."""
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


@dataclass(frozen=True)
class DecisionResult:
    """The figures of the in-process part of one backend."""

    backend: str
    lines: int
    grants: int
    load_s: float
    rebuild_ms: float
    p50_us: float
    p99_us: float
    mean_us: float
    casbin_p50_us: float
    casbin_p99_us: float
    sample: int
    agreed: int

    @property
    def ratio(self) -> float:
        """How many times faster the index decides than casbin's enforce (p50)."""
        return self.casbin_p50_us / self.p50_us


async def time_decisions(backend: str, urls: DatabaseUrls, args: argparse.Namespace
                         ) -> DecisionResult:
    """Build the database, load an authorizer and time its decisions against casbin's."""
    settings = load_settings({"XUNCHA_DATABASE_URL": urls.app_url,
                              "XUNCHA_DATABASE_ADMIN_URL": urls.admin_url})
    plugins = Plugins(settings)
    admin = Database(urls.admin_url)
    await admin.start()
    try:
        app_role = role_of(urls.app_url)
        await migrate(admin, piccolo_apps(plugins),
                      None if app_role == role_of(urls.admin_url) else app_role)
        await sync_tree(admin, tree())
        tenants = [r["code"] for r in await admin.fetch('SELECT "code" FROM "tenant"')]
        authz = build_authorizer(admin, plugins)
        policies = generate(sorted(tenants), sorted(authz.actions))
        await insert_lines(admin, policies.lines)
    finally:
        await admin.stop()
    db = Database(urls.app_url)  # decisions as the app role, like the app
    await db.start()
    try:
        authz = build_authorizer(db, plugins)
        loads = []
        for _ in range(3):
            start = time.perf_counter()
            await authz.load()
            loads.append(time.perf_counter() - start)
        print(f"loaded {len(authz.enforcer.get_policy())} p lines (core defaults included) "
              f"and {len(authz.enforcer.get_grouping_policy())} g lines; load (SQL + casbin + "
              f"index) best of 3: {min(loads):.2f} s", flush=True)
        rebuilds = []
        for _ in range(5):
            start = time.perf_counter()
            authz._rebuild()  # what every grant and revoke costs in memory
            rebuilds.append(time.perf_counter() - start)
        return decide(backend, authz, policies, args, min(loads), min(rebuilds) * 1000)
    finally:
        await db.stop()


def decide(backend: str, authz: Authorizer, policies: Policies, args: argparse.Namespace,
           load_s: float, rebuild_ms: float) -> DecisionResult:
    """Time ``args.decisions`` random decisions, and casbin's enforce on a sample."""
    rng = random.Random(5)
    actions = sorted(authz.actions)
    homes: dict[str, list[str]] = {}
    for line in policies.lines:
        if line[0] == "g":
            homes.setdefault(line[1], []).append(line[3])
    asks = []
    for _ in range(args.decisions):
        user = rng.choice(policies.users)
        # Mostly a tenant where the account holds a role, as real requests do.
        tenant = (rng.choice(homes[user]) if user in homes and rng.random() < 0.8
                  else rng.choice(policies.tenants))
        asks.append((user, tenant, rng.choice(actions)))
    clock, allows = time.perf_counter_ns, authz.allows
    times = []
    for user, tenant, action in asks:
        start = clock()
        allows(user, tenant, action)
        times.append(clock() - start)
    start = clock()
    for user, tenant, action in asks:
        allows(user, tenant, action)
    mean_us = (clock() - start) / len(asks) / 1000
    times.sort()
    sample = asks[:args.casbin_sample]
    casbin_times, agreed = [], 0
    for user, tenant, action in sample:
        start = clock()
        expected = authz.enforcer.enforce(user, tenant, action)
        casbin_times.append(clock() - start)
        agreed += expected == authz.allows(user, tenant, action)
    casbin_times.sort()
    return DecisionResult(
        backend=backend, lines=len(policies.lines), grants=policies.grants, load_s=load_s,
        rebuild_ms=rebuild_ms, p50_us=percentile(times, 0.5) / 1000,
        p99_us=percentile(times, 0.99) / 1000, mean_us=mean_us,
        casbin_p50_us=percentile(casbin_times, 0.5) / 1000,
        casbin_p99_us=percentile(casbin_times, 0.99) / 1000, sample=len(sample),
        agreed=agreed)


@dataclass(frozen=True)
class EndpointResult:
    """Best bare and best ours (authorised) of one backend."""

    bare: WrkResult
    ours: WrkResult

    @property
    def ratio(self) -> float:
        return self.ours.requests_per_second / self.bare.requests_per_second


def add_policy_lines(urls: DatabaseUrls) -> int:
    """The 50,000 lines over the bench tree's tenants plus 17 made-up tenant codes."""
    async def work() -> int:
        db = Database(urls.admin_url)
        await db.start()
        try:
            settings = load_settings({"XUNCHA_DATABASE_URL": urls.app_url,
                                      "XUNCHA_DATABASE_ADMIN_URL": urls.admin_url})
            actions = sorted(build_authorizer(db, Plugins(settings)).actions)
            tenants = [CITY, COUNTY, OTHER] + [f"{CITY}.x{n:02d}" for n in range(TENANTS - 3)]
            policies = generate(tenants, actions)
            await insert_lines(db, policies.lines)
            return len(policies.lines)
        finally:
            await db.stop()

    return asyncio.run(work())


def load_endpoint(backend: str, db: DatabaseUrls | None, args: argparse.Namespace
                  ) -> EndpointResult:
    """``xuncha serve`` with the lines and a token-holding office admin, against bare."""
    with contextlib.ExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix=f"xuncha-benchauthz-{backend}-"))
        stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        processes = Processes()
        stack.callback(processes.stop_all)
        home = tmp / "home"
        env = child_env(home, db)
        sync = subprocess.run([str(BIN / "xuncha"), "tenants", "sync",
                               str(write_tenant_tree(tmp / "tenants"))], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=300)
        if sync.returncode != 0:
            raise BenchError(f"xuncha tenants sync failed:\n{sync.stdout}{sync.stderr}")
        added = add_policy_lines(database_urls(home, db))
        headers = (f"Authorization: Bearer {api_token(env, home, db)}",)
        print(f"serve: {added} policy lines added; office admin and token of {COUNTY} made "
              "with the CLI", flush=True)
        ours_port, bare_port = free_port(), free_port()
        ours = processes.start([str(BIN / "xuncha"), "serve", "--port", str(ours_port)], env,
                               tmp / "serve.log")
        bare = processes.start(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(BENCH_DIR), "bare_app:app",
             "--host", "127.0.0.1", "--port", str(bare_port), "--log-level", "warning",
             "--no-access-log"], env, tmp / "bare.log")
        ours_url = f"http://127.0.0.1:{ours_port}{OUR_PATH}"
        bare_url = f"http://127.0.0.1:{bare_port}{BARE_PATH}"
        wait_ready(ours, f"http://127.0.0.1:{ours_port}/healthz", tmp / "serve.log")
        wait_ready(bare, bare_url, tmp / "bare.log")
        verify_endpoint(ours_url, check_isolation(home, db), COUNTY_ORGS, headers)
        print(f"verified: {PAGE} items of {COUNTY} with the token, none foreign", flush=True)
        for url in (bare_url, ours_url):
            run_wrk(url, args.warmup, args.connections, headers=headers)
        runs: dict[str, list[WrkResult]] = {"bare": [], "ours": []}
        for round_no in range(1, args.rounds + 1):
            for name, url in (("bare", bare_url), ("ours", ours_url)):
                result = run_wrk(url, args.duration, args.connections, headers=headers)
                runs[name].append(result)
                print(f"round {round_no} {name}: {result.line()}", flush=True)
        best = {name: max(rs, key=lambda r: r.requests_per_second) for name, rs in runs.items()}
        return EndpointResult(best["bare"], best["ours"])


def bench_backend(backend: str, args: argparse.Namespace
                  ) -> tuple[DecisionResult, EndpointResult]:
    """Both parts on one backend; cleans up whatever happens."""
    print(f"\n== {backend} ==", flush=True)
    with contextlib.ExitStack() as stack:
        if backend == "postgres":
            urls = stack.enter_context(postgres_database(args.pg_dsn))
        else:
            folder = Path(tempfile.mkdtemp(prefix="xuncha-benchauthz-db-"))
            stack.callback(shutil.rmtree, folder, ignore_errors=True)
            url = f"sqlite:///{folder / 'policies.sqlite3'}"
            urls = DatabaseUrls(admin_url=url, app_url=url)
        decisions = asyncio.run(time_decisions(backend, urls, args))
    print(line_of(decisions), flush=True)
    with contextlib.ExitStack() as stack:
        db = stack.enter_context(postgres_database(args.pg_dsn)) if backend == "postgres" \
            else None
        endpoint = load_endpoint(backend, db, args)
    return decisions, endpoint


def line_of(d: DecisionResult) -> str:
    """The decision figures of one backend, on one line."""
    met = "met" if d.p50_us <= TARGET_P50_US else "NOT met"
    return (f"decisions: p50 {d.p50_us:.2f} µs, p99 {d.p99_us:.2f} µs, mean {d.mean_us:.2f} µs "
            f"(target p50 ≤ {TARGET_P50_US:.0f} µs: {met}); "
            f"casbin enforce p50 {d.casbin_p50_us:.0f} µs p99 {d.casbin_p99_us:.0f} µs "
            f"(×{d.ratio:.0f}); agreed {d.agreed}/{d.sample}")


def print_table(results: Sequence[tuple[DecisionResult, EndpointResult]]) -> None:
    """The summary of every backend."""
    header = (f"{'backend':<9} {'lines':>6} {'g':>5} {'load s':>6} {'rebuild ms':>10} "
              f"{'p50 µs':>7} {'p99 µs':>7} {'casbin p50 µs':>13} {'×':>6} "
              f"{'bare req/s':>10} {'ours req/s':>10} {'ratio':>6}")
    print("\n" + header + "\n" + "-" * len(header))
    for d, e in results:
        print(f"{d.backend:<9} {d.lines:>6} {d.grants:>5} {d.load_s:>6.2f} {d.rebuild_ms:>10.1f} "
              f"{d.p50_us:>7.2f} {d.p99_us:>7.2f} {d.casbin_p50_us:>13.0f} {d.ratio:>6.0f} "
              f"{e.bare.requests_per_second:>10.1f} {e.ours.requests_per_second:>10.1f} "
              f"{e.ratio:>6.3f}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    wrk_options(parser)
    parser.add_argument("--decisions", type=int, default=200_000)
    parser.add_argument("--casbin-sample", type=int, default=100,
                        help="decisions also asked of casbin's enforce (slow)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status (2 when setup or a check failed)."""
    args = parse_args(argv)

    def bench(backend: str) -> tuple[DecisionResult, EndpointResult]:
        result = bench_backend(backend, args)
        decisions = result[0]
        if decisions.agreed != decisions.sample:
            raise BenchError(f"the index disagrees with casbin on "
                             f"{decisions.sample - decisions.agreed} decisions")
        return result

    status: int = run_backends(args.backend, bench, print_table)[1]
    return status


if __name__ == "__main__":
    sys.exit(main())

