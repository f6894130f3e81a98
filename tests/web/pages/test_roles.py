"""系统管理 · 角色授权 in the browser: grants by Chinese label, liaison scopes, revoking,
refusals beside their fields with nothing granted, audit entries."""

from __future__ import annotations

from litestar import Litestar

from core.audit.tables import AuditEntry
from core.db import Database
from tests.identity.helpers import new_account
from tests.inspection.helpers import Client
from tests.web.pages.test_accounts import TENANT, form, signed_in_as

PAGE = f"/t/{TENANT}/admin/roles"


def roles_of(app: Litestar, username: str) -> list[str]:
    return list(app.state.runtime.authz.roles_of(username, TENANT))


async def test_grant_and_revoke_by_label_plain_and_htmx(app: Litestar, client: Client,
                                                        database: Database,
                                                        tenant_ids: dict[str, int]) -> None:
    person = await new_account(database, TENANT, name="授权对象丙")
    async with signed_in_as(app, client, database) as (web, headers, admin):
        page = await web.get(PAGE)
        assert page.status_code == 200, page.text
        assert '<option value="office_staff">巡察办工作人员</option>' in page.text
        assert "team_leader" not in page.text  # held through a team, never granted
        assert f"授权对象丙（{person.username}）" in page.text
        response = await web.post(PAGE, data=form(headers, username=person.username,
                                                  role="office_staff"))
        assert (response.status_code, response.headers["location"]) == (303, PAGE)
        response = await web.post(PAGE, data={"username": person.username,
                                               "role": "unit_liaison", "org": "D001"},
                                  headers=headers)
        assert response.headers["hx-redirect"] == PAGE
        assert sorted(roles_of(app, person.username)) == ["office_staff", "unit_liaison"]
        listed = await web.get(PAGE)
        assert "被巡察单位联络员" in listed.text and "授权对象丙" in listed.text
        response = await web.post(f"{PAGE}/revoke", data={"username": person.username,
                                                          "role": "office_staff"},
                                  headers=headers)
        assert response.headers["hx-redirect"] == PAGE
        assert roles_of(app, person.username) == ["unit_liaison"]
        again = await web.post(f"{PAGE}/revoke", data={"username": person.username,
                                                       "role": "office_staff"},
                               headers=headers)
        assert again.status_code == 404 and "没有此角色" in again.text
    entries = await database.tenant(tenant_ids[TENANT]).list(
        AuditEntry, {"object_type": "account", "object_id": person.username},
        order_by=("seq",), limit=None)
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("role.grant", admin), ("role.grant", admin), ("role.revoke", admin)]


async def test_refusals_beside_their_fields_and_nothing_granted(
        app: Litestar, client: Client, database: Database) -> None:
    person = await new_account(database, TENANT)
    other = await new_account(database, "tb")
    async with signed_in_as(app, client, database) as (web, headers, _):
        cases = [
            ({"username": person.username, "role": "emperor"}, "角色 emperor 不存在"),
            ({"username": person.username, "role": "team_leader"}, "按次授权"),
            ({"username": person.username, "role": "unit_liaison"}, "须指定所联络的单位"),
            ({"username": person.username, "role": "receiving_liaison"}, "须指定承办机关"),
            ({"username": person.username, "role": "office_staff", "org": "D001"},
             "不设单位或承办机关范围"),
            ({"username": other.username, "role": "office_staff"}, "不存在"),
            ({"role": "office_staff"}, "缺少必填字段"),
        ]
        for data, reason in cases:
            response = await web.post(PAGE, data=data, headers=headers)
            assert response.status_code == 400, (data, response.text)
            assert reason in response.text and 'id="admin-body"' in response.text, data
            assert "field-error" in response.text or "alert error" in response.text
        plain = await web.post(PAGE, data=form(headers, username=person.username,
                                               role="emperor"))
        assert plain.status_code == 400 and "<html" in plain.text
    assert roles_of(app, person.username) == []
    assert list(app.state.runtime.authz.roles_of(other.username, TENANT)) == []


async def test_only_the_office_admin_grants(app: Litestar, client: Client,
                                            database: Database) -> None:
    person = await new_account(database, TENANT)
    async with signed_in_as(app, client, database, "office_staff") as (web, headers, _):
        assert (await web.get(PAGE)).status_code == 403
        response = await web.post(PAGE, data={"username": person.username,
                                               "role": "office_admin"}, headers=headers)
        assert response.status_code == 403
    assert roles_of(app, person.username) == []


async def test_an_admin_cannot_revoke_their_own_admin_role(app: Litestar, client: Client,
                                                           database: Database) -> None:
    async with signed_in_as(app, client, database) as (web, headers, admin):
        page = await web.get(PAGE)
        assert "测试管理员（甲市委巡察办）" in page.text  # the city's account, by name
        response = await web.post(f"{PAGE}/revoke", data={"username": admin,
                                                          "role": "office_admin"},
                                  headers=headers)
        assert response.status_code == 400 and "不能收回自己的巡察办管理员角色" in response.text
        assert roles_of(app, admin) == ["office_admin"]
