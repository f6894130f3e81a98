"""Data for the API benchmark: a throw-away database and a tenant tree.

The tree has a city (``bench``), its county (``bench.county``, 300 orgs: the
one the benchmark reads) and another city (``other``, 300 orgs with the same
codes) whose rows must never show in the county's answers.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "COUNTY",
    "COUNTY_ORGS",
    "DatabaseUrls",
    "check_isolation",
    "free_port",
    "postgres_database",
    "write_tenant_tree",
]

CITY = "bench"
COUNTY = "bench.county"
OTHER = "other"
COUNTY_ORGS = 300

# 30 organs and enterprises, then 10 townships (巡镇带村) with 26 villages each.
_FLAT = (("D", 15, "department", "局"), ("P", 5, "people_org", "联合会"),
         ("S", 5, "soe", "集团有限公司"), ("I", 5, "institution", "中心"))
_TOWNSHIPS, _VILLAGES = 10, 26


@dataclass(frozen=True)
class DatabaseUrls:
    """The owner URL (migrations, tenant loading) and the application role's URL."""

    admin_url: str
    app_url: str


def free_port() -> int:
    """A TCP port free on 127.0.0.1 at the time of asking."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _orgs(region: str) -> list[dict[str, str]]:
    orgs = [{"code": f"{prefix}{i:03d}", "name": f"{region}第{i}{suffix}", "kind": kind}
            for prefix, count, kind, suffix in _FLAT for i in range(1, count + 1)]
    for t in range(1, _TOWNSHIPS + 1):
        township = f"T{t:02d}"
        orgs.append({"code": township, "name": f"{region}第{t}镇", "kind": "township"})
        orgs += [{"code": f"{township}V{v:03d}", "name": f"{region}第{t}镇第{v}村",
                  "kind": "village", "parent": township} for v in range(1, _VILLAGES + 1)]
    return orgs


def _tenant_toml(head: dict[str, str], orgs: list[dict[str, str]]) -> str:
    lines = [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in head.items()]
    for org in orgs:
        lines += ["", "[[orgs]]"]
        lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in org.items()]
    return "\n".join(lines) + "\n"


def write_tenant_tree(folder: Path) -> Path:
    """Write the benchmark's tenant TOML files into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    county_orgs = _orgs("基准县")
    assert len(county_orgs) == COUNTY_ORGS
    files = {
        "bench.toml": ({"code": CITY, "name": "基准市委巡察办", "region": "基准市",
                        "level": "city"}, _orgs("基准市")[:10]),
        "bench_county.toml": ({"code": COUNTY, "name": "基准县委巡察办", "region": "基准县",
                               "level": "county", "parent": CITY}, county_orgs),
        "other.toml": ({"code": OTHER, "name": "对照市委巡察办", "region": "对照市",
                        "level": "city"}, _orgs("对照市")),
    }
    for name, (head, orgs) in files.items():
        (folder / name).write_text(_tenant_toml(head, orgs), encoding="utf-8")
    return folder


def _with_database(dsn: str, name: str, user: str | None = None) -> str:
    parts = urlsplit(dsn)
    netloc = parts.netloc if user is None else user + "@" + parts.netloc.split("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, "/" + name, parts.query, parts.fragment))


async def _execute(dsn: str, *statements: str) -> list[list[dict[str, Any]]]:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        return [[dict(r) for r in await conn.fetch(sql)] for sql in statements]
    finally:
        await conn.close()


@contextmanager
def postgres_database(admin_dsn: str) -> Iterator[DatabaseUrls]:
    """A fresh database and a fresh LOGIN role owning nothing; both dropped after.

    The app connects as that role, so row-level security binds it as in
    production; the DSN's user (the owner) runs migrations and loading.
    """
    suffix = secrets.token_hex(4)
    name, role = f"xuncha_bench_{suffix}", f"xuncha_bench_app_{suffix}"
    asyncio.run(_execute(admin_dsn, f'CREATE DATABASE "{name}"'))
    try:
        asyncio.run(_execute(admin_dsn, f'CREATE ROLE "{role}" LOGIN'))
        yield DatabaseUrls(admin_url=_with_database(admin_dsn, name),
                           app_url=_with_database(admin_dsn, name, role))
    finally:
        asyncio.run(_execute(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                             f'DROP ROLE IF EXISTS "{role}"'))


_ORG_TENANTS = 'SELECT o."id", t."code" FROM "org" o JOIN "tenant" t ON t."id" = o."tenant_id"'


def check_isolation(home: Path, db: DatabaseUrls | None) -> set[int]:
    """Ids of the county's orgs, read as the owner; checks RLS binds the app role.

    Raises:
        RuntimeError: the tree is not loaded as expected, or on PostgreSQL the
            application role sees org rows without a tenant set.
    """
    if db is None:
        with sqlite3.connect(home / "xuncha.sqlite3") as conn:
            rows = [{"id": i, "code": c} for i, c in conn.execute(_ORG_TENANTS)]
    else:
        (rows,) = asyncio.run(_execute(db.admin_url, _ORG_TENANTS))
        ((visible,),) = asyncio.run(_execute(db.app_url, 'SELECT COUNT(*) AS n FROM "org"'))
        if visible["n"] != 0:
            raise RuntimeError(f"RLS not in force: the app role sees {visible['n']} orgs")
    county = {r["id"] for r in rows if r["code"] == COUNTY}
    others = sum(1 for r in rows if r["code"] == OTHER)
    if len(county) != COUNTY_ORGS or others != COUNTY_ORGS:
        raise RuntimeError(f"tree not loaded: {len(county)} county orgs, {others} other orgs")
    return county
