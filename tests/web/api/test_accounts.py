"""The accounts API as an office admin: list with roles, create, disable, enable, reset;
refusals in Chinese with nothing changed; another tenant's accounts stay out of reach."""

from __future__ import annotations

from litestar import Litestar

from core.db import Database
from core.identity.accounts import get_account
from tests.conftest import acting_as
from tests.identity.helpers import grant, new_account, new_username
from tests.inspection.helpers import Client, ok

T = "/t/ta.one/api/accounts"


async def test_create_list_disable_enable_and_reset(app: Litestar, client: Client,
                                                     database: Database) -> None:
    username = new_username("api")
    made = ok(await client.post(T, json={"username": username, "name": "钱七",
                                         "password": "Api-pass-2026"}), 201)
    assert made["username"] == username and made["active"] and made["roles"] == []
    assert "password" not in made and "password_hash" not in made
    await grant(app, client, username, "office_staff", "ta.one")
    listed = {a["username"]: a for a in ok(await client.get(T))}
    assert listed[username]["roles"] == [{"code": "office_staff", "label": "巡察办工作人员"}]
    assert ok(await client.post(f"{T}/{username}/disable"))["active"] is False
    assert ok(await client.post(f"{T}/{username}/enable"))["active"] is True
    reset = ok(await client.post(f"{T}/{username}/password", json={"password": "New-pass-2027"}))
    assert reset["password_changed_at"] >= made["password_changed_at"]


async def test_refusals_are_chinese_and_change_nothing(client: Client,
                                                       database: Database) -> None:
    taken = await new_account(database, "ta.one")
    cases = [
        ({"username": "Bad Name", "name": "钱七", "password": "Api-pass-2026"}, 400, "username"),
        ({"username": new_username(), "name": "钱七", "password": "short"}, 400, "password"),
        ({"username": new_username(), "name": "", "password": "Api-pass-2026"}, 400, "name"),
        ({"username": taken.username, "name": "钱七", "password": "Api-pass-2026"}, 409,
         "username"),
        ({"username": new_username(), "name": "钱七", "password": "Api-pass-2026", "x": 1}, 400,
         "x"),
    ]
    for body, status, field in cases:
        response = await client.post(T, json=body)
        assert response.status_code == status, (body, response.text)
        errors = response.json()["errors"]
        assert [e["field"] for e in errors] == [field], errors
        assert all("\u4e00" <= e["message"][0] <= "\u9fff" for e in errors), errors
        if body["username"] != taken.username:
            assert await get_account(database, str(body["username"]).lower()) is None
    weak = await client.post(f"{T}/{taken.username}/password", json={"password": "short"})
    assert weak.status_code == 400 and weak.json()["errors"][0]["field"] == "password"


async def test_another_tenants_account_is_404_and_untouched(client: Client,
                                                             database: Database) -> None:
    other = await new_account(database, "tb", name="乙方账号")
    assert other.username not in {a["username"] for a in ok(await client.get(T))}
    for path, body in [("disable", None), ("enable", None),
                       ("password", {"password": "Stolen-pass-2026"})]:
        response = await client.post(f"{T}/{other.username}/{path}", json=body)
        assert response.status_code == 404, response.text
        assert "乙方账号" not in response.text
    still = await get_account(database, other.username)
    assert still is not None and still.active


async def test_only_the_office_admin_manages_accounts(app: Litestar, client: Client,
                                                      database: Database) -> None:
    staff, _ = await acting_as(app, client, database, "office_staff", "ta.one")
    assert (await staff.get(T)).status_code == 403
    username = new_username()
    refused = await staff.post(T, json={"username": username, "name": "钱七",
                                        "password": "Api-pass-2026"})
    assert refused.status_code == 403 and "\u4e00" <= refused.json()["message"][0] <= "\u9fff"
    assert await get_account(database, username) is None
