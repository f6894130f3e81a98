"""Role grants stay inside the tenant's own accounts, and granting twice changes nothing.

An office admin grants roles in its tenant to accounts of that tenant (or of
the city above it, whose office supervises the county); an account of any
other tenant is refused with the very message an unknown username gets, so
the grant form tells nothing about who exists elsewhere.
"""

from __future__ import annotations

from core.db import Database
from tests.identity.helpers import new_account
from tests.inspection.helpers import Client, ok

T = "/t/ta.one/api"


def _refusal(response: object, username: str) -> tuple[int, str]:
    body = response.json()  # type: ignore[attr-defined]
    return (response.status_code,  # type: ignore[attr-defined]
            body["message"].replace(username, "<who>"))


async def test_another_tenants_account_is_refused_like_an_unknown_one(
        client: Client, database: Database) -> None:
    stranger = await new_account(database, "tb")  # another city, not above ta.one
    refused = await client.post(f"{T}/role-grants", json={
        "username": stranger.username, "role": "office_staff"})
    unknown = await client.post(f"{T}/role-grants", json={
        "username": "nobody.anywhere", "role": "office_staff"})
    assert refused.status_code == 400, refused.text
    assert _refusal(refused, stranger.username) == _refusal(unknown, "nobody.anywhere")
    assert refused.json()["errors"][0]["field"] == "username"
    listed = ok(await client.get(f"{T}/role-grants"))
    assert stranger.username not in {g["username"] for g in listed}


async def test_own_and_the_city_above_accounts_may_be_granted(client: Client,
                                                             database: Database) -> None:
    own, city = await new_account(database, "ta.one"), await new_account(database, "ta")
    for account in (own, city):
        ok(await client.post(f"{T}/role-grants", json={
            "username": account.username, "role": "office_staff"}), 201)


async def test_granting_a_liaison_twice_holds_it_once(client: Client,
                                                      database: Database) -> None:
    account = await new_account(database, "ta.one")
    body = {"username": account.username, "role": "unit_liaison", "org": "D001"}
    first = ok(await client.post(f"{T}/role-grants", json=body), 201)
    second = ok(await client.post(f"{T}/role-grants", json=body), 201)
    assert first == second
    listed = [g for g in ok(await client.get(f"{T}/role-grants"))
              if g["username"] == account.username]
    assert len(listed) == 1, listed
    mark = database.dialect.mark
    lines = await database.fetch(
        f'SELECT "ptype" FROM "casbin_rule" WHERE "v0" = {mark(1)}', [account.username])
    assert sorted(r["ptype"] for r in lines) == ["g", "s"]
    ok(await client.delete(f"{T}/role-grants/{account.username}/unit_liaison"))
    assert not [g for g in ok(await client.get(f"{T}/role-grants"))
                if g["username"] == account.username]
