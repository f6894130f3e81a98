"""``xuncha demo seed``: demo rounds for every tenant of the demo tree, once."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.db import Database, TenantSession
from core.demo.cast import AccountRow, demo_cast, markdown_table
from core.demo.seed import ADMIN_ROW, DEMO_PASSWORD
from core.identity.accounts import get_account
from core.identity.passwords import verify_password
from core.inspection.tables import (
    Inspection,
    InspectionLog,
    RectificationItem,
    TeamMember,
    Term,
    WorkingPaper,
)
from tests.conftest import REPO
from tests.test_cli import cli_env, xuncha

pytestmark = pytest.mark.once_on("sqlite")

__all__ = ["cli_env"]


async def test_demo_seed_fills_each_tenant_once(cli_env: dict[str, str]) -> None:
    assert xuncha(cli_env, "tenants", "sync", "tenants/demo").returncode == 0
    first = xuncha(cli_env, "demo", "seed")
    assert first.returncode == 0, first.stderr
    assert "zz.zhongmu：巡察任务 9 个" in first.stdout
    assert "zz.zhongmu：巡察任务 9 个" in first.stdout and "演示账号 20 个" in first.stdout
    second = xuncha(cli_env, "demo", "seed")
    assert "zz.zhongmu：已有数据，跳过" in second.stdout
    # The README's table is what ``make demo`` prints for its three deployments.
    listed = xuncha(cli_env, "demo", "accounts", "--tsv", "--tenant", "zz", "--tenant",
                    "zz.zhongmu", "--tenant", "zz.gongyi")
    assert listed.returncode == 0, listed.stderr
    rows = [AccountRow(*line.split("\t")) for line in listed.stdout.splitlines()]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = readme[readme.index("<!-- demo-accounts:start"):readme.index("<!-- demo-accounts:end")]
    assert shown.splitlines()[1:] == markdown_table([ADMIN_ROW, *rows])
    table = xuncha(cli_env, "demo", "accounts", "--tenant", "zz.zhongmu")
    assert "zz.zhongmu.g1.leader" in table.stdout and DEMO_PASSWORD in table.stdout
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
        await _check_cast(db, session)
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


async def _check_cast(db: Database, session: TenantSession) -> None:
    """Every team place is a demo account; papers are signed off by the team, in order."""
    cast = demo_cast("zz.zhongmu")
    leader = await get_account(db, cast.teams[0][0][0].login)
    assert leader is not None and leader.name == cast.teams[0][0][0].name
    hashes = await db.fetch('SELECT DISTINCT "password_hash" FROM "account" WHERE "username" '
                            "LIKE 'zz.%'")
    assert len(hashes) == 1 and verify_password(hashes[0]["password_hash"], DEMO_PASSWORD)
    seats = await session.list(TeamMember, limit=None)
    inspections = {i["id"]: i for i in await session.list(Inspection, limit=None)}
    for seat in seats:
        assert await get_account(db, seat["person"]) is not None, seat["person"]
        stage = inspections[seat["inspection_id"]]["stage"]
        assert (seat["authorized_at"] is None) == (stage == "planned")
        if stage in ("reporting", "rectifying"):  # released at the withdrawal
            assert seat["released_at"] is not None and seat["released_at"] <= datetime.now(UTC)
    roles = {(s["inspection_id"], s["person"]): s["role"] for s in seats}
    papers = await session.list(WorkingPaper, limit=None)
    assert {p["status"] for p in papers} == {"draft", "reviewed", "signed"}
    for paper in papers:
        iid = paper["inspection_id"]
        assert roles[(iid, paper["author"])] == "member"
        if paper["status"] == "signed":
            assert roles[(iid, paper["reviewed_by"])] == "deputy"
            assert roles[(iid, paper["signed_by"])] == "leader"
            assert paper["created_at"] < paper["reviewed_at"] < paper["signed_at"]
            withdrawn = inspections[iid]["withdrawn_on"]
            assert withdrawn is None or paper["signed_at"].date() < withdrawn
    actors = {r["actor"] for r in await session.list(InspectionLog, limit=None)}
    assert actors == {cast.staff.login}
    grants = await db.fetch('SELECT "v0", "v1", "v3" FROM "casbin_rule" WHERE "v2" = '
                            "'zz.zhongmu' AND \"ptype\" = 's'")
    scopes = {(g["v0"], g["v1"]) for g in grants}
    assert scopes == {(cast.receiving.login, "receiving_liaison"),
                      (cast.units[0].login, "unit_liaison"),
                      (cast.units[1].login, "unit_liaison")}
