"""系统管理 · 账号: the office admin lists the tenant's accounts, creates one, disables or
enables it and sets a temporary password (the services of :mod:`core.identity.office`,
which the accounts API calls too)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Template

from core.errors import Invalid
from core.identity.office import (
    PASSWORD_RULE,
    NewAccountIn,
    PasswordIn,
    office_accounts,
    office_create_account,
    office_set_active,
    office_set_password,
)
from core.runtime import runtime_of
from core.web.api.accounts import account_out
from core.web.deps import CurrentWork
from core.web.pages.admin import admin_page
from core.web.pages.forms import FormErrors, done, form_errors, parse_form
from core.web.pages.views import moment
from core.work import Work

__all__ = ["account_pages"]


async def _page(request: Request[Any, Any, Any], state: State, work: Work, *,
                status: int = 200, errors: FormErrors | None = None, failed: str = "",
                form: dict[str, Any] | None = None) -> Template:
    authz = runtime_of(state).authz
    accounts = [{**{f: getattr(out, f) for f in out.__struct_fields__},
                 "password_changed": moment(out.password_changed_at)}
                for out in (account_out(authz, work.tenant.code, a)
                            for a in await office_accounts(runtime_of(state).db,
                                                           work.tenant.code))]
    return await admin_page(request, state, work.tenant, "accounts", status=status,
                            accounts=accounts, errors=errors, failed=failed, form=form,
                            password_rule=PASSWORD_RULE, self_username=work.actor)


def _url(work: Work) -> str:
    return f"/t/{work.tenant.code}/admin/accounts"


@get("/t/{tenant:str}/admin/accounts", opt={"action": "account:read"},
     include_in_schema=False)
async def accounts_page(request: Request[Any, Any, Any], state: State,
                        work: CurrentWork) -> Template:
    """The tenant's accounts with their roles, and the form to create one."""
    return await _page(request, state, work)


@post("/t/{tenant:str}/admin/accounts", opt={"action": "account:manage"},
      include_in_schema=False, status_code=200)
async def account_create(request: Request[Any, Any, Any], state: State,
                         work: CurrentWork) -> Response[Any] | Template:
    """Create an account of the tenant with its initial password."""
    given: dict[str, Any] = {}
    try:
        form = await request.form()
        given = {"username": str(form.get("username") or "")[:64],
                 "name": str(form.get("name") or "")[:64]}
        data = await parse_form(request, NewAccountIn)
        await office_create_account(runtime_of(state).db, work.tenant.code, data, actor=work.actor,
                                    now=work.clock.now())
    except Invalid as exc:
        errors = form_errors(exc, NewAccountIn)
        return await _page(request, state, work, status=errors.status, errors=errors,
                           failed="create", form=given)
    return done(request, _url(work))


async def _row_action(request: Request[Any, Any, Any], state: State, work: Work,
                      username: str, active: bool) -> Response[Any] | Template:
    try:
        await office_set_active(runtime_of(state).db, work.tenant.code, username, active,
                                actor=work.actor, now=work.clock.now())
    except Invalid as exc:
        errors = form_errors(exc)
        return await _page(request, state, work, status=errors.status, errors=errors,
                           failed="row")
    return done(request, _url(work))


@post("/t/{tenant:str}/admin/accounts/{account:str}/disable",
      opt={"action": "account:manage"}, include_in_schema=False, status_code=200)
async def account_disable(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                          account: FromPath[str]) -> Response[Any] | Template:
    """Disable an account (its sign-ins and API tokens end at once)."""
    return await _row_action(request, state, work, account, False)


@post("/t/{tenant:str}/admin/accounts/{account:str}/enable",
      opt={"action": "account:manage"}, include_in_schema=False, status_code=200)
async def account_enable(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                         account: FromPath[str]) -> Response[Any] | Template:
    """Enable a disabled account."""
    return await _row_action(request, state, work, account, True)


@post("/t/{tenant:str}/admin/accounts/{account:str}/password",
      opt={"action": "account:manage"}, include_in_schema=False, status_code=200)
async def account_password(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                           account: FromPath[str]) -> Response[Any] | Template:
    """Set a temporary password for an account (its sign-ins end)."""
    try:
        data = await parse_form(request, PasswordIn)
        await office_set_password(runtime_of(state).db, work.tenant.code, account, data,
                                  actor=work.actor, now=work.clock.now())
    except Invalid as exc:
        errors = form_errors(exc, PasswordIn)
        return await _page(request, state, work, status=errors.status, errors=errors,
                           failed=f"password:{account[:64]}")
    return done(request, _url(work))


account_pages: list[Any] = [accounts_page, account_create, account_disable, account_enable,
                            account_password]
"""The accounts page and its form posts."""
