"""Cached answers of much read routes (core.web.read_cache).

An answer is given again while nothing was committed through the data layer;
a write by any process (this one, another Database, another OS process)
makes the next request read afresh; an answer never goes to another tenant or
another person; a revoked token, a disabled account or a withdrawn role is
refused on the next request although its answer is kept.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.identity.tables import Account
from core.settings import Settings
from core.tenancy.tables import Org
from core.web.read_cache import STORE, AnswerStore
from tests.conftest import acting_as

Client = AsyncTestClient[Litestar]
REPO = Path(__file__).resolve().parents[2]
ORGS = "/t/ta.one/api/orgs?limit=500"


async def _raw_write(database: Database, sql: str, *args: Any) -> None:
    """A write on the engine's own connection, past ``Database.fetch`` (so it bumps no data
    stamp), as the table owner."""
    if database.postgres:
        async with database.engine.pool.acquire() as conn:
            await conn.execute(sql, *args)
        return
    async with database.engine.transaction() as txn:
        await txn.connection.execute(sql.replace("$", "?"), list(args))


def _names(response: httpx.Response) -> dict[int, str]:
    assert response.status_code == 200, response.text
    return {o["id"]: o["name"] for o in response.json()["items"]}


async def _undisturbed(app: Litestar, reset: Callable[[], Awaitable[Any]],
                      steps: Callable[[], Awaitable[Any]]) -> Any:
    """``reset``, then ``steps``, again until neither the clock's minute turned nor the app's
    own work (its sync tick) wrote during ``steps``: both are part of every key."""
    runtime = app.state.runtime
    tenant = await runtime.tenants.get("ta.one")

    async def state() -> tuple[Any, ...]:
        stamps = (await runtime.stamps.read()).of(tenant.id)
        return runtime.clock.now().replace(second=0, microsecond=0), stamps

    for _ in range(5):
        await reset()
        before = await state()
        result = await steps()
        if await state() == before:
            return result
    raise AssertionError("the minute turned or the app wrote five times in a row")


def _revoke_sql(value: str, user: str) -> str:
    """Set ``revoked_at`` of every token of the account named by the placeholder ``user``."""
    return (f'UPDATE "api_token" SET "revoked_at" = {value} WHERE "account" = '
            f'(SELECT "id" FROM "account" WHERE "username" = {user})')


async def _rename(database: Database, org: dict[str, Any], name: str) -> None:
    """Rename ``org`` through the data layer (bumps its tenant's stamp)."""
    await database.tenant(org["tenant_id"]).update(Org, {"id": org["id"]}, {"name": name})


async def _an_org(database: Database, tenant_ids: dict[str, int]) -> dict[str, Any]:
    rows = await database.tenant(tenant_ids["ta.one"]).list(Org, {"code": "T01V001"})
    return rows[0]


async def test_an_answer_is_kept_until_a_write_commits_through_the_data_layer(
        app: Litestar, client: Client, database: Database, settings: Settings,
        tenant_ids: dict[str, int]) -> None:
    org = await _an_org(database, tenant_ids)

    async def reset() -> None:
        await _rename(database, org, org["name"])

    async def read_write_read() -> tuple[dict[int, str], dict[int, str]]:
        before = _names(await client.get(ORGS))
        await _raw_write(database, 'UPDATE "org" SET "name" = $1 WHERE "id" = $2',
                         "绕过数据层的改名", org["id"])
        return before, _names(await client.get(ORGS))

    try:
        before, after = await _undisturbed(app, reset, read_write_read)
        assert after == before  # nothing bumped the stamp: the kept answer
        assert before[org["id"]] == org["name"]
        await _rename(database, org, "经由数据层的改名")
        assert _names(await client.get(ORGS))[org["id"]] == "经由数据层的改名"
    finally:
        await reset()
    assert _names(await client.get(ORGS))[org["id"]] == org["name"]


async def test_a_write_by_another_process_shows_on_the_next_request(
        app: Litestar, client: Client, database: Database, settings: Settings,
        tenant_ids: dict[str, int]) -> None:
    org = await _an_org(database, tenant_ids)
    script = (
        "import asyncio, sys\n"
        "from core.db import Database\n"
        "from core.tenancy.tables import Org\n"
        "async def main():\n"
        "    db = Database(sys.argv[1])\n"
        "    await db.start()\n"
        "    try:\n"
        "        await db.tenant(int(sys.argv[2])).update(\n"
        "            Org, {'id': int(sys.argv[3])}, {'name': sys.argv[4]})\n"
        "    finally:\n"
        "        await db.stop()\n"
        "asyncio.run(main())\n")

    async def rename(name: str) -> None:
        # Off the loop: a blocked loop would hold whatever SQLite write the app had begun.
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-c", script, settings.database_admin_url,
                             str(tenant_ids["ta.one"]), str(org["id"]), name],
            cwd=REPO, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and "not bumped" not in done.stderr, done.stderr

    assert _names(await client.get(ORGS))[org["id"]] == org["name"]
    try:
        await rename("另一进程的改名")
        assert _names(await client.get(ORGS))[org["id"]] == "另一进程的改名"
    finally:
        await rename(org["name"])
    assert _names(await client.get(ORGS))[org["id"]] == org["name"]


