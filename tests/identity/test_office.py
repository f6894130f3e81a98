"""The office admin's account services: one tenant only, Chinese refusals by field, audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.audit.tables import AuditEntry
from core.db import Database
from core.errors import Conflict, Invalid, NotFound
from core.identity.accounts import LoginRefused, authenticate, get_account
from core.identity.office import (
    NewAccountIn,
    PasswordIn,
    office_account,
    office_accounts,
    office_create_account,
    office_set_active,
    office_set_password,
)
from core.identity.sessions import SessionPolicy, create_session, resolve_session
from tests.identity.helpers import PASSWORD, new_account, new_username

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


async def _audited(database: Database, tenant_id: int, account_id: int) -> list[tuple[str, str]]:
    rows = await database.tenant(tenant_id).list(
        AuditEntry, {"object_type": "account", "object_id": str(account_id)},
        order_by=("seq",), limit=None)
    return [(r["action"], r["actor"]) for r in rows]


async def test_create_list_disable_enable_and_reset(database: Database,
                                                     tenant_ids: dict[str, int]) -> None:
    username = new_username("office")
    made = await office_create_account(
        database, "ta.one", NewAccountIn(username=username.upper(), name=" 赵六 ",
                                         password="First-pass-2026"),
        actor="admin.x", now=NOW)
    assert (made.username, made.name, made.home_tenant, made.active) == (
        username, "赵六", "ta.one", True)
    assert username in [a.username for a in await office_accounts(database, "ta.one")]
    assert username not in [a.username for a in await office_accounts(database, "tb")]
    session = await create_session(database, made.id, now=NOW, policy=SessionPolicy())

    disabled = await office_set_active(database, "ta.one", username, False, actor="admin.x",
                                       now=NOW)
    assert disabled.active is False
    principal, _ = await resolve_session(database, session.token, now=NOW,
                                         policy=SessionPolicy())
    assert principal is None  # the sign-in ended with the account
    again = await office_set_active(database, "ta.one", username, False, actor="admin.x",
                                    now=NOW)
    assert again.active is False  # nothing to do: no second audit entry
    assert (await office_set_active(database, "ta.one", username, True, actor="admin.x",
                                    now=NOW)).active

    await office_set_password(database, "ta.one", username,
                              PasswordIn(password="Temp-pass-2027"), actor="admin.x", now=NOW)
    with pytest.raises(LoginRefused):
        await authenticate(database, username, "First-pass-2026", client_ip="t", now=NOW)
    assert (await authenticate(database, username, "Temp-pass-2027", client_ip="t",
                               now=NOW)).username == username
    assert await _audited(database, tenant_ids["ta.one"], made.id) == [
        ("account.create", "admin.x"), ("account.disable", "admin.x"),
        ("account.enable", "admin.x"), ("account.password_set", "admin.x"),
        ("account.login_failed", username), ("account.login", username)]


@pytest.mark.parametrize(("username", "name", "password", "field"), [
    ("a", "王五", "Good-pass-2026", "username"),
    ("bad name", "王五", "Good-pass-2026", "username"),
    ("ok.name", "王" * 65, "Good-pass-2026", "name"),
    ("ok.name", "王五", "short1", "password"),
    ("ok.name", "王五", "onlyletterslong", "password"),
    ("ok.name", "王五", "ok.name-2026-x", "password"),
])
async def test_bad_accounts_are_refused_by_field(database: Database, username: str, name: str,
                                                 password: str, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        await office_create_account(database, "ta.one", NewAccountIn(
            username=username, name=name, password=password), actor="admin.x", now=NOW)
    assert [e.field for e in caught.value.errors] == [field]
    assert all("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message[:1])
    assert await get_account(database, username) is None


async def test_a_taken_username_is_a_conflict(database: Database) -> None:
    taken = await new_account(database, "tb")
    with pytest.raises(Conflict) as caught:
        await office_create_account(database, "ta.one", NewAccountIn(
            username=taken.username, name="王五", password="Good-pass-2026"),
            actor="admin.x", now=NOW)
    assert caught.value.errors[0].field == "username"


async def test_another_tenants_account_is_unknown(database: Database) -> None:
    other = await new_account(database, "tb")
    for call in (
        office_account(database, "ta.one", other.username),
        office_set_active(database, "ta.one", other.username, False, actor="admin.x", now=NOW),
        office_set_password(database, "ta.one", other.username,
                            PasswordIn(password="Stolen-pass-2026"), actor="admin.x", now=NOW),
    ):
        with pytest.raises(NotFound):
            await call
    still = await get_account(database, other.username)
    assert still is not None and still.active
    assert (await authenticate(database, other.username, PASSWORD, client_ip="t",
                               now=NOW)).active


async def test_an_admin_cannot_disable_themself(database: Database) -> None:
    admin = await new_account(database, "ta.one")
    with pytest.raises(Invalid, match="不能停用自己的账号"):
        await office_set_active(database, "ta.one", admin.username, False,
                                actor=admin.username, now=NOW)
    assert (await office_account(database, "ta.one", admin.username)).active


async def test_a_weak_reset_changes_nothing(database: Database) -> None:
    account = await new_account(database, "ta.one")
    with pytest.raises(Invalid) as caught:
        await office_set_password(database, "ta.one", account.username,
                                  PasswordIn(password="short"), actor="admin.x", now=NOW)
    assert caught.value.errors[0].field == "password"
    assert (await authenticate(database, account.username, PASSWORD, client_ip="t",
                               now=NOW)).username == account.username
