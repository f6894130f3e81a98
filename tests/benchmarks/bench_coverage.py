"""Village coverage at city scale: 16 counties × 250 villages over a term, rolled up.

Per backend one run builds a fresh database with a city and 16 counties, each
with 40 departments and 10 townships of 25 villages (250 villages, 50
departments and townships), a five-year term two years in, 6 past rounds that
covered 6 townships and 24 departments, a round under way, classes for a third
of the villages and a proposal for the rest. It then times, in-process:

1. the county side: a proposal over the open rounds, and building and emitting
   each county's ``coverage.reported`` (one per county, into its outbox);
2. the city applying the 16 reports through the sync engine's ``apply`` (inbox,
   then the plugin's table), as its consumer does;
3. the city roll-up through the real app (auth, guard, plugin route):
   ``GET /t/city/api/coverage/counties`` (JSON) and ``GET /t/city/coverage/counties``
   (the page with its SVG charts), median and p95 of ``--requests`` each, against
   ``GET /t/city/api/orgs?limit=50`` on the same stack as a baseline; and one
   county's progress (JSON) and planner page, for scale::

    .venv/bin/python tests/benchmarks/bench_coverage.py [--backend sqlite|postgres|both]
        [--counties 16] [--villages 25] [--requests 50]

Target: the roll-up within 100 ms. For PostgreSQL the admin DSN of bench_api.py.
Not run by CI.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench_api import DEFAULT_PG_DSN, BenchError
from bench_data import DatabaseUrls, postgres_database

from core.app import create_app, piccolo_apps
from core.clock import Clock
from core.db import Database
from core.db.migrate import migrate
from core.db.rls import role_of
from core.inspection.tables import Inspection, InspectionTarget, Round, Term
from core.plugins import Plugins
from core.settings import Settings, load_settings
from core.sync import codec
from core.sync.apply import Received, apply
from core.sync.tables import SyncOutbox
from core.tenancy.loader import sync_tree
from core.tenancy.model import OrgSpec, TenantSpec
from core.tenancy.registry import TenantRegistry
from core.tenancy.tables import Org, OrgKind, TenantLevel
from core.work import Work
from plugins.village_coverage.report import publish_if_changed
from plugins.village_coverage.service import propose_plan
from plugins.village_coverage.tables import CoverageOrg

__all__ = ["main"]

TOWNSHIPS, DEPARTMENTS = 10, 40
COUNTY = "city.c01"
TARGET_MS = 100.0


def tree(counties: int, villages: int) -> list[TenantSpec]:
    """A city and its counties: 40 departments, 10 townships of ``villages`` villages."""
    specs = [TenantSpec(code="city", name="基准市委巡察办", level=TenantLevel.city)]
    for c in range(1, counties + 1):
        orgs = [OrgSpec(code=f"D{i:03d}", name=f"第{c}县第{i}局", kind=OrgKind.department)
                for i in range(1, DEPARTMENTS + 1)]
        for t in range(1, TOWNSHIPS + 1):
            orgs.append(OrgSpec(code=f"T{t:02d}", name=f"第{c}县第{t}镇", kind=OrgKind.township))
            orgs += [OrgSpec(code=f"T{t:02d}V{v:03d}", name=f"第{c}县第{t}镇第{v}村",
                             kind=OrgKind.village, parent=f"T{t:02d}")
                     for v in range(1, villages + 1)]
        specs.append(TenantSpec(code=f"city.c{c:02d}", name=f"第{c}县委巡察办",
                                level=TenantLevel.county, parent="city", orgs=orgs))
    return specs


async def load_county(db: Database, tenant_id: int, today: date, rng: random.Random) -> None:
    """The term, its past rounds (each one township with its villages and four departments
    fed back), a round under way, and classes for a third of the villages."""
    s = db.tenant(tenant_id)
    orgs = await s.list(Org, limit=None)
    townships = [o for o in orgs if o["kind"] == "township"]
    departments = [o for o in orgs if o["kind"] == "department"]
    villages = [o for o in orgs if o["kind"] == "village"]
    (term_id,) = await s.insert(Term, [{"name": "第十五届",
                                         "start_date": date(today.year - 2, 1, 1),
                                         "end_date": date(today.year + 2, 12, 31)}])
    slots = [(today.year - 2 + y, n) for y in range(2) for n in range(1, 4)]
    round_ids = await s.insert(Round, [{"term_id": term_id, "year": y, "number": n,
                                        "name": f"{y}年第{n}轮",
                                        "start_date": date(y, 1 + (n - 1) * 4, 1)}
                                       for y, n in slots])
    (current,) = await s.insert(Round, [{"term_id": term_id, "year": today.year, "number": 1,
                                         "name": f"{today.year}年第1轮",
                                         "start_date": date(today.year, 1, 1)}])
    for i, round_id in enumerate([*round_ids, current]):
        township = townships[i]
        members = [township, *(v for v in villages if v["parent"] == township["id"]),
                   *departments[i * 4:(i + 1) * 4]]
        y, n = slots[i] if i < len(slots) else (today.year, 1)
        fed_back = round_id != current
        (inspection_id,) = await s.insert(Inspection, [{
            "round_id": round_id, "kind": "regular", "title": f"{township['name']}巡镇带村",
            "stage": "rectifying" if fed_back else "onsite",
            "feedback_on": date(y, 1 + (n - 1) * 4 + 2, 15) if fed_back else None}])
        await s.insert(InspectionTarget, [{"inspection_id": inspection_id, "org_id": o["id"]}
                                          for o in members])
    await s.insert(CoverageOrg, [
        {"term_id": term_id, "org_id": v["id"], "classification": klass, "mode": mode}
        for v in villages if (pick := rng.random()) < 0.3
        for klass, mode in [("key", "elevated") if pick < 0.1 else ("watch",
                                                                     "township_discipline")]])


async def build(urls: DatabaseUrls, counties: int, villages: int, today: date) -> None:
    """Migrate, load the tree and every county's term."""
    plugins = Plugins(_settings(urls, Path(tempfile.gettempdir())))
    admin = Database(urls.admin_url)
    await admin.start()
    try:
        app_role = role_of(urls.app_url)
        await migrate(admin, piccolo_apps(plugins),
                      None if app_role == role_of(urls.admin_url) else app_role)
        await sync_tree(admin, tree(counties, villages))
        ids = {r["code"]: r["id"] for r in await admin.fetch('SELECT "id", "code" FROM "tenant"')}
        rng = random.Random(7)
        for c in range(1, counties + 1):
            await load_county(admin, ids[f"city.c{c:02d}"], today, rng)
        if admin.postgres:
            await admin.fetch("ANALYZE")
    finally:
        await admin.stop()


