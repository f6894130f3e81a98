"""A city and its county that disable linkage (``plugins = ["*", "-linkage"]``): the
plugin's routes refuse them, their menus lack its entries, and a county's
transactions call none of its hooks (nothing is reported up)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from litestar import Litestar

from core.api import RectificationItemChanged, Work
from core.db import Database
from core.plugins import Plugins
from core.tenancy.loader import sync_tree
from core.tenancy.model import TenantSpec
from core.tenancy.tables import TenantLevel
from tests.conftest import TenantTokens, office_admin_tokens
from tests.inspection.helpers import Client
from tests.plugins.linkage.helpers import CITY, COUNTY

OFF_CITY, OFF_COUNTY = "lk.off", "lk.off.c"
REFUSAL = "本机构未启用插件 linkage"
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
async def off_tokens(app: Litestar, client: Client, database: Database,
                     tester_tokens: dict[str, str]) -> dict[str, str]:
    """The two tenants, and tokens of an office admin of both (the tester's for the tree)."""
    await sync_tree(database, [
        TenantSpec(code=OFF_CITY, name="停用联动市委巡察办", level=TenantLevel.city,
                   plugins=["*", "-linkage"]),
        TenantSpec(code=OFF_COUNTY, name="停用联动县委巡察办", level=TenantLevel.county,
                   parent=OFF_CITY, plugins=["*", "-linkage"]),
    ])
    runtime = app.state.runtime
    runtime.tenants.invalidate()
    tokens = await office_admin_tokens(database, "linkage.off", [OFF_CITY, OFF_COUNTY])
    await runtime.authz.load()  # the new office admin's grants
    return {**tester_tokens, **tokens}


async def test_the_routes_refuse_the_tenants(client: Client, off_tokens: dict[str, str]
                                            ) -> None:
    auth = TenantTokens(off_tokens, OFF_CITY)
    requests: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"/t/{OFF_CITY}/api/directives", None),
        ("POST", f"/t/{OFF_CITY}/api/directives", {"kind": "directive", "title": "停用"}),
        ("GET", f"/t/{OFF_CITY}/api/directives/1", None),
        ("GET", f"/t/{OFF_CITY}/api/shared-findings", None),
        ("GET", f"/t/{OFF_CITY}/api/counties", None),
        ("GET", f"/t/{OFF_CITY}/api/counties/{OFF_COUNTY}", None),
        ("GET", f"/t/{OFF_CITY}/api/city-clues", None),
        ("GET", f"/t/{OFF_CITY}/directives", None),
        ("GET", f"/t/{OFF_CITY}/counties", None),
        ("GET", f"/t/{OFF_COUNTY}/api/directives", None),
        ("POST", f"/t/{OFF_COUNTY}/api/directives/1/items", {"inspection_id": 1}),
        ("GET", f"/t/{OFF_COUNTY}/shared-findings", None),
    ]
    for method, url, body in requests:
        response = await client.request(method, url, json=body, auth=auth)
        assert response.status_code == 403, (method, url, response.text)
        assert response.json()["message"] == REFUSAL
    # The same routes answer a tenant that uses the plugin.
    assert (await client.get(f"/t/{CITY}/api/directives", auth=auth)).status_code == 200
    assert (await client.get(f"/t/{CITY}/api/counties", auth=auth)).status_code == 200


async def test_the_menu_lacks_its_entries(client: Client, off_tokens: dict[str, str]) -> None:
    auth = TenantTokens(off_tokens, OFF_CITY)
    for code in (OFF_CITY, OFF_COUNTY):
        home = await client.get(f"/t/{code}/", headers=HTML, auth=auth)
        assert home.status_code == 200, home.text
        assert f'href="/t/{code}/rounds"' in home.text  # the core's entries stay
        for path in ("directives", "shared-findings", "counties"):
            assert f'href="/t/{code}/{path}"' not in home.text
    city = await client.get(f"/t/{CITY}/", headers=HTML, auth=auth)
    assert 'href="/t/ta/counties">下级巡察机构</a>' in city.text
    assert 'href="/t/ta/directives">下发部署</a>' in city.text


async def test_its_hooks_are_not_called_for_the_tenants(app: Litestar, client: Client,
                                                  off_tokens: dict[str, str]) -> None:
    runtime = app.state.runtime
    plugins: Plugins = runtime.plugins

    off, on = [await runtime.tenants.get(code) for code in (OFF_COUNTY, COUNTY)]
    for hook in ("xuncha_sync_outgoing", "xuncha_sync_received", "xuncha_sync_tick",
                 "xuncha_menu_items"):
        assert "linkage" not in {i.plugin_name for i in plugins.hook(hook, off.plugins)
                                 .get_hookimpls()}
        assert "linkage" in {i.plugin_name for i in plugins.hook(hook, on.plugins)
                             .get_hookimpls()}

    async def change_an_item() -> list[dict[str, Any]]:
        # A ledger item changing in a county: linkage would report the inspection's
        # rectification statistics up in this very transaction.
        work = Work(session=runtime.db.tenant(off.id), tenant=off, actor="test",
                    clock=runtime.clock, plugins=plugins)
        async with work.transaction():
            work.emit(RectificationItemChanged(
                item_id=1, inspection_id=1, org_id=1, finding_id=None, status="open",
                escalation="none", deadline=date(2026, 1, 1), overdue=True))
        db = runtime.db
        return await db.fetch(  # type: ignore[no-any-return]
            f'SELECT "type" FROM "sync_outbox" WHERE "tenant_id" = {db.dialect.mark(1)}',
            [off.id], off.id)

    assert await change_an_item() == []
