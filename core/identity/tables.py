"""Tables of accounts, sign-in sessions and API tokens.

They are shared across tenants (an account signs in before any tenant is
chosen, and a person may act in a foreign tenant), so they carry no
``tenant_id`` and no row-level security; the app role may write them.
Secrets are never stored: passwords as argon2id hashes, session and token
values as SHA-256 digests.
"""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.tenancy.tables import Tenant

__all__ = ["Account", "AccountSession", "ApiToken", "LoginFailure"]


class Account(Table, tablename="account"):
    """A person who signs in; ``username`` is unique in the deployment."""

    app_writable = True

    username = Varchar(length=64, unique=True)
    name = Varchar(length=64)
    home_tenant = ForeignKey(Tenant)
    password_hash = Varchar(length=200)
    active = Boolean(default=True)
    failed_logins = Integer(default=0)
    locked_until = Timestamptz(null=True, default=None)
    password_changed_at = Timestamptz(default=TimestamptzNow())
    created_at = Timestamptz(default=TimestamptzNow())


class AccountSession(Table, tablename="account_session"):
    """A web sign-in: the cookie's SHA-256, its CSRF token, idle and absolute expiry."""

    app_writable = True

    token_hash = Varchar(length=64, unique=True)
    account = ForeignKey(Account, index=True)
    csrf_token = Varchar(length=64)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    client = Varchar(length=200, default="")


class ApiToken(Table, tablename="api_token"):
    """A program's credential, scoped to one tenant, revocable, with an expiry."""

    app_writable = True

    token_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=16)
    name = Varchar(length=100)
    account = ForeignKey(Account, index=True)
    scope_tenant = ForeignKey(Tenant)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)


class LoginFailure(Table, tablename="login_failure"):
    """One failed sign-in as a count of the shared throttle (PostgreSQL deployments).

    ``scope`` says which count the row belongs to: ``a`` per client address,
    ``p`` per (address, username), ``u`` per username; ``key`` names the
    address, the pair (``address username``) or the username. Rows older than
    the longest window are deleted as new ones arrive (see
    :mod:`core.identity.shared_throttle`).
    """

    app_writable = True

    scope = Varchar(length=1)
    key = Varchar(length=200)
    at = Timestamptz(index=True)
