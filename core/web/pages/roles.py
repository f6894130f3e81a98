"""系统管理 · 角色授权: the office admin grants and revokes the tenant's roles by their Chinese
labels (the grant service of :mod:`core.authz.grants`, which the roles API calls too).

Team roles (组长, 副组长, 组员) are never granted here: a place on an inspection's team
holds them for that inspection only (一次一授权), on the inspection's team page.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Template

from core.authz.grants import GRANTABLE, GrantError, grant_role, list_grants, revoke_role
from core.authz.roles import LIAISON_SCOPES, ROLE_LABELS
from core.errors import FieldError, Invalid, NotFound
from core.identity.accounts import get_account
from core.identity.office import office_accounts
from core.inspection.model import RECEIVING_BODY_LABELS
from core.runtime import runtime_of
from core.tenancy.tables import Org
from core.web.deps import CurrentWork
from core.web.pages.admin import admin_page
from core.web.pages.forms import FormErrors, done, form_errors, parse_form
from core.work import Work

__all__ = ["GrantForm", "RevokeForm", "role_pages"]

Username = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
RoleCode = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]


class GrantForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A role for an account; a unit liaison names its org, a receiving liaison its body."""

    username: Username
    role: RoleCode
    org: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    body: Annotated[str, msgspec.Meta(max_length=32)] | None = None


class RevokeForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The grant to take back."""

    username: Username
    role: RoleCode


def _url(work: Work) -> str:
    return f"/t/{work.tenant.code}/admin/roles"


async def _page(request: Request[Any, Any, Any], state: State, work: Work, *,
                status: int = 200, errors: FormErrors | None = None, failed: str = "",
                form: GrantForm | None = None) -> Template:
    runtime = runtime_of(state)
    orgs = await work.session.list(Org, {"active": True}, order_by=("sort", "id"), limit=None)
    org_names = {f"org:{o['id']}": o["name"] for o in orgs}
    body_names = {f"body:{k}": v for k, v in RECEIVING_BODY_LABELS.items()}
    accounts = await office_accounts(runtime.db, work.tenant.code)
    names = {a.username: a.name for a in accounts}
    held = await list_grants(runtime.db, work.tenant.code)
    for username in {g.username for g in held} - set(names):  # the city's accounts
        account = await get_account(runtime.db, username)
        home = await runtime.tenants.get(account.home_tenant) if account else None
        names[username] = f"{account.name}（{home.name if home else account.home_tenant}）" \
            if account else ""
    grants = [{"username": g.username, "name": names.get(g.username, ""), "role": g.role,
               "role_label": g.role_label,
               "scope": org_names.get(g.scope) or body_names.get(g.scope) or ""}
              for g in held]
    return await admin_page(
        request, state, work.tenant, "roles", status=status, grants=grants, errors=errors,
        failed=failed, form=form,
        accounts=[(a.username, f"{a.name}（{a.username}）") for a in accounts if a.active],
        roles=[(r.value, ROLE_LABELS[r]) for r in GRANTABLE],
        scoped={r.value: kind for r, kind in LIAISON_SCOPES.items()},
        orgs=[(o["code"], o["name"]) for o in orgs],
        bodies=list(RECEIVING_BODY_LABELS.items()))


@get("/t/{tenant:str}/admin/roles", opt={"action": "role:read"}, include_in_schema=False)
async def roles_page(request: Request[Any, Any, Any], state: State,
                     work: CurrentWork) -> Template:
    """Who holds which role here, and the form to grant one."""
    return await _page(request, state, work)


@post("/t/{tenant:str}/admin/roles", opt={"action": "role:manage"}, include_in_schema=False,
      status_code=200)
async def role_grant(request: Request[Any, Any, Any], state: State,
                     work: CurrentWork) -> Response[Any] | Template:
    """Grant a role (audited as ``role.grant``)."""
    runtime = runtime_of(state)
    form: GrantForm | None = None
    try:
        form = await parse_form(request, GrantForm)
        await grant_role(runtime.db, runtime.authz, tenant_id=work.tenant.id,
                         tenant_code=work.tenant.code, username=form.username.strip(),
                         role=form.role, actor=work.actor, org_code=form.org, body=form.body)
    except GrantError as exc:
        field = "org" if exc.field == "scope" else exc.field
        errors = form_errors(Invalid(exc.message, [FieldError(field, exc.message)]), GrantForm)
        return await _page(request, state, work, status=400, errors=errors, failed="grant",
                           form=form)
    except Invalid as exc:
        errors = form_errors(exc, GrantForm)
        return await _page(request, state, work, status=errors.status, errors=errors,
                           failed="grant", form=form)
    return done(request, _url(work))


@post("/t/{tenant:str}/admin/roles/revoke", opt={"action": "role:manage"},
      include_in_schema=False, status_code=200)
async def role_revoke(request: Request[Any, Any, Any], state: State,
                      work: CurrentWork) -> Response[Any] | Template:
    """Take a role back (audited as ``role.revoke``)."""
    runtime = runtime_of(state)
    try:
        form = await parse_form(request, RevokeForm)
        try:
            removed = await revoke_role(runtime.db, runtime.authz, tenant_id=work.tenant.id,
                                        tenant_code=work.tenant.code, username=form.username,
                                        role=form.role, actor=work.actor)
        except GrantError as exc:
            raise Invalid(exc.message) from None
        if not removed:
            raise NotFound("该账号在本机构没有此角色")
    except (Invalid, NotFound) as exc:
        errors = form_errors(exc)
        return await _page(request, state, work, status=errors.status, errors=errors,
                           failed="revoke")
    return done(request, _url(work))


role_pages: list[Any] = [roles_page, role_grant, role_revoke]
"""The role grants page and its form posts."""