async def test_an_answer_goes_to_nobody_else(
        app: Litestar, client: Client, database: Database, settings: Settings,
        tenant_ids: dict[str, int]) -> None:
    org = await _an_org(database, tenant_ids)
    staff, _ = await acting_as(app, client, database, "office_staff", "ta.one")

    async def reset() -> None:
        await _rename(database, org, org["name"])

    async def steps() -> tuple[dict[int, str], dict[int, str]]:
        mine = _names(await client.get(ORGS))
        await _raw_write(database, 'UPDATE "org" SET "name" = $1 WHERE "id" = $2',
                         "只在库里的名字", org["id"])
        return mine, _names(await staff.get(ORGS))

    try:
        mine, theirs = await _undisturbed(app, reset, steps)
        # The staff member's first request read afresh: it sees what the tester's kept
        # answer does not.
        assert mine[org["id"]] == org["name"]
        assert theirs[org["id"]] == "只在库里的名字"
    finally:
        await reset()
    # Another tenant: only its own rows, kept or not.
    tb_ids = {r["id"] for r in await database.tenant(tenant_ids["tb"]).list(Org, limit=None)}
    for _ in range(2):
        got = _names(await client.get("/t/tb/api/orgs?limit=500"))
        assert set(got) == tb_ids and not set(got) & set(mine)


async def test_refused_credentials_and_roles_are_refused_although_an_answer_is_kept(
        app: Litestar, client: Client, database: Database) -> None:
    runtime = app.state.runtime
    acting, username = await acting_as(app, client, database, "office_staff", "ta.one")
    assert (await acting.get(ORGS)).status_code == 200
    assert (await acting.get(ORGS)).status_code == 200  # kept
    await runtime.authz.revoke(username, "office_staff", "ta.one")
    assert (await acting.get(ORGS)).status_code == 403

    acting, username = await acting_as(app, client, database, "office_staff", "ta.one")
    assert (await acting.get(ORGS)).status_code == 200
    await database.fetch(_revoke_sql('"created_at"', database.dialect.mark(1)), [username])
    refused = await acting.get(ORGS)
    assert refused.status_code == 401 and "吊销" in refused.json()["detail"]

    acting, username = await acting_as(app, client, database, "office_staff", "ta.one")
    assert (await acting.get(ORGS)).status_code == 200
    await database.fetch(f'UPDATE "{Account._meta.tablename}" SET "active" = '
                         f'{database.dialect.mark(1)} WHERE "username" = '
                         f'{database.dialect.mark(2)}', [False, username])
    refused = await acting.get(ORGS)
    assert refused.status_code == 401 and "停用" in refused.json()["detail"]


