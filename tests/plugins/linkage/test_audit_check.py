"""Chain checks end to end on the shared app: the city asks, the county verifies, the city shows.

The county's audit head reaches the city through the sync tick; a check
goes down with the head the city holds and comes back with the result. An
entry altered in the county's database (then restored) fails the check.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar

from core.db import Database
from core.sync.tables import Replica
from tests.inspection.helpers import Client, ok
from tests.plugins.linkage.county_steps import CITY, COUNTY, COUNTY_URL, held_head
from tests.sync.helpers import eventually


async def _check(client: Client) -> dict[str, Any]:
    """Ask for a check and wait for its answer; returns the county's audit view."""
    asked = ok(await client.post(f"{COUNTY_URL}/audit-check"), 202)
    assert asked["county"] == COUNTY and "核验" in asked["message"]
    pending = ok(await client.get(COUNTY_URL))["county"]["audit"]
    assert pending["pending"] or (pending["last_check"] or {}).get("check_id") == asked[
        "check_id"]

    async def answered() -> dict[str, Any] | None:
        audit: dict[str, Any] = ok(await client.get(COUNTY_URL))["county"]["audit"]
        last = audit["last_check"] or {}
        return audit if last.get("check_id") == asked["check_id"] else None

    audit = await eventually(answered, what="the county's answer")
    assert audit["last_check"]["seq"] == asked["seq"] and not audit["pending"]
    return audit


async def test_an_untouched_chain_passes_and_an_altered_one_fails(
        app: Litestar, client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    seq = await held_head(app, client)
    audit = await _check(client)
    assert audit["last_check"]["ok"] and audit["last_check"]["problems"] == []
    assert audit["last_check"]["entries"] >= seq
    assert audit["status"] == f"链头第 {seq} 条，已核验 通过"
    mark = database.dialect.mark
    args = [tenant_ids[COUNTY], seq - 1]
    (original,) = await database.fetch(
        f'SELECT "actor" FROM "audit_entry" WHERE "tenant_id" = {mark(1)} AND "seq" = {mark(2)}',
        args)
    update = (f'UPDATE "audit_entry" SET "actor" = {mark(1)} WHERE "tenant_id" = {mark(2)} '
              f'AND "seq" = {mark(3)} RETURNING "id"')
    await database.fetch(update, ["篡改者", *args])
    try:
        audit = await _check(client)
    finally:
        await database.fetch(update, [original["actor"], *args])
    assert not audit["last_check"]["ok"]
    assert f"第 {seq - 1} 条内容与其哈希不符（记录被篡改）" in audit["last_check"]["problems"]
    assert audit["status"] == f"链头第 {seq} 条，已核验 未通过"
    assert (await _check(client))["last_check"]["ok"]  # restored: passes again


async def test_no_head_yet_is_404_in_chinese(
        client: Client, database: Database, tenant_ids: dict[str, int]) -> None:
    """Without a head from the county the city has nothing to check against."""
    city = database.tenant(tenant_ids[CITY])
    held = await city.list(Replica, {"origin": COUNTY, "kind": "audit_head"}, limit=None)
    await city.delete(Replica, {"origin": COUNTY, "kind": "audit_head"})
    try:
        response = await client.post(f"{COUNTY_URL}/audit-check")
        shown = ok(await client.get(COUNTY_URL))["county"]["audit"]
    finally:
        if held:
            await city.insert(Replica, [{k: v for k, v in held[0].items()
                                         if k not in ("id", "tenant_id")}])
    assert response.status_code == 404, response.text
    assert re.search(r"尚未收到.*审计链链头", response.json()["message"])
    assert shown["status"] == "尚未收到审计链链头" and shown["head_seq"] is None
