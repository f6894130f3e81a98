"""Team suggestion of the talent pool: a 5-target inspection in a pool of 2,000 persons.

Per backend one run builds a fresh database with one county of 300 orgs (40
departments, 10 enterprises, 10 townships of 25 villages), a term with 3 years
of history (9 rounds of 12 inspections of 2-3 orgs, each with a team of 5 of
the pool), and a pool of ``--persons`` active persons with 2-4 lines of work or
study history, 1-3 relatives or former superiors, and 0-2 availability periods
each. It then times, in-process through the plugin's own service
(``plugins.talent_pool.suggest.suggest``, the one the API and the page call),
the suggestion for an inspection of 5 orgs in the current round, ``--requests``
times, and prints median and p95::

    .venv/bin/python tests/benchmarks/bench_talent_suggest.py [--backend sqlite|postgres|both]
        [--persons 2000] [--requests 30]

Aim: well under 100 ms. For PostgreSQL the admin DSN of bench_api.py. Not run by CI.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench_api import DEFAULT_PG_DSN, BenchError
from bench_data import DatabaseUrls, postgres_database

from core.app import piccolo_apps
from core.clock import Clock
from core.db import Database
from core.db.migrate import migrate
from core.db.rls import role_of
from core.inspection.tables import Inspection, InspectionTarget, Round, TeamMember, Term
from core.plugins import Plugins
from core.settings import Settings, load_settings
from core.tenancy.loader import sync_tree
from core.tenancy.model import OrgSpec, TenantSpec
from core.tenancy.registry import TenantRegistry
from core.tenancy.tables import Org, OrgKind, TenantLevel
from core.work import Work
from plugins.talent_pool.model import SPECIALTY_LABELS
from plugins.talent_pool.suggest import suggest
from plugins.talent_pool.tables import (
    TalentAvailability,
    TalentHistory,
    TalentPerson,
    TalentRelation,
)

TARGET_MS = 100.0
COUNTY = "bench.talent"


def tree() -> list[TenantSpec]:
    """One county of 300 orgs."""
    orgs = [OrgSpec(code=f"D{i:03d}", name=f"第{i}局", kind=OrgKind.department)
            for i in range(1, 41)]
    orgs += [OrgSpec(code=f"S{i:02d}", name=f"第{i}公司", kind=OrgKind.soe) for i in range(1, 11)]
    for t in range(1, 11):
        orgs.append(OrgSpec(code=f"T{t:02d}", name=f"第{t}镇", kind=OrgKind.township))
        orgs += [OrgSpec(code=f"T{t:02d}V{v:02d}", name=f"第{t}镇{v}村", kind=OrgKind.village,
                         parent=f"T{t:02d}") for v in range(1, 26)]
    return [TenantSpec(code=COUNTY, name="基准人才库县委巡察办", level=TenantLevel.county,
                       orgs=orgs)]


def _settings(urls: DatabaseUrls, home: Path) -> Settings:
    return load_settings({"XUNCHA_HOME": str(home), "XUNCHA_DATABASE_URL": urls.app_url,
                          "XUNCHA_DATABASE_ADMIN_URL": urls.admin_url,
                          "XUNCHA_SYNC_IN_SERVE": "false", "XUNCHA_LOG_LEVEL": "WARNING"})


async def build(urls: DatabaseUrls, home: Path, persons: int, today: date) -> int:
    """Migrate, load the county, its history and its pool; returns the inspection timed."""
    plugins = Plugins(_settings(urls, home))
    admin = Database(urls.admin_url)
    await admin.start()
    rng = random.Random(14)
    try:
        app_role = role_of(urls.app_url)
        await migrate(admin, piccolo_apps(plugins),
                      None if app_role == role_of(urls.admin_url) else app_role)
        await sync_tree(admin, tree())
        (tenant_id,) = [r["id"] for r in await admin.fetch('SELECT "id" FROM "tenant"')]
        s = admin.tenant(tenant_id)
        orgs = await s.list(Org, limit=None)
        org_ids = [o["id"] for o in orgs]
        specialties = list(SPECIALTY_LABELS)
        people = []
        for n in range(persons):
            people.append({
                "person_key": f"p{n:05d}", "name": f"干部{n:05d}", "status": "active",
                "home_unit": f"第{rng.randint(1, 40)}局", "political_status": "cpc",
                "pools": ["general"] + (["leader"] if n % 10 == 0 else [])
                + (["expert"] if n % 7 == 0 else []),
                "specialties": rng.sample(specialties, rng.randint(1, 3)),
                "birth_date": date(1970 + n % 25, 1 + n % 12, 1),
                "party_joined_on": date(1995 + n % 20, 7, 1)})
        person_ids = await s.insert(TalentPerson, people)
        history, relations, periods = [], [], []
        for pid in person_ids:
            for _ in range(rng.randint(2, 4)):
                start = today - timedelta(days=rng.randint(400, 4000))
                end = start + timedelta(days=rng.randint(200, 1500))
                history.append({"person_id": pid, "kind": rng.choice(["work", "work", "study"]),
                                "unit": "某单位", "org_id": rng.choice(org_ids),
                                "start_date": start, "end_date": min(end, today)})
            for _ in range(rng.randint(1, 3)):
                relations.append({"person_id": pid, "kind": rng.choice(
                    ["spouse", "parent", "sibling", "superior", "subordinate"]),
                    "name": "亲属", "unit": "某单位", "org_id": rng.choice(org_ids),
                    "end_date": today - timedelta(days=rng.randint(0, 2000))})
            for _ in range(rng.randint(0, 2)):
                start = today + timedelta(days=rng.randint(-200, 200))
                periods.append({"person_id": pid, "start_date": start,
                                "end_date": start + timedelta(days=rng.randint(30, 300))})
        await s.insert(TalentHistory, history)
        await s.insert(TalentRelation, relations)
        await s.insert(TalentAvailability, periods)
        start_year = today.year - 2
        (term_id,) = await s.insert(Term, [{"name": "本届", "start_date": date(start_year, 1, 1),
                                            "end_date": date(start_year + 4, 12, 31)}])
        timed = 0
        for year in range(start_year, today.year + 1):
            for number in (1, 2, 3):
                begin = date(year, 3 * number, 1)
                (round_id,) = await s.insert(Round, [{
                    "term_id": term_id, "year": year, "number": number,
                    "name": f"{year}年第{number}轮", "start_date": begin,
                    "end_date": begin + timedelta(days=50)}])
                current = year == today.year and number == 3
                count = 1 if current else 12
                for i in range(count):
                    (insp,) = await s.insert(Inspection, [{
                        "round_id": round_id, "kind": "regular", "title": f"巡察{i}",
                        "stage": "planned" if current else "archived",
                        "onsite_start": begin, "onsite_end": begin + timedelta(days=45)}])
                    targets = rng.sample(org_ids, 5 if current else rng.randint(2, 3))
                    await s.insert(InspectionTarget, [{"inspection_id": insp, "org_id": o}
                                                      for o in targets])
                    if current:
                        timed = insp
                        continue
                    team = rng.sample(range(persons), 5)
                    await s.insert(TeamMember, [{
                        "inspection_id": insp, "person": f"p{m:05d}", "name": f"干部{m:05d}",
                        "home_tenant": COUNTY, "role": "leader" if k == 0 else "member",
                        "authorized_at": None} for k, m in enumerate(team)])
        if admin.postgres:
            await admin.fetch("ANALYZE")
        return timed
    finally:
        await admin.stop()


async def time_suggestion(urls: DatabaseUrls, home: Path, inspection_id: int,
                          requests: int) -> tuple[list[float], dict[str, Any]]:
    """Suggest ``requests`` times as the app role; the times (s) and the last answer."""
    settings = _settings(urls, home)
    plugins = Plugins(settings)
    db = Database(urls.app_url)
    await db.start()
    try:
        defaults = {s.key: s.default for s in plugins.gather_now("xuncha_tenant_settings")}
        tenant = await TenantRegistry(db, defaults).get(COUNTY)
        assert tenant is not None
        work = Work(session=db.tenant(tenant.id), tenant=tenant, actor="bench", clock=Clock(),
                    plugins=plugins)
        times, cpu = [], []
        found = None
        for _ in range(requests + 2):
            start, start_cpu = time.perf_counter(), time.process_time()
            found = await suggest(work, inspection_id)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        assert found is not None
        if len(found.team) != found.size:
            raise BenchError(f"suggested {len(found.team)} people, not {found.size}")
        summary = {"considered": found.considered, "barred": found.barred_total,
                   "cpu": cpu[2:],
                   "team": [(c.name, c.role) for c in found.team]}
        return times[2:], summary
    finally:
        await db.stop()


def _ms(values: Sequence[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms"


def bench_backend(backend: str, args: argparse.Namespace) -> list[float]:
    """Build and time one backend; cleans up whatever happens."""
    print(f"\n== {backend} ==", flush=True)
    with contextlib.ExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix=f"xuncha-benchtalent-{backend}-"))
        stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        if backend == "postgres":
            urls = stack.enter_context(postgres_database(args.pg_dsn))
        else:
            url = f"sqlite:///{tmp / 'xuncha.sqlite3'}"
            urls = DatabaseUrls(admin_url=url, app_url=url)
        start = time.perf_counter()
        inspection_id = asyncio.run(build(urls, tmp, args.persons, Clock().today()))
        print(f"loaded {args.persons} persons and 3 years of teams in "
              f"{time.perf_counter() - start:.1f} s", flush=True)
        times, summary = asyncio.run(time_suggestion(urls, tmp, inspection_id, args.requests))
        print(f"this process's CPU per suggestion: {_ms(summary['cpu'])} "
              f"(the wall time below also waits for the database and for a busy machine)")
        print(f"suggestion for 5 targets: {_ms(times)} ({summary['considered']} considered, "
              f"{summary['barred']} left out, team {summary['team']})", flush=True)
        return times


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns 1 when a backend's median misses 100 ms."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--pg-dsn", default=DEFAULT_PG_DSN)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    try:
        rows = [(b, bench_backend(b, args)) for b in backends]
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    print(f"\nbackend   team suggestion, {args.persons} persons (aim ≤ {TARGET_MS:.0f} ms)")
    missed = False
    for backend, times in rows:
        median = statistics.median(times) * 1000
        verdict = "  ok" if median <= TARGET_MS else "  MISSED"
        missed |= verdict == "  MISSED"
        print(f"{backend:<9} {_ms(times)}{verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
