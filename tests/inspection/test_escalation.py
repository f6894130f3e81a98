"""The overdue scan: four levels by moved clock, idempotence, the scheduler and the CLI."""

from __future__ import annotations

import asyncio
import os
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from litestar import Litestar

from core.audit.tables import AuditEntry
from core.clock import Clock
from core.db import Database
from core.inspection.escalation import OverdueScanner, next_level
from core.inspection.model import Escalation
from core.inspection.tables import RectificationItem
from tests.conftest import BACKEND, RunDatabase
from tests.inspection.helpers import Client, api, ok
from tests.inspection.ledger_seed import fed_back, item_url, recorded_events
from tests.inspection.seed import seed_inspection
from tests.test_cli import xuncha

T = "ta.one"
LEVELS = ["supervision_notice", "reminder", "warning", "accountability"]


async def _scan(client: Client, inspection_id: int | None = None) -> dict[str, Any]:
    body = None if inspection_id is None else {"inspection_id": inspection_id}
    return ok(await client.post(api(T, "rectification/scan"), json=body))  # type: ignore[no-any-return]


async def _items(client: Client, seed: dict[str, Any], deadline: date) -> list[int]:
    created = ok(await client.post(api(T, f"inspections/{seed['inspection_id']}/"
                                          "rectification/items"), json={
        "finding_ids": seed["finding_ids"], "deadline": deadline.isoformat()}), 201)
    return [i["id"] for i in created["items"]]


def test_levels_in_order() -> None:
    assert [next_level(x) for x in ("none", *LEVELS)] == [
        Escalation.supervision_notice, Escalation.reminder, Escalation.warning,
        Escalation.accountability, None]


