"""City-scale workflow benchmark: the ledger list and the overdue scan.

Per backend one run builds a fresh database with a city and 16 counties,
each with 3 rounds × 15 inspections × 30 findings, and one rectification
item per finding (21,600 items; deadlines spread around today, so about
a third are overdue). It then

1. times the overdue scan over all 17 tenants in-process (the first pass
   escalates every overdue item; the second, the same day, finds nothing to
   do), before the app starts its own scheduled scan;
2. starts ``xuncha serve`` and the bare litestar app of ``bare_app.py`` and
   loads ``/t/<county>/api/rectification/items?limit=50`` (and the overdue
   filter) against the bare handler with wrk, printing latency p50/p99 and
   the throughput ratio measured in the same run::

    .venv/bin/python tests/benchmarks/bench_workflow.py [--backend sqlite|postgres|both]
        [--counties 16] [--duration 10] [--connections 8]

Needs wrk; for PostgreSQL the admin DSN of bench_api.py. Not run by CI.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench_api import (
    BARE_PATH,
    BENCH_DIR,
    BIN,
    DEFAULT_PG_DSN,
    BenchError,
    Processes,
    WrkResult,
    api_token,
    child_env,
    fetch,
    run_wrk,
    wait_ready,
)
from bench_data import DatabaseUrls, free_port, postgres_database

from core.app import piccolo_apps
from core.clock import Clock
from core.db import Database
from core.db.migrate import migrate
from core.db.rls import role_of
from core.inspection.escalation import ScanResult, scan_all
from core.inspection.tables import (
    Finding,
    Inspection,
    InspectionTarget,
    Plan,
    RectificationItem,
    Round,
    Term,
)
from core.plugins import Plugins
from core.settings import load_settings
from core.tenancy.loader import sync_tree
from core.tenancy.model import OrgSpec, TenantSpec
from core.tenancy.registry import TenantRegistry
from core.tenancy.tables import Org, OrgKind, TenantLevel

__all__ = ["main"]

ROUNDS, INSPECTIONS, FINDINGS = 3, 15, 30
COUNTY = "city.c01"
CATEGORIES = ["political", "ideological", "organisational", "personnel", "work_style",
              "discipline", "anti_corruption"]
STATUSES = ["open", "in_progress", "in_progress", "submitted", "verified", "closed"]


def tree(counties: int) -> list[TenantSpec]:
    """A city and its counties, each with 45 departments and 5 townships of 20 villages."""
    specs = [TenantSpec(code="city", name="基准市委巡察办", level=TenantLevel.city,
                        region="基准市", orgs=[])]
    for c in range(1, counties + 1):
        orgs = [OrgSpec(code=f"D{i:03d}", name=f"第{c}县第{i}局", kind=OrgKind.department)
                for i in range(1, ROUNDS * INSPECTIONS + 1)]
        for t in range(1, 6):
            orgs.append(OrgSpec(code=f"T{t:02d}", name=f"第{c}县第{t}镇", kind=OrgKind.township))
            orgs += [OrgSpec(code=f"T{t:02d}V{v:03d}", name=f"第{c}县第{t}镇第{v}村",
                             kind=OrgKind.village, parent=f"T{t:02d}") for v in range(1, 21)]
        specs.append(TenantSpec(code=f"city.c{c:02d}", name=f"第{c}县委巡察办",
                                level=TenantLevel.county, region=f"第{c}县", parent="city",
                                orgs=orgs))
    return specs


async def load_county(db: Database, tenant_id: int, rng: random.Random, clock: Clock) -> int:
    """Term, plan, rounds, inspections, findings and ledger items of one county."""
    s = db.tenant(tenant_id)
    today = clock.today()
    departments = [o["id"] for o in await s.list(Org, {"kind": "department"}, limit=None)]
    (term_id,) = await s.insert(Term, [{"name": "第十五届", "start_date": today.replace(
        year=today.year - 2), "end_date": today.replace(year=today.year + 3)}])
    (plan_id,) = await s.insert(Plan, [{"term_id": term_id, "kind": "year", "year": today.year,
                                         "title": f"{today.year}年巡察计划"}])
    round_ids = await s.insert(Round, [{"term_id": term_id, "plan_id": plan_id,
                                        "year": today.year, "number": n,
                                        "name": f"第{n}轮"} for n in range(1, ROUNDS + 1)])
    inspections = [{"round_id": r, "kind": "regular", "title": f"第{i + 1}组巡察",
                    "stage": "rectifying", "feedback_on": today - timedelta(days=90)}
                   for r in round_ids for i in range(INSPECTIONS)]
    inspection_ids = await s.insert(Inspection, inspections)
    targets = list(zip(inspection_ids, departments, strict=True))
    await s.insert(InspectionTarget, [{"inspection_id": i, "org_id": o} for i, o in targets])
    findings = [{"inspection_id": i, "org_id": o, "category": rng.choice(CATEGORIES),
                 "title": f"问题{n}", "description": "问题描述" * 5, "source": "interview",
                 "recorded_by": "bench"} for i, o in targets for n in range(FINDINGS)]
    finding_ids = await s.insert(Finding, findings)
    items = [{"inspection_id": f["inspection_id"], "org_id": f["org_id"], "finding_id": fid,
              "problem": f["title"] + f["description"], "measures": "整改措施" * 5,
              "deadline": today + timedelta(days=rng.randint(-90, 90)),
              "responsible_person": "张三", "responsible_leader": "李四",
              "lead_office": "办公室", "status": rng.choice(STATUSES)}
             for f, fid in zip(findings, finding_ids, strict=True)]
    await s.insert(RectificationItem, items)
    return len(items)


async def build(urls: DatabaseUrls, counties: int) -> dict[str, Any]:
    """Migrate, load the tree and the workflow rows; returns counts."""
    settings = load_settings({"XUNCHA_DATABASE_URL": urls.app_url,
                              "XUNCHA_DATABASE_ADMIN_URL": urls.admin_url})
    plugins = Plugins(settings)
    admin = Database(urls.admin_url)
    await admin.start()
    try:
        app_role = role_of(urls.app_url)
        await migrate(admin, piccolo_apps(plugins),
                      None if app_role == role_of(urls.admin_url) else app_role)
        await sync_tree(admin, tree(counties))
        ids = {r["code"]: r["id"] for r in await admin.fetch('SELECT "id", "code" FROM "tenant"')}
        rng, clock, items = random.Random(7), Clock(), 0
        for c in range(1, counties + 1):
            items += await load_county(admin, ids[f"city.c{c:02d}"], rng, clock)
        overdue = (await admin.fetch(
            "SELECT COUNT(*) AS n FROM rectification_item WHERE deadline < "
            + ("CURRENT_DATE" if admin.postgres else "date('now')")
            + " AND status IN ('open', 'in_progress')"))[0]["n"]
        if admin.postgres:
            await admin.fetch("ANALYZE")
        return {"items": items, "overdue": int(overdue), "tenants": len(ids)}
    finally:
        await admin.stop()


async def time_scans(urls: DatabaseUrls) -> list[tuple[float, int]]:
    """Two overdue scans over every tenant as the app role: (seconds, escalated)."""
    settings = load_settings({"XUNCHA_DATABASE_URL": urls.app_url,
                              "XUNCHA_DATABASE_ADMIN_URL": urls.admin_url})
    plugins = Plugins(settings)
    db = Database(urls.app_url)
    await db.start()
    try:
        defaults = {s.key: s.default for s in plugins.gather_now("xuncha_tenant_settings")}
        runtime = SimpleNamespace(db=db, tenants=TenantRegistry(db, defaults), clock=Clock(),
                                  plugins=plugins)
        out = []
        for _ in range(2):
            start = time.perf_counter()
            results = await scan_all(runtime)
            elapsed = time.perf_counter() - start
            failed = [(code, r) for code, r in results if not isinstance(r, ScanResult)]
            if failed:
                raise BenchError(f"scan failed: {failed[:3]}")
            out.append((elapsed, sum(r.total for _, r in results if isinstance(r, ScanResult))))
        return out
    finally:
        await db.stop()


def verify(url: str, headers: Sequence[str]) -> int:
    """The ledger answers a full page of its own county; returns the total."""
    status, body = fetch(url, headers=headers)
    if status != 200:
        raise BenchError(f"{url}: {status} {body[:300]!r}")
    page = json.loads(body)
    if len(page["items"]) != 50:
        raise BenchError(f"{url}: {len(page['items'])} items, want 50")
    return int(page["total"])


def bench_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """Build, scan and load one backend; cleans up whatever happens."""
    print(f"\n== {backend} ==", flush=True)
    with contextlib.ExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix=f"xuncha-benchwf-{backend}-"))
        stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        home = tmp / "home"
        home.mkdir()
        if backend == "postgres":
            urls = stack.enter_context(postgres_database(args.pg_dsn))
        else:
            url = f"sqlite:///{home / 'xuncha.sqlite3'}"
            urls = DatabaseUrls(admin_url=url, app_url=url)
        start = time.perf_counter()
        counts = asyncio.run(build(urls, args.counties))
        print(f"loaded {counts['tenants']} tenants, {counts['items']} ledger items "
              f"({counts['overdue']} overdue) in {time.perf_counter() - start:.1f} s", flush=True)
        (first, escalated), (second, again) = asyncio.run(time_scans(urls))
        print(f"overdue scan, all tenants: first {first * 1000:.0f} ms ({escalated} escalated), "
              f"second {second * 1000:.0f} ms ({again} escalated)", flush=True)

        processes = Processes()
        stack.callback(processes.stop_all)
        env = child_env(home, urls if backend == "postgres" else None)
        ours_port, bare_port = free_port(), free_port()
        ours = processes.start([str(BIN / "xuncha"), "serve", "--port", str(ours_port)], env,
                               tmp / "serve.log")
        bare = processes.start(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(BENCH_DIR), "bare_app:app",
             "--host", "127.0.0.1", "--port", str(bare_port), "--log-level", "warning",
             "--no-access-log"], env, tmp / "bare.log")
        wait_ready(ours, f"http://127.0.0.1:{ours_port}/healthz", tmp / "serve.log")
        bare_url = f"http://127.0.0.1:{bare_port}{BARE_PATH}"
        wait_ready(bare, bare_url, tmp / "bare.log")
        # The same signed-in path for both (an office admin's API token): the
        # bare app ignores the header, so only our guard pays for it.
        headers = (f"Authorization: Bearer "
                   f"{api_token(env, home, urls if backend == 'postgres' else None, COUNTY)}",)
        base = f"http://127.0.0.1:{ours_port}/t/{COUNTY}/api/rectification/items?limit=50"
        urls_ours = {"ledger": base, "ledger overdue": base + "&overdue=true"}
        for name, url in urls_ours.items():
            print(f"{name}: {url} total {verify(url, headers)}", flush=True)
        for url in (bare_url, *urls_ours.values()):
            run_wrk(url, args.warmup, args.connections, headers=headers)
        results: dict[str, WrkResult] = {}
        for _ in range(args.rounds):
            for name, url in (("bare", bare_url), *urls_ours.items()):
                run = run_wrk(url, args.duration, args.connections, headers=headers)
                print(f"  {name}: {run.line()}", flush=True)
                if name not in results or run.requests_per_second > \
                        results[name].requests_per_second:
                    results[name] = run
        return {"backend": backend, "scan": (first, escalated, second), "wrk": results,
                **counts}


def report(rows: Sequence[dict[str, Any]]) -> None:
    """The summary table."""
    print("\nbackend   endpoint         req/s   ratio   p50 ms   p99 ms")
    for row in rows:
        bare = row["wrk"]["bare"]
        for name, run in row["wrk"].items():
            ratio = run.requests_per_second / bare.requests_per_second
            print(f"{row['backend']:<9} {name:<15} {run.requests_per_second:7.0f} {ratio:7.3f} "
                  f"{run.p50_ms:8.2f} {run.p99_ms:8.2f}")
        first, escalated, second = row["scan"]
        print(f"{row['backend']:<9} overdue scan of {row['tenants']} tenants / {row['items']} "
              f"items: {first * 1000:.0f} ms ({escalated} escalated), idempotent re-run "
              f"{second * 1000:.0f} ms")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--counties", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pg-dsn", default=DEFAULT_PG_DSN)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    try:
        rows = [bench_backend(b, args) for b in backends]
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    report(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
