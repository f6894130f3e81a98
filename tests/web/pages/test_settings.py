"""系统管理 · 机构设置 in the browser: settings with their rules shown, saved (plain and htmx),
refusals beside their fields with nothing changed, plugins switched, staff read only."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar

from core.audit.tables import AuditEntry
from core.db import Database
from tests.inspection.helpers import Client
from tests.web.pages.test_accounts import TENANT, form, signed_in_as

PAGE = f"/t/{TENANT}/admin/settings"


@pytest.fixture()
async def restored(app: Litestar, database: Database) -> AsyncIterator[None]:
    """ta.one's settings and plugins go back to its file afterwards."""
    yield
    await database.fetch('DELETE FROM "tenant_preference"')
    app.state.runtime.tenants.invalidate()


async def setting(client: Client, key: str) -> object:
    """The tenant's effective setting, as the running app has it."""
    response = await client.get(f"/t/{TENANT}/api/tenant")
    assert response.status_code == 200, response.text
    return response.json()["settings"][key]


async def test_the_page_shows_settings_with_their_rules(app: Litestar, client: Client,
                                                        database: Database,
                                                        restored: None) -> None:
    async with signed_in_as(app, client, database) as (web, _, _):
        page = await web.get(PAGE)
        assert page.status_code == 200, page.text
        assert "每年巡察轮次（轮）" in page.text and "范围 1-12" in page.text
        assert 'name="rounds_per_year"' in page.text and 'value="3"' in page.text
        assert "撤离时" in page.text and "报告经组长审签时" in page.text
        assert "全覆盖" in page.text  # the village coverage plugin's settings
        assert 'value="village_coverage"' in page.text and "保存设置" in page.text


async def test_save_plain_and_htmx_then_back_to_the_default(
        app: Litestar, client: Client, database: Database, restored: None,
        tenant_ids: dict[str, int]) -> None:
    async with signed_in_as(app, client, database) as (web, headers, admin):
        response = await web.post(PAGE, data=form(headers, rounds_per_year="4",
                                                  term_years="5"))
        assert (response.status_code, response.headers["location"]) == (303, PAGE)
        assert await setting(client, "rounds_per_year") == 4
        response = await web.post(PAGE, data={"team_access_until": "report_signed"},
                                  headers=headers)
        assert response.headers["hx-redirect"] == PAGE
        assert await setting(client, "team_access_until") == "report_signed"
        assert "本页修改" in (await web.get(PAGE)).text
        await web.post(PAGE, data={"rounds_per_year": ""}, headers=headers)
        assert await setting(client, "rounds_per_year") == 3
    entries = await database.tenant(tenant_ids[TENANT]).list(
        AuditEntry, {"action": "tenant.settings", "actor": admin}, order_by=("seq",),
        limit=None)
    assert [e["detail"]["changed"] for e in entries] == [
        {"rounds_per_year": [3, 4]}, {"team_access_until": ["withdrawn", "report_signed"]},
        {"rounds_per_year": [4, 3]}]


async def test_refusals_beside_their_fields_and_nothing_saved(
        app: Litestar, client: Client, database: Database, restored: None) -> None:
    async with signed_in_as(app, client, database) as (web, headers, _):
        response = await web.post(PAGE, data={"rounds_per_year": "13", "term_years": "四",
                                              "escalation_interval_days": "7"},
                                  headers=headers)
        assert response.status_code == 400
        assert 'id="admin-body"' in response.text and "<html" not in response.text
        assert "应在 1 到 12 之间（单位：轮）" in response.text and "应为整数" in response.text
        assert 'value="13"' in response.text  # the typed values stay for correcting
        plain = await web.post(PAGE, data=form(headers, made_up="1"))
        assert plain.status_code == 400 and "没有这个设置项" in plain.text
    assert await setting(client, "rounds_per_year") == 3
    assert await setting(client, "escalation_interval_days") == 10


async def test_plugins_switched_from_the_page(app: Litestar, client: Client,
                                              database: Database, restored: None) -> None:
    async with signed_in_as(app, client, database) as (web, headers, _):
        others = [n for n in app.state.runtime.plugins.names
                  if n not in ("core", "village_coverage")]
        empty = await web.post(f"/t/{TENANT}/admin/plugins", data={}, headers=headers)
        assert empty.headers["hx-redirect"] == PAGE  # nothing shown, nothing changed
        assert "全覆盖" in (await web.get(f"/t/{TENANT}/")).text
        response = await web.post(f"/t/{TENANT}/admin/plugins",
                                  data={"shown": ["village_coverage", *others],
                                        "enabled": others}, headers=headers)
        assert response.headers["hx-redirect"] == PAGE
        home = await web.get(f"/t/{TENANT}/")
        assert "全覆盖" not in home.text  # the plugin's menu entry is gone
        page = await web.get(PAGE)
        assert 'value="village_coverage">' in page.text  # listed, unchecked
        response = await web.post(f"/t/{TENANT}/admin/plugins",
                                  data=form(headers, reset="on"))
        assert response.status_code == 303
        assert "全覆盖" in (await web.get(f"/t/{TENANT}/")).text
        bad = await web.post(f"/t/{TENANT}/admin/plugins",
                             data={"shown": "made_up", "enabled": "made_up"}, headers=headers)
        assert bad.status_code == 400 and "没有这个插件" in bad.text


async def test_staff_see_but_cannot_save(app: Litestar, client: Client, database: Database,
                                         restored: None) -> None:
    async with signed_in_as(app, client, database, "office_staff") as (web, headers, _):
        page = await web.get(PAGE)
        assert page.status_code == 200 and "只有巡察办管理员可以修改" in page.text
        assert "保存设置" not in page.text
        refused = await web.post(PAGE, data={"rounds_per_year": "2"}, headers=headers)
        assert refused.status_code == 403
    assert await setting(client, "rounds_per_year") == 3


def test_a_yes_or_no_settings_default_is_said_in_chinese() -> None:
    from core.tenancy.preferences import SettingView
    from core.web.pages.settings import _hint

    def hint(default: bool) -> str:
        return _hint(SettingView(key="k", label="须为党员", unit="", kind="bool", value=default,
                                 default=default, source="default"))

    assert hint(True).endswith("默认值：是") and hint(False).endswith("默认值：否")
