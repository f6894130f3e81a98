"""The settings API: read by the tenant's people, changed by its office admin, refusals in
Chinese with nothing changed, plugins on and off (their routes follow at once)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar

from core.db import Database
from tests.conftest import acting_as
from tests.inspection.helpers import Client, ok

T = "/t/ta.one/api"


@pytest.fixture()
async def restored(client: Client, database: Database) -> AsyncIterator[None]:
    """ta.one's settings and plugins go back to its file afterwards."""
    yield
    await database.fetch('DELETE FROM "tenant_preference"')
    client.app.state.runtime.tenants.invalidate()  # the app reloads on its next request


async def test_read_and_change_settings(client: Client, restored: None) -> None:
    current = ok(await client.get(f"{T}/settings"))
    by_key = {s["key"]: s for s in current["settings"]}
    assert by_key["rounds_per_year"]["value"] == 3 and by_key["rounds_per_year"]["label"]
    assert "min_villages_per_round" in by_key or any("全覆盖" in s["label"]
                                                     for s in current["settings"])
    assert {p["name"]: p["enabled"] for p in current["plugins"]}["village_coverage"]
    changed = ok(await client.patch(f"{T}/settings", json={"values": {"rounds_per_year": 2}}))
    assert {s["key"]: s["value"] for s in changed["settings"]}["rounds_per_year"] == 2
    tenant = ok(await client.get(f"{T}/tenant"))
    assert tenant["settings"]["rounds_per_year"] == 2


async def test_refusals_change_nothing(client: Client, restored: None) -> None:
    for values, field in [({"rounds_per_year": 0}, "rounds_per_year"),
                          ({"term_years": "五"}, "term_years"),
                          ({"team_access_until": "never"}, "team_access_until"),
                          ({"no_such": 1}, "no_such")]:
        response = await client.patch(f"{T}/settings", json={"values": values})
        assert response.status_code == 400, response.text
        errors = response.json()["errors"]
        assert [e["field"] for e in errors] == [field]
        assert "\u4e00" <= errors[0]["message"][0] <= "\u9fff"
    settings = {s["key"]: s for s in ok(await client.get(f"{T}/settings"))["settings"]}
    assert all(s["source"] != "admin" for s in settings.values())
    bad = await client.put(f"{T}/plugins", json={"enabled": ["made_up"]})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "plugins"


async def test_a_plugin_turned_off_is_gone_at_once(client: Client, restored: None) -> None:
    on = (await client.get(f"{T}/coverage/progress")).status_code
    assert on != 403
    current = ok(await client.get(f"{T}/settings"))
    others = [p["name"] for p in current["plugins"] if p["name"] != "village_coverage"]
    off = ok(await client.put(f"{T}/plugins", json={"enabled": others}))
    assert off["plugins_source"] == "admin"
    assert not {p["name"]: p["enabled"] for p in off["plugins"]}["village_coverage"]
    gone = await client.get(f"{T}/coverage/progress")
    assert gone.status_code == 403 and "未启用插件" in gone.json()["message"]
    back = ok(await client.put(f"{T}/plugins", json={"enabled": None}))
    assert back["plugins_source"] == "file"
    assert (await client.get(f"{T}/coverage/progress")).status_code == on


async def test_staff_read_but_do_not_change(app: Litestar, client: Client, database: Database,
                                            restored: None) -> None:
    staff, _ = await acting_as(app, client, database, "office_staff", "ta.one")
    assert (await staff.get(f"{T}/settings")).status_code == 200
    refused = await staff.patch(f"{T}/settings", json={"values": {"rounds_per_year": 2}})
    assert refused.status_code == 403
    assert (await staff.request("PUT", f"{T}/plugins", json={"enabled": []})).status_code == 403
    settings = {s["key"]: s["value"] for s in ok(await client.get(f"{T}/settings"))["settings"]}
    assert settings["rounds_per_year"] == 3