async def test_escalation_through_all_levels_by_moved_clock(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seed = await fed_back(database, tenant_ids[T], app, "督办甲")
    late, submitted, closed = await _items(client, seed, seed["today"])
    for step in ("in_progress", "submitted"):
        ok(await client.post(item_url(T, submitted, "status"), json={"to": step}))
    await database.tenant(tenant_ids[T]).update(RectificationItem, {"id": closed},
                                                {"status": "closed"})
    clock = app.state.runtime.clock
    mine = seed["inspection_id"]
    try:
        assert (await _scan(client, mine))["total"] == 0  # due today: not overdue yet
        clock.advance(timedelta(days=1))
        with recorded_events(app) as events:
            first = await _scan(client, mine)
        assert (first["supervision_notice"], first["total"]) == (1, 1)
        assert first["summary"].startswith("督办通知 1，提醒 0")
        changed = events.of("rectification.item_changed")
        assert [(e.item_id, e.escalation, e.overdue) for e in changed] == [
            (late, "supervision_notice", True)]
        assert (await _scan(client, mine))["total"] == 0  # same day: nothing more
        clock.advance(timedelta(days=9))  # 9 days after the notice: too early
        assert (await _scan(client, mine))["total"] == 0
        for level in LEVELS[1:]:
            clock.advance(timedelta(days=1 if level == "reminder" else 10))
            result = await _scan(client, mine)
            assert (result[level], result["total"]) == (1, 1), result
        clock.advance(timedelta(days=30))
        assert (await _scan(client, mine))["total"] == 0  # accountability is the last level
        item = ok(await client.get(item_url(T, late)))
        assert (item["escalation"], item["escalation_label"]) == ("accountability", "问责")
        assert item["days_overdue"] == 61
        listed = ok(await client.get(api(T, "rectification/items"), params={
            "inspection_id": mine, "escalation": "accountability", "overdue": "true"}))
        assert [i["id"] for i in listed["items"]] == [late]
        history = ok(await client.get(item_url(T, late, "history")))["items"]
        assert [h["remark"] for h in history] == [
            "超期 1 天，发出督办通知", "超期 11 天，发出提醒", "超期 21 天，发出预警",
            "超期 31 天，经督办仍未整改，启动问责"]
        assert {h["actor"] for h in history} == {history[0]["actor"]}
        assert [h["to_label"] for h in history] == ["督办通知", "提醒", "预警", "问责"]
        assert history[0]["kind_label"] == "超期督办"
        for other in (submitted, closed):
            assert ok(await client.get(item_url(T, other)))["escalation"] == "none"
    finally:
        clock.reset()
    audits = await database.tenant(tenant_ids[T]).list(
        AuditEntry, {"action": "rectification_item.escalate"}, limit=None)
    levels = [a["detail"]["level"] for a in audits if late in a["detail"]["item_ids"]]
    assert levels == LEVELS


async def test_interval_is_a_tenant_setting_and_scan_is_scoped(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seed = await fed_back(database, tenant_ids[T], app, "督办乙", findings=1)
    (item,) = await _items(client, seed, seed["today"])
    tenant = app.state.runtime.tenants._by_code[T]
    original = tenant.settings["escalation_interval_days"]
    clock = app.state.runtime.clock
    try:
        tenant.settings["escalation_interval_days"] = 3
        clock.advance(timedelta(days=1))
        assert (await _scan(client, seed["inspection_id"]))["supervision_notice"] == 1
        clock.advance(timedelta(days=3))
        assert (await _scan(client, seed["inspection_id"]))["reminder"] == 1
    finally:
        clock.reset()
        tenant.settings["escalation_interval_days"] = original
    missing = await client.post(api(T, "rectification/scan"), json={"inspection_id": 2**31 - 1})
    assert missing.status_code == 404 and "巡察任务不存在" in missing.json()["message"]
    bad = await client.post(api(T, "rectification/scan"), json={"inspection_id": "x"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "inspection_id"
    assert ok(await client.get(item_url(T, item)))["escalation"] == "reminder"


async def test_whole_tenant_scan_is_idempotent(
    app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]
) -> None:
    seed = await fed_back(database, tenant_ids[T], app, "督办丙", findings=1)
    await database.tenant(tenant_ids[T]).update(  # overdue since long ago
        RectificationItem, {"id": seed["item_id"]},
        {"deadline": seed["today"] - timedelta(days=40)})
    first = await _scan(client)
    assert first["tenant"] == T and first["supervision_notice"] >= 1
    assert first["today"] == seed["today"].isoformat()
    item = ok(await client.get(item_url(T, seed["item_id"])))
    assert (item["escalation"], item["escalated_on"]) == ("supervision_notice",
                                                          seed["today"].isoformat())
    again = await _scan(client)
    assert again["total"] == 0, again


async def test_scheduler_runs_at_start_and_again_and_survives_errors(
    app: Litestar, client: Client
) -> None:
    started = app.state.overdue_scanner
    # On PostgreSQL the first period may have been claimed by another app of the session.
    assert started.first_pass.is_set() and started.passes + started.skipped >= 1

    class Broken:
        async def refresh(self, force: bool = False) -> None:
            raise ConnectionError("数据库不可用")

    runtime = SimpleNamespace(tenants=Broken(), db=None, clock=Clock(), plugins=None)
    scanner = OverdueScanner(runtime, interval=0.01)
    await scanner.start(wait=5)
    for _ in range(500):
        if scanner.passes >= 3:
            break
        await asyncio.sleep(0.01)
    assert scanner.passes >= 3  # the loop keeps going after failing passes
    await scanner.stop()
    await scanner.stop()  # stopping twice is harmless


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory, test_database: RunDatabase) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env["XUNCHA_HOME"] = str(tmp_path_factory.mktemp("ledger-cli"))
    if BACKEND == "postgres":
        env["XUNCHA_DATABASE_URL"] = test_database.app_url
        env["XUNCHA_DATABASE_ADMIN_URL"] = test_database.admin_url
    return env


@pytest.mark.once_on("postgres")
async def test_cli_scan(cli_env: dict[str, str]) -> None:
    from core.settings import load_settings

    async def run(*args: str) -> Any:
        # Off the loop: a test that stops the loop for a command would leave the session
        # app's work frozen wherever it was, a transaction open, holding what the
        # command waits for.
        return await asyncio.to_thread(xuncha, cli_env, *args)

    assert (await run("tenants", "sync", "tenants/demo")).returncode == 0
    help_text = (await run("rectification", "scan", "--help")).stdout
    assert "超期督办扫描" in help_text and "--tenant" in help_text

    async def seed() -> int:
        db = Database(load_settings(cli_env).database_admin_url)
        await db.start()
        try:
            (tenant_id,) = [r["id"] for r in await db.fetch(
                'SELECT "id" FROM "tenant" WHERE "code" = ' + db.dialect.mark(1),
                ["zz.zhongmu"])]
            ids = await seed_inspection(db, tenant_id, "命令行督办")
            await db.tenant(tenant_id).update(RectificationItem, {"id": ids["item_id"]}, {
                "deadline": Clock().today() - timedelta(days=15)})
            return int(ids["item_id"])
        finally:
            await db.stop()

    async def escalation(item_id: int) -> tuple[str, str]:
        db = Database(load_settings(cli_env).database_admin_url)
        await db.start()
        try:
            rows = await db.fetch('SELECT "escalation", "actor" FROM "rectification_item" i '
                                  'JOIN "rectification_action" a ON a."item_id" = i."id" '
                                  'WHERE a."kind" = \'escalation\' AND i."id" = '
                                  + db.dialect.mark(1), [item_id])
            return rows[0]["escalation"], rows[-1]["actor"]
        finally:
            await db.stop()

    item_id = await seed()
    first = await run("rectification", "scan", "--tenant", "zz.zhongmu")
    assert first.returncode == 0, first.stderr
    assert "zz.zhongmu：督办通知" in first.stdout and "超期督办扫描完成：1 个机构" in first.stdout
    assert await escalation(item_id) == ("supervision_notice", "cli:overdue-scan")
    again = await run("rectification", "scan", "--tenant", "zz.zhongmu")
    assert "（共 0 项）" in again.stdout and "共升级 0 项" in again.stdout
    everyone = await run("rectification", "scan")
    assert everyone.returncode == 0 and "zz.gongyi：" in everyone.stdout
    missing = await run("rectification", "scan", "--tenant", "zz.nowhere")
    assert missing.returncode == 2 and "机构 zz.nowhere 不存在" in missing.stderr
