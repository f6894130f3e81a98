"""``xuncha demo seed``: demo rounds for every tenant of the demo tree, once."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from core.db import Database
from core.inspection.tables import Inspection, RectificationItem, Term
from tests.test_cli import cli_env, xuncha

__all__ = ["cli_env"]


async def test_demo_seed_fills_each_tenant_once(cli_env: dict[str, str]) -> None:
    assert xuncha(cli_env, "tenants", "sync", "tenants/demo").returncode == 0
    first = xuncha(cli_env, "demo", "seed")
    assert first.returncode == 0, first.stderr
    assert "zz.zhongmu：巡察任务 9 个" in first.stdout
    second = xuncha(cli_env, "demo", "seed")
    assert "zz.zhongmu：已有数据，跳过" in second.stdout
    url = cli_env.get("XUNCHA_DATABASE_ADMIN_URL") or (
        f"sqlite:///{Path(cli_env['XUNCHA_HOME']) / 'xuncha.sqlite3'}")
    db = Database(url)
    await db.start()
    try:
        rows = await db.fetch("SELECT \"id\" FROM \"tenant\" WHERE \"code\" = 'zz.zhongmu'")
        session = db.tenant(rows[0]["id"])
        assert await session.count(Term) == 1
        stages = {r["stage"] for r in await session.list(Inspection, limit=None)}
        assert stages == {"rectifying", "reporting", "onsite", "planned"}
        assert await session.count(RectificationItem) > 0
    finally:
        await db.stop()


def test_a_county_deployment_reports_its_seeded_inspections_up(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env["XUNCHA_HOME"] = str(tmp_path)  # the county alone, its city served elsewhere
    assert xuncha(env, "tenants", "sync", "tenants/demo", "--only", "zz.gongyi").returncode == 0
    seeded = xuncha(env, "demo", "seed")
    assert seeded.returncode == 0, seeded.stderr
    assert "zz.gongyi：巡察任务 9 个" in seeded.stdout and "演示账号：admin" in seeded.stdout
    with closing(sqlite3.connect(tmp_path / "xuncha.sqlite3")) as db:
        rows = db.execute('SELECT "type", COUNT(*), MIN("subject") FROM "sync_outbox" '
                          'GROUP BY "type"').fetchall()
        grants = db.execute("""SELECT "v1", "v2" FROM "casbin_rule" WHERE "v0" = 'admin'""")
        assert grants.fetchall() == [("office_admin", "zz.gongyi")]
    found = {kind: (n, subject) for kind, n, subject in rows}
    assert found["inspection.progress"][0] == 9  # every seeded inspection, stages included
    assert found["inspection.progress"][1].startswith("up.zz-gongyi.")
    assert {"finding_stats.updated", "rectification_stats.updated"} <= set(found)
    again = xuncha(env, "demo", "seed")
    assert "zz.gongyi：已有数据，跳过" in again.stdout
    with closing(sqlite3.connect(tmp_path / "xuncha.sqlite3")) as db:
        assert db.execute('SELECT COUNT(*) FROM "sync_outbox"').fetchone()[0] == sum(
            n for n, _ in found.values())
