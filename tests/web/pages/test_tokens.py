"""系统管理 · API 令牌 in the browser: created with its secret shown once and a warning,
listed without it, revoked; refusals in Chinese with nothing created."""

from __future__ import annotations

import re

from litestar import Litestar

from core.audit.tables import AuditEntry
from core.db import Database
from tests.inspection.helpers import Client
from tests.web.pages.test_accounts import TENANT, form, signed_in_as

PAGE = f"/t/{TENANT}/admin/tokens"
SECRET = re.compile(r"xct_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


async def test_create_shows_the_secret_once_then_revoke(app: Litestar, client: Client,
                                                       database: Database,
                                                       tenant_ids: dict[str, int]) -> None:
    async with signed_in_as(app, client, database, "office_staff") as (web, headers, me):
        response = await web.post(PAGE, data={"name": "台账同步程序", "expires_in_days": "30"},
                                  headers=headers)
        assert response.status_code == 201, response.text
        assert response.headers["cache-control"] == "no-store"
        secret = SECRET.search(response.text)
        assert secret and "只显示这一次" in response.text
        used = await client.get(f"/t/{TENANT}/api/tokens",
                                headers={"Authorization": f"Bearer {secret[0]}"})
        assert used.status_code == 200 and used.json()["total"] == 1
        page = await web.get(PAGE)
        assert "台账同步程序" in page.text and not SECRET.search(page.text)
        token_id = used.json()["items"][0]["id"]
        response = await web.post(f"{PAGE}/{token_id}/revoke", data=form(headers))
        assert (response.status_code, response.headers["location"]) == (303, PAGE)
        assert "已吊销" in (await web.get(PAGE)).text
        refused = await client.get(f"/t/{TENANT}/api/tokens",
                                   headers={"Authorization": f"Bearer {secret[0]}"})
        assert refused.status_code == 401
        plain = await web.post(PAGE, data=form(headers, name="第二个"))
        assert plain.status_code == 201 and "<html" in plain.text and SECRET.search(plain.text)
    entries = await database.tenant(tenant_ids[TENANT]).list(
        AuditEntry, {"actor": me}, order_by=("seq",), limit=None)
    assert [e["action"] for e in entries if e["action"].startswith("token.")] == [
        "token.create", "token.revoke", "token.create"]


async def test_refusals_are_chinese_and_create_nothing(app: Litestar, client: Client,
                                                       database: Database) -> None:
    async with signed_in_as(app, client, database) as (web, headers, _):
        for data, reason in [({"name": "", "expires_in_days": "30"}, "缺少必填字段"),
                             ({"name": "程序", "expires_in_days": "999"}, "不能大于 365"),
                             ({"name": "程序", "expires_in_days": "很多"}, "类型应为整数")]:
            response = await web.post(PAGE, data=data, headers=headers)
            assert response.status_code == 400, (data, response.text)
            assert reason in response.text and not SECRET.search(response.text)
        assert "您在本机构还没有 API 令牌" in (await web.get(PAGE)).text
        missing = await web.post(f"{PAGE}/2147483647/revoke", headers=headers)
        assert missing.status_code == 404


async def test_a_city_supervisor_has_no_tokens_page(app: Litestar, client: Client,
                                                 database: Database) -> None:
    async with signed_in_as(app, client, database, "city_supervisor") as (web, headers, _):
        assert (await web.get(PAGE)).status_code == 403
        assert (await web.post(PAGE, data={"name": "x"}, headers=headers)).status_code == 403
