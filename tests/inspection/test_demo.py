"""``xuncha demo seed``: demo rounds for every tenant of the demo tree, once."""

from __future__ import annotations

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
