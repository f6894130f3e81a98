"""The roles API as an office admin: the catalogue, granting, revoking and bad input."""

from __future__ import annotations

from core.db import Database
from tests.identity.helpers import new_account
from tests.inspection.helpers import Client, ok

T = "/t/ta.one/api"


async def test_grant_list_and_revoke(client: Client, database: Database) -> None:
    roles = {r["code"]: r for r in ok(await client.get(f"{T}/roles"))}
    assert roles["office_admin"]["label"] == "巡察办管理员（办主任）"
    assert roles["team_leader"]["grantable"] is False
    assert "paper:sign" in roles["team_leader"]["actions"]
    account = await new_account(database, "ta.one")
    made = ok(await client.post(f"{T}/role-grants", json={
        "username": account.username, "role": "unit_liaison", "org": "D001"}), 201)
    assert made["role_label"] == "被巡察单位联络员" and made["scope"].startswith("org:")
    listed = ok(await client.get(f"{T}/role-grants"))
    assert {(g["username"], g["role"]) for g in listed} >= {(account.username, "unit_liaison")}
    ok(await client.delete(f"{T}/role-grants/{account.username}/unit_liaison"))
    again = await client.delete(f"{T}/role-grants/{account.username}/unit_liaison")
    assert again.status_code == 404


async def test_bad_grants_are_refused_in_chinese(client: Client, database: Database) -> None:
    account = await new_account(database, "ta.one")
    cases = [
        ({"username": account.username, "role": "emperor"}, "role"),
        ({"username": account.username, "role": "team_leader"}, "role"),
        ({"username": account.username, "role": "unit_liaison"}, "org"),
        ({"username": account.username, "role": "unit_liaison", "org": "NOPE"}, "org"),
        ({"username": account.username, "role": "receiving_liaison", "body": "x"}, "body"),
        ({"username": account.username, "role": "office_staff", "org": "D001"}, "scope"),
        ({"username": "nobody.here", "role": "office_staff"}, "username"),
        ({"username": account.username, "role": "office_staff", "extra": 1}, "extra"),
        ({"username": "x" * 65, "role": "office_staff"}, "username"),
    ]
    for body, field in cases:
        response = await client.post(f"{T}/role-grants", json=body)
        assert response.status_code == 400, (body, response.text)
        errors = response.json()["errors"]
        assert any(e["field"] == field for e in errors), (body, errors)
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e["message"]) for e in errors)
    listed = ok(await client.get(f"{T}/role-grants"))
    assert account.username not in {g["username"] for g in listed}


async def test_an_admin_cannot_revoke_their_own_admin_role(client: Client) -> None:
    response = await client.delete(f"{T}/role-grants/tester/office_admin")
    assert response.status_code == 400, response.text
    assert "不能收回自己的巡察办管理员角色" in response.json()["message"]
    listed = ok(await client.get(f"{T}/role-grants"))
    assert ("tester", "office_admin") in {(g["username"], g["role"]) for g in listed}