def _settings(urls: DatabaseUrls, home: Path) -> Settings:
    return load_settings({"XUNCHA_HOME": str(home), "XUNCHA_DATABASE_URL": urls.app_url,
                          "XUNCHA_DATABASE_ADMIN_URL": urls.admin_url,
                          "XUNCHA_SYNC_IN_SERVE": "false", "XUNCHA_LOG_LEVEL": "WARNING"})


async def county_side(urls: DatabaseUrls, home: Path, counties: int
                      ) -> tuple[list[float], list[float], list[Received]]:
    """Each county proposes a plan and publishes its report, as the app role.

    Returns the proposal and publish times (s) and the reports as the city receives them.
    """
    settings = _settings(urls, home)
    plugins = Plugins(settings)
    db = Database(urls.app_url)
    await db.start()
    try:
        defaults = {s.key: s.default for s in plugins.gather_now("xuncha_tenant_settings")}
        registry = TenantRegistry(db, defaults)
        clock = Clock()
        proposals, publishes = [], []
        for c in range(1, counties + 1):
            tenant = await registry.get(f"city.c{c:02d}")
            assert tenant is not None
            work = Work(session=db.tenant(tenant.id), tenant=tenant, actor="bench", clock=clock,
                        plugins=plugins)
            term = (await work.session.list(Term, limit=1))[0]
            start = time.perf_counter()
            await propose_plan(work, term)  # also republishes, as the office's click does
            proposals.append(time.perf_counter() - start)
            await work.session.delete(SyncOutbox, {"type": "coverage.reported"})
            # Forget what was published, so the report is built and emitted again.
            await db.fetch('UPDATE "coverage_memo" SET "digest" = \'\' WHERE "tenant_id" = '
                           f"{db.dialect.mark(1)}", [tenant.id], tenant.id)
            start = time.perf_counter()
            report = await publish_if_changed(work)
            publishes.append(time.perf_counter() - start)
            if report is None:
                raise BenchError(f"{tenant.code}: no report emitted")
        received = []
        for c in range(1, counties + 1):
            tenant = await registry.get(f"city.c{c:02d}")
            assert tenant is not None
            for row in await db.tenant(tenant.id).list(SyncOutbox,
                                                      {"type": "coverage.reported"}, limit=None):
                body = row["body"].encode("utf-8")
                received.append(Received(body=body, subject=row["subject"],
                                         incoming=codec.decode(body)))
        return proposals, publishes, received
    finally:
        await db.stop()


async def city_apply(urls: DatabaseUrls, home: Path, received: list[Received]) -> float:
    """The city applies the county reports in one batch, as its consumer does (s)."""
    settings = _settings(urls, home)
    plugins = Plugins(settings)
    db = Database(urls.app_url)
    await db.start()
    try:
        defaults = {s.key: s.default for s in plugins.gather_now("xuncha_tenant_settings")}
        city = await TenantRegistry(db, defaults).get("city")
        assert city is not None
        start = time.perf_counter()
        statuses = await apply(db, city, plugins, Clock(), received)
        elapsed = time.perf_counter() - start
        if set(statuses) != {"applied"}:
            raise BenchError(f"apply: {statuses}")
        return elapsed
    finally:
        await db.stop()


