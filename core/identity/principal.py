"""Who is making a request: the signed-in account, by session or by API token."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ["Principal"]


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The authenticated account of a request (``request.scope["user"]``).

    Attributes:
        account_id: the account's row id.
        username: the account name (also the person key of team members).
        name: the display name.
        home_tenant: the code of the account's home tenant.
        via: ``session`` (web sign-in, CSRF applies) or ``token`` (API token).
        token_tenant: for a token, the only tenant it may act in.
        session_id: for a session, its row id.
        csrf_token: for a session, the token unsafe requests must echo.
    """

    account_id: int
    username: str
    name: str
    home_tenant: str
    via: Literal["session", "token"]
    token_tenant: str | None = None
    session_id: int | None = None
    csrf_token: str | None = None