async def test_a_credential_is_trusted_again_until_the_shared_data_change(
        app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    acting, username = await acting_as(app, client, database, "office_staff", "ta.one")
    org = await _an_org(database, tenant_ids)
    mark = database.dialect.mark

    async def reset() -> None:  # through the data layer: bumps the shared stamp
        await database.fetch(_revoke_sql("NULL", mark(1)), [username])

    async def steps() -> tuple[int, int, int]:
        first = (await acting.get(ORGS)).status_code
        await _raw_write(database, _revoke_sql('"created_at"', "$1"), username)
        # A kept route trusts the token it checked under the same stamps; any other
        # route asks the database.
        return (first, (await acting.get(ORGS)).status_code,
                (await acting.get(f"/t/ta.one/api/orgs/{org['id']}")).status_code)

    assert await _undisturbed(app, reset, steps) == (200, 200, 401)
    # The revocation written through the data layer is seen by every route.
    await database.fetch(_revoke_sql('"created_at"', mark(1)), [username])
    assert (await acting.get(ORGS)).status_code == 401


@pytest.mark.postgres
async def test_a_role_withdrawn_by_another_process_is_refused_next(
        app: Litestar, client: Client, database: Database) -> None:
    if not database.postgres:
        pytest.skip("several processes share a database on PostgreSQL only")
    acting, username = await acting_as(app, client, database, "office_staff", "ta.one")
    assert (await acting.get(ORGS)).status_code == 200
    assert (await acting.get(ORGS)).status_code == 200  # kept
    # Another process (its own connections) takes the role away.
    await database.fetch('DELETE FROM "casbin_rule" WHERE "ptype" = \'g\' AND "v0" = $1',
                         [username])
    assert (await acting.get(ORGS)).status_code == 403


async def test_only_answers_of_get_requests_with_status_200_are_kept(
        app: Litestar, client: Client) -> None:
    store = app.stores.get(STORE)
    assert isinstance(store, AnswerStore)
    await store.delete_all()
    assert (await client.get("/t/ta.one/api/orgs?limit=0")).status_code == 400
    assert (await client.get("/t/nowhere/api/orgs")).status_code == 404
    assert store.size == 0
    assert (await client.get(ORGS)).status_code == 200
    assert store.size == 1


async def test_the_store_keeps_its_bounds() -> None:
    store = AnswerStore(max_entries=3, max_bytes=10)
    for key in "abc":
        await store.set(key, b"xx")
    assert await store.get("a") == b"xx"  # "a" is now the most recently used
    await store.set("d", b"xx")
    assert await store.get("b") is None and await store.get("a") == b"xx"
    await store.set("e", b"x" * 7)  # 13 bytes: the least recently used go
    assert await store.get("c") is None and await store.get("d") is None and store.size == 2
    await store.set("big", b"x" * 11)  # larger than the store: not kept
    assert await store.get("big") is None
    await store.set("short", b"x", expires_in=0)
    assert await store.get("short") is None and not await store.exists("short")


async def test_requests_for_the_same_missing_answer_wait_for_the_first() -> None:
    store = AnswerStore()
    assert await store.get("k") is None  # the first computes
    waiter = asyncio.create_task(store.get("k"))
    await asyncio.sleep(0.01)
    assert not waiter.done()
    await store.set("k", b"answer")
    assert await waiter == b"answer"
    # Nothing kept (a 403, an error): the waiters compute their own.
    assert await store.get("j") is None
    waiter = asyncio.create_task(store.get("j"))
    await asyncio.sleep(0.01)
    store.release("j")
    assert await waiter is None
    # Requests not admitted never wait.
    assert await store.get("-1") is None and await store.get("-1") is None


async def test_a_client_holding_the_current_answer_is_answered_304(
        app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    org = await _an_org(database, tenant_ids)
    acting, username = await acting_as(app, client, database, "office_staff", "ta.one")

    async def reset() -> None:
        await _rename(database, org, org["name"])

    async def steps() -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        first = await acting.get(ORGS)
        again = await acting.get(ORGS, headers={"If-None-Match": first.headers["etag"]})
        # The tester's own copy is not the staff member's: answered in full.
        other = await client.get(ORGS, headers={"If-None-Match": first.headers["etag"]})
        return first, again, other

    try:
        first, again, other = await _undisturbed(app, reset, steps)
        assert first.status_code == 200 and first.headers["cache-control"] == "private, no-cache"
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == first.headers["etag"]
        assert other.status_code == 200 and other.headers["etag"] != first.headers["etag"]
        # A committed write changes the answer's validator: the old copy is answered in full.
        await _rename(database, org, "改名之后")
        changed = await acting.get(ORGS, headers={"If-None-Match": first.headers["etag"]})
        assert changed.status_code == 200 and _names(changed)[org["id"]] == "改名之后"
        assert changed.headers["etag"] != first.headers["etag"]
    finally:
        await reset()
    # The guards come first: a withdrawn role is refused whatever copy is held.
    current = (await acting.get(ORGS)).headers["etag"]
    await app.state.runtime.authz.revoke(username, "office_staff", "ta.one")
    assert (await acting.get(ORGS, headers={"If-None-Match": current})).status_code == 403


async def test_people_whose_answers_depend_on_their_place_get_no_kept_answer(
        app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    org = await _an_org(database, tenant_ids)
    liaison, _ = await acting_as(app, client, database, "unit_liaison", "ta.one",
                                 scope=f"org:{org['id']}")
    store = app.stores.get(STORE)
    assert isinstance(store, AnswerStore)
    await store.delete_all()
    for _ in range(2):
        answer = await liaison.get(f"/t/ta.one/api/rectification/items?org_id={org['id']}")
        assert answer.status_code == 200 and "etag" not in answer.headers
        assert all(i["org_id"] == org["id"] for i in answer.json()["items"])
    assert store.size == 0


async def test_a_list_page_is_kept_revalidated_and_told_from_its_fragment(
        app: Litestar, client: Client, database: Database) -> None:
    acting, _ = await acting_as(app, client, database, "office_staff", "ta.one")
    page = "/t/ta.one/ledger"
    fragment_headers = {"HX-Request": "true"}
    restore_headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}

    async def steps() -> tuple[httpx.Response, ...]:
        whole = await acting.get(page)
        again = await acting.get(page, headers={"If-None-Match": whole.headers["etag"]})
        fragment = await acting.get(page, headers=fragment_headers)
        restored = await acting.get(page, headers=restore_headers)
        return whole, again, fragment, restored

    async def nothing() -> None:
        return None

    whole, again, fragment, restored = await _undisturbed(app, nothing, steps)
    assert whole.status_code == 200 and "<html" in whole.text
    assert again.status_code == 304
    # htmx asked for the table only; a history restore asks for the whole page again.
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert restored.status_code == 200 and "<html" in restored.text
    assert len({whole.headers["etag"], fragment.headers["etag"],
                restored.headers["etag"]}) == 3
