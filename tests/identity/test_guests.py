"""Guest accounts: made with a password nobody knows, a one-time password issued, closed
with their sessions; errors as the core's domain errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.db import Database
from core.errors import Conflict, Invalid
from core.identity.accounts import LoginRefused, authenticate, get_account
from core.identity.guests import close_guest_account, issue_guest_password, open_guest_account
from core.identity.sessions import SessionPolicy, create_session, resolve_session
from tests.identity.helpers import new_account, new_username


async def test_a_guest_signs_in_only_with_the_password_issued_until_closed(
        database: Database) -> None:
    now = datetime.now(UTC)
    username = new_username("guest")
    await open_guest_account(database, username, "远县组长", "ta.one", now=now, actor="test")
    account = await get_account(database, username)
    assert account is not None and account.home_tenant == "ta.one" and account.active
    first = await issue_guest_password(database, username, now=now, actor="test")
    signed = await authenticate(database, username, first, client_ip="10.9.9.1", now=now)
    session = await create_session(database, signed.id, now=now, policy=SessionPolicy())
    second = await issue_guest_password(database, username, now=now, actor="test")
    assert second != first  # the earlier password and its session end
    with pytest.raises(LoginRefused):
        await authenticate(database, username, first, client_ip="10.9.9.2", now=now)
    principal, _ = await resolve_session(database, session.token, now=now,
                                         policy=SessionPolicy())
    assert principal is None
    assert await close_guest_account(database, username, now=now, actor="test") is True
    assert await close_guest_account(database, username, now=now, actor="test") is False
    with pytest.raises(LoginRefused):
        await authenticate(database, username, second, client_ip="10.9.9.3", now=now)
    with pytest.raises(Conflict):
        await issue_guest_password(database, username, now=now, actor="test")
    # Opened again (a new submission of the same work): enabled, the old password still void.
    await open_guest_account(database, username, "远县组长", "ta.one", now=now, actor="test")
    again = await get_account(database, username)
    assert again is not None and again.active


async def test_refusals_are_domain_errors(database: Database) -> None:
    now = datetime.now(UTC)
    other = await new_account(database, "tb")
    with pytest.raises(Conflict) as taken:
        await open_guest_account(database, other.username, "冒用", "ta.one", now=now,
                                 actor="test")
    assert taken.value.errors[0].field == "username"
    with pytest.raises(Invalid) as bad:
        await open_guest_account(database, "坏名字", "访客", "ta.one", now=now, actor="test")
    assert bad.value.errors[0].field == "username"
    with pytest.raises(Conflict):
        await issue_guest_password(database, new_username("none"), now=now, actor="test")
