"""系统管理 · API 令牌: the signed-in account creates its API tokens for this tenant (the
secret shown once, with a warning), lists and revokes them (the token service of
:mod:`core.identity.tokens`, which the tokens API calls too)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException
from litestar.response import Template

from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.identity.principal import Principal
from core.identity.tokens import (
    DEFAULT_DAYS,
    MAX_DAYS,
    NewToken,
    create_token,
    list_tokens,
    revoke_token,
)
from core.runtime import runtime_of
from core.web.api.tokens import TokenIn
from core.web.deps import CurrentWork
from core.web.pages.admin import admin_page
from core.web.pages.forms import FormErrors, done, form_errors, parse_form
from core.web.pages.views import moment
from core.web.params import Id
from core.work import Work

__all__ = ["token_pages"]


def _principal(request: Request[Any, Any, Any]) -> Principal:
    user = request.scope.get("user")
    if not isinstance(user, Principal):
        raise NotAuthorizedException("请先登录")
    return user


def _url(work: Work) -> str:
    return f"/t/{work.tenant.code}/admin/tokens"


async def _page(request: Request[Any, Any, Any], state: State, work: Work, *,
                status: int = 200, errors: FormErrors | None = None, failed: str = "",
                form: dict[str, Any] | None = None, made: NewToken | None = None) -> Template:
    user = _principal(request)
    runtime = runtime_of(state)
    items, _ = await list_tokens(runtime.db, account_id=user.account_id,
                                 tenant_id=work.tenant.id, now=work.clock.now(), limit=100,
                                 offset=0)
    tokens = [{"id": t.id, "name": t.name, "prefix": t.prefix, "active": t.active,
               "created": moment(t.created_at), "expires": moment(t.expires_at),
               "revoked": moment(t.revoked_at), "used": moment(t.last_used_at)}
              for t in items]
    page = await admin_page(request, state, work.tenant, "tokens", status=status,
                            tokens=tokens, errors=errors, failed=failed, form=form, made=made,
                            default_days=DEFAULT_DAYS, max_days=MAX_DAYS,
                            via_token=user.via == "token")
    if made is not None:
        page.headers["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return page


@get("/t/{tenant:str}/admin/tokens", opt={"action": "token:manage"}, include_in_schema=False)
async def tokens_page(request: Request[Any, Any, Any], state: State,
                      work: CurrentWork) -> Template:
    """The signed-in account's tokens in this tenant, and the form to create one."""
    return await _page(request, state, work)


@post("/t/{tenant:str}/admin/tokens", opt={"action": "token:manage"}, include_in_schema=False,
      status_code=200)
async def token_create(request: Request[Any, Any, Any], state: State,
                       work: CurrentWork) -> Template:
    """Create a token; the answer shows its secret, the only time it is shown."""
    user = _principal(request)
    form = await request.form()
    given = {"name": str(form.get("name") or "")[:100],
             "expires_in_days": str(form.get("expires_in_days") or "")[:8]}
    try:
        data = await parse_form(request, TokenIn)
        if user.via == "token":
            raise Forbidden("不能用 API 令牌创建令牌，请在网页登录后操作")
        try:
            made = await create_token(
                runtime_of(state).db, account_id=user.account_id, actor=user.username,
                tenant_id=work.tenant.id, tenant_code=work.tenant.code, name=data.name,
                days=data.expires_in_days, now=work.clock.now())
        except ValueError as exc:
            raise Conflict(str(exc)) from None
    except (Invalid, Forbidden) as exc:
        errors = form_errors(exc, TokenIn)
        status = 403 if isinstance(exc, Forbidden) else errors.status
        return await _page(request, state, work, status=status, errors=errors,
                           failed="create", form=given)
    return await _page(request, state, work, status=201, made=made)


@post("/t/{tenant:str}/admin/tokens/{token_id:int}/revoke", opt={"action": "token:manage"},
      include_in_schema=False, status_code=200)
async def token_revoke(request: Request[Any, Any, Any], state: State, work: CurrentWork,
                       token_id: Id) -> Response[Any]:
    """Revoke one of the account's tokens in this tenant (again: no change)."""
    user = _principal(request)
    outcome = await revoke_token(runtime_of(state).db, account_id=user.account_id,
                                 actor=user.username, tenant_id=work.tenant.id,
                                 token_id=token_id, now=work.clock.now())
    if outcome is None:
        raise NotFound("令牌不存在")
    return done(request, _url(work))


token_pages: list[Any] = [tokens_page, token_create, token_revoke]
"""The API tokens page and its form posts."""