async def tokens(urls: DatabaseUrls, codes: Sequence[str]) -> dict[str, str]:
    """An office admin of ``codes`` with an API token scoped to each."""
    from core.authz.policy import PolicyAdapter
    from core.identity.accounts import create_account
    from core.identity.tokens import create_token

    admin = Database(urls.admin_url)
    await admin.start()
    try:
        now = datetime.now(UTC)
        account = await create_account(admin, "bench.city", "基准管理员", "city",
                                       "Bench-pass-2026x", now=now, actor="bench")
        ids = {r["code"]: r["id"] for r in await admin.fetch('SELECT "id", "code" FROM "tenant"')}
        out = {}
        for code in codes:
            await PolicyAdapter(admin).add_policy("g", "g", ["bench.city", "office_admin", code])
            made = await create_token(admin, account_id=account.id, actor="bench",
                                      tenant_id=ids[code], tenant_code=code, name="基准",
                                      days=30, now=now)
            out[code] = made.token
        return out
    finally:
        await admin.stop()


async def roll_up(urls: DatabaseUrls, home: Path, requests: int, counties: int
                  ) -> dict[str, list[float]]:
    """Time the roll-up (JSON and page) and the baseline through the real app."""
    from litestar.testing import AsyncTestClient

    bearer = await tokens(urls, ["city", COUNTY])
    settings = _settings(urls, home)
    app = create_app(settings, Plugins(settings))
    paths = {"roll-up JSON": "/t/city/api/coverage/counties",
             "roll-up page (SVG)": "/t/city/coverage/counties",
             "baseline org list": "/t/city/api/orgs?limit=50",
             "county progress JSON": f"/t/{COUNTY}/api/coverage/progress",
             "county planner page": f"/t/{COUNTY}/coverage/plan"}
    times: dict[str, list[float]] = {name: [] for name in paths}

    def auth(path: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {bearer[path.split('/')[2]]}"}

    async with AsyncTestClient(app=app) as client:
        headers = auth(paths["roll-up JSON"])
        check = await client.get(paths["roll-up JSON"], headers=headers)
        if check.status_code != 200:
            raise BenchError(f"roll-up: {check.status_code} {check.text[:300]}")
        body = check.json()
        reported = [c for c in body["counties"] if c["reported"]]
        if len(reported) != counties:
            raise BenchError(f"roll-up: {len(reported)} counties reported, want {counties}")
        print("city totals: " + "; ".join(f"{t['label']} {t['rate']}" for t in body["totals"]),
              flush=True)
        for _ in range(3):  # warm up
            for path in paths.values():
                await client.get(path, headers=auth(path))
        for _ in range(requests):
            for name, path in paths.items():
                start = time.perf_counter()
                response = await client.get(path, headers=auth(path))
                times[name].append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise BenchError(f"{path}: {response.status_code}")
    return times


def _ms(values: Sequence[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms"


def bench_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """Build and time one backend; cleans up whatever happens."""
    print(f"\n== {backend} ==", flush=True)
    with contextlib.ExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix=f"xuncha-benchcov-{backend}-"))
        stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        if backend == "postgres":
            urls = stack.enter_context(postgres_database(args.pg_dsn))
        else:
            url = f"sqlite:///{tmp / 'xuncha.sqlite3'}"
            urls = DatabaseUrls(admin_url=url, app_url=url)
        today = Clock().today()
        start = time.perf_counter()
        asyncio.run(build(urls, args.counties, args.villages, today))
        print(f"loaded {args.counties} counties × {TOWNSHIPS * args.villages} villages in "
              f"{time.perf_counter() - start:.1f} s", flush=True)
        proposals, publishes, received = asyncio.run(county_side(urls, tmp, args.counties))
        print(f"county proposal: {_ms(proposals)}; county report built and emitted: "
              f"{_ms(publishes)} ({len(received)} reports, "
              f"{sum(len(r.body) for r in received) // len(received)} bytes each)", flush=True)
        applied = asyncio.run(city_apply(urls, tmp, received))
        print(f"city applies {len(received)} reports in one batch: {applied * 1000:.1f} ms",
              flush=True)
        times = asyncio.run(roll_up(urls, tmp, args.requests, args.counties))
        for name, values in times.items():
            print(f"  {name:<20} {_ms(values)}", flush=True)
        return {"backend": backend, "times": times, "applied": applied,
                "publish": statistics.median(publishes)}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit code (1 when the roll-up misses 100 ms)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--counties", type=int, default=16)
    parser.add_argument("--villages", type=int, default=25, help="villages per township (×10)")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--pg-dsn", default=DEFAULT_PG_DSN)
    args = parser.parse_args(argv)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    try:
        rows = [bench_backend(b, args) for b in backends]
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    print(f"\nbackend   {args.counties} counties × "
          f"{TOWNSHIPS * args.villages} villages (city roll-up target ≤ {TARGET_MS:.0f} ms)")
    missed = False
    for row in rows:
        for name, values in row["times"].items():
            median = statistics.median(values) * 1000
            verdict = "" if not name.startswith("roll-up") else (
                "  ok" if median <= TARGET_MS else "  MISSED")
            missed |= verdict == "  MISSED"
            print(f"{row['backend']:<9} {name:<20} {_ms(values)}{verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
