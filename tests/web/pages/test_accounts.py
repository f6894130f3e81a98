"""系统管理 · 账号 in the browser: plain and htmx form posts, refusals beside their fields
with nothing changed, the menu entry only for the office admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar

from core.audit.tables import AuditEntry
from core.db import Database
from core.identity.accounts import get_account
from tests.identity.helpers import Browser, browser, grant, new_account, new_username, signed_in
from tests.inspection.helpers import Client

TENANT = "ta.one"
PAGE = f"/t/{TENANT}/admin/accounts"


@asynccontextmanager
async def signed_in_as(app: Litestar, client: Client, database: Database,
                       role: str = "office_admin", name: str = "管理员甲"
                       ) -> AsyncIterator[tuple[Browser, dict[str, str], str]]:
    """A browser signed in as a new account holding ``role`` in ta.one; yields it, the
    htmx headers (CSRF) and the username."""
    account = await new_account(database, TENANT, name=name)
    await grant(app, client, account.username, role, TENANT)
    async with browser(app, client) as web:
        csrf = await signed_in(web, account.username)
        yield web, {"X-CSRF-Token": csrf, "HX-Request": "true"}, account.username


def form(csrf_headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    """A plain form post's fields with its ``_csrf``."""
    return {"_csrf": csrf_headers["X-CSRF-Token"], **fields}


async def test_the_page_lists_accounts_with_chinese_roles_and_the_menu_shows(
        app: Litestar, client: Client, database: Database) -> None:
    staff = await new_account(database, TENANT, name="工作人员乙")
    await grant(app, client, staff.username, "office_staff", TENANT)
    other = await new_account(database, "tb", name="乙方人员")
    async with signed_in_as(app, client, database) as (web, _, _):
        page = await web.get(PAGE)
        assert page.status_code == 200, page.text
        assert "工作人员乙" in page.text and "巡察办工作人员" in page.text
        assert "office_staff" not in page.text
        assert other.username not in page.text and "乙方人员" not in page.text
        assert f'href="/t/{TENANT}/admin/accounts">系统管理' in page.text
        assert "账号" in page.text and "角色授权" in page.text
    async with signed_in_as(app, client, database, "office_staff") as (web, _, _):
        home = await web.get(f"/t/{TENANT}/")
        assert home.status_code == 200 and "系统管理" not in home.text
        refused = await web.get(PAGE, headers={"Accept": "text/html"})
        assert refused.status_code == 403 and "无权" in refused.text


async def test_create_plain_and_htmx(app: Litestar, client: Client,
                                     database: Database) -> None:
    async with signed_in_as(app, client, database) as (web, headers, admin):
        plain = new_username("page")
        response = await web.post(PAGE, data=form(headers, username=plain, name="孙八",
                                                  password="Page-pass-2026"))
        assert (response.status_code, response.headers["location"]) == (303, PAGE)
        htmx = new_username("page")
        response = await web.post(PAGE, data={"username": htmx, "name": "周九",
                                              "password": "Page-pass-2026"}, headers=headers)
        assert (response.status_code, response.headers["hx-redirect"]) == (200, PAGE)
        page = await web.get(PAGE)
        assert "孙八" in page.text and "周九" in page.text
        made = await get_account(database, plain)
        assert made is not None and made.home_tenant == TENANT
        entries = await database.tenant(made.home_tenant_id).list(
            AuditEntry, {"object_type": "account", "object_id": str(made.id)}, limit=None)
        assert [(e["action"], e["actor"]) for e in entries] == [("account.create", admin)]


async def test_refusals_beside_their_fields_and_nothing_created(
        app: Litestar, client: Client, database: Database) -> None:
    taken = await new_account(database, TENANT)
    async with signed_in_as(app, client, database) as (web, headers, _):
        weak = new_username("page")
        response = await web.post(PAGE, data={"username": weak, "name": "吴十",
                                              "password": "short"}, headers=headers)
        assert response.status_code == 400
        assert 'id="admin-body"' in response.text and "<html" not in response.text
        assert "密码长度不能少于 10 个字符" in response.text
        assert f'value="{weak}"' in response.text and 'value="short"' not in response.text
        assert await get_account(database, weak) is None
        response = await web.post(PAGE, data=form(headers, username=taken.username,
                                                  name="吴十", password="Page-pass-2026"))
        assert response.status_code == 409 and "<html" in response.text
        assert "已存在" in response.text
        response = await web.post(PAGE, data=form(headers, username="", name="",
                                                  password=""))
        assert response.status_code == 400 and "缺少必填字段" in response.text
        assert "Expected" not in response.text and "Object" not in response.text


async def test_disable_enable_and_reset_from_the_page(app: Litestar, client: Client,
                                                      database: Database) -> None:
    account = await new_account(database, TENANT, name="郑十一")
    async with signed_in_as(app, client, database) as (web, headers, admin):
        url = f"{PAGE}/{account.username}"
        response = await web.post(f"{url}/disable", headers=headers)
        assert response.headers["hx-redirect"] == PAGE
        assert not (await get_account(database, account.username)).active  # type: ignore[union-attr]
        assert "已停用" in (await web.get(PAGE)).text
        response = await web.post(f"{url}/enable", data=form(headers))
        assert response.status_code == 303
        assert (await get_account(database, account.username)).active  # type: ignore[union-attr]
        weak = await web.post(f"{url}/password", data={"password": "short"}, headers=headers)
        assert weak.status_code == 400 and "密码长度不能少于" in weak.text
        assert "<details open>" in weak.text
        response = await web.post(f"{url}/password", data={"password": "Reset-pass-2027"},
                                  headers=headers)
        assert response.status_code == 200 and response.headers["hx-redirect"] == PAGE
        page = await web.get(PAGE)
        assert f'{PAGE}/{admin}/disable"' not in page.text  # no button to disable oneself
        assert page.text.count('id="f-password"') == 1  # the create form's; rows have their own
        own = await web.post(f"{PAGE}/{admin}/disable", headers=headers)
        assert own.status_code == 400 and "不能停用自己的账号" in own.text
        assert (await get_account(database, admin)).active  # type: ignore[union-attr]


async def test_another_tenants_account_is_not_found(app: Litestar, client: Client,
                                                    database: Database) -> None:
    other = await new_account(database, "tb", name="乙方人员")
    async with signed_in_as(app, client, database) as (web, headers, _):
        for action, data in [("disable", {}), ("password", {"password": "Stolen-pass-2026"})]:
            response = await web.post(f"{PAGE}/{other.username}/{action}",
                                      data=form(headers, **data),
                                      headers={"Accept": "text/html"})
            assert response.status_code == 404, response.text
            assert "乙方人员" not in response.text
    assert (await get_account(database, other.username)).active  # type: ignore[union-attr]
