"""Guest accounts: a person of another deployment given one team place here.

A guest account is an ordinary account of the host tenant with no role
anywhere: what it may reach comes only from the team place a plugin gives
it (``add_member``), which ends by itself when the team is released. The
account is created with a random password nobody is told; the host office
issues a one-time sign-in password (:func:`issue_guest_password`, shown
once) and the account is disabled, its sessions ended, when the guest's
work ends (:func:`close_guest_account`). Errors are the core's domain errors
(Chinese, naming the field), not :class:`~core.identity.accounts.AccountError`.
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime

from core.db import Database
from core.errors import Conflict, Invalid
from core.identity.accounts import (
    AccountError,
    create_account,
    disable_account,
    enable_account,
    get_account,
    set_password,
)

__all__ = ["close_guest_account", "issue_guest_password", "open_guest_account"]

_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
_LENGTH = 14


def _password() -> str:
    """A random password the policy accepts (letters and digits, 14 characters)."""
    while True:
        word = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
        if any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
            return word


async def open_guest_account(db: Database, username: str, name: str, tenant_code: str, *,
                             now: datetime, actor: str) -> None:
    """Create the guest account ``username`` in ``tenant_code`` (no role, a password nobody
    knows), or enable it again when it exists there already.

    Raises:
        Invalid: a username or name the account rules refuse (field ``username``/``name``).
        Conflict: the username belongs to an account of another tenant.
    """
    found = await get_account(db, username)
    if found is not None:
        if found.home_tenant != tenant_code:
            raise Conflict.on("username", f"用户名 {username[:64]} 已被其他机构的账号使用")
        if not found.active:
            await enable_account(db, username, actor=actor)
        return
    try:
        await create_account(db, username, name, tenant_code, _password(), now=now,
                             actor=actor)
    except AccountError as exc:
        raise Invalid.on(exc.field or "username", exc.message) from None


async def issue_guest_password(db: Database, username: str, *, now: datetime,
                               actor: str) -> str:
    """A new one-time sign-in password for the guest account (its earlier password and
    sessions end); the caller shows it once and never stores it.

    Raises:
        Conflict: no such account, or it is disabled (the guest's work has ended).
    """
    found = await get_account(db, username)
    if found is None or not found.active:
        raise Conflict.on("username", "该临时账号不存在或已停用")
    password = _password()
    await set_password(db, username, password, now=now, actor=actor)
    return password


async def close_guest_account(db: Database, username: str, *, now: datetime,
                              actor: str) -> bool:
    """Disable the guest account and end its sessions and tokens; False when it was
    already disabled or is unknown."""
    found = await get_account(db, username)
    if found is None or not found.active:
        return False
    await disable_account(db, username, now=now, actor=actor)
    return True
