"""API token routes: a signed-in account manages its own tokens in one tenant."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.datastructures import State
from litestar.exceptions import (
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.params import JSONBody

from core.identity.principal import Principal
from core.identity.tokens import (
    DEFAULT_DAYS,
    MAX_DAYS,
    NewToken,
    TokenInfo,
    create_token,
    list_tokens,
    revoke_token,
)
from core.pagination import Page
from core.runtime import runtime_of
from core.tenancy.model import TenantInfo
from core.web.deps import CurrentTenant
from core.web.errors import FieldError, InputError
from core.web.middleware import anonymous_message
from core.web.params import Id, Limit, Offset

__all__ = ["TokenController", "TokenIn", "TokenPage"]


class TokenIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A token to create for the signed-in account in this tenant."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100,
                                      description="用途说明，如“台账同步程序”")]
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=MAX_DAYS,
                                                 description="有效天数（1-365）")] = DEFAULT_DAYS


TokenPage = Page[TokenInfo]
"""One page of the account's tokens."""


def _principal(request: Request[Any, Any, Any], tenant: TenantInfo) -> Principal:
    user = request.scope.get("user")
    if not isinstance(user, Principal):
        raise NotAuthorizedException(anonymous_message(request.scope))
    if user.via == "token" and user.token_tenant != tenant.code:
        raise PermissionDeniedException("该 API 令牌不能用于本机构")
    return user


class TokenController(Controller):
    """``/t/{tenant}/api/tokens``: create, list and revoke the caller's own tokens."""

    path = "/t/{tenant:str}/api/tokens"
    tags = ["API 令牌"]

    @post("/", opt={"action": "token:manage"}, summary="创建 API 令牌（仅显示一次）")
    async def create(self, request: Request[Any, Any, Any], state: State,
                     tenant_info: CurrentTenant, data: JSONBody[TokenIn]) -> NewToken:
        """Create a token scoped to this tenant; the answer is the only time it is shown."""
        user = _principal(request, tenant_info)
        if user.via == "token":
            raise PermissionDeniedException("不能用 API 令牌创建令牌，请在网页登录后操作")
        name = data.name.strip()
        if not name:
            raise InputError([FieldError("name", "不能为空")])
        runtime = runtime_of(state)
        try:
            return await create_token(
                runtime.db, account_id=user.account_id, actor=user.username,
                tenant_id=tenant_info.id, tenant_code=tenant_info.code, name=name,
                days=data.expires_in_days, now=runtime.clock.now())
        except ValueError as exc:
            raise InputError([FieldError("token", str(exc))], 409) from None

    @get("/", opt={"action": "token:manage"}, summary="我在本机构的 API 令牌")
    async def list_own(self, request: Request[Any, Any, Any], state: State,
                       tenant_info: CurrentTenant, limit: Limit = 50,
                       offset: Offset = 0) -> TokenPage:
        """The caller's tokens in this tenant, newest first (never their secrets)."""
        user = _principal(request, tenant_info)
        runtime = runtime_of(state)
        items, total = await list_tokens(runtime.db, account_id=user.account_id,
                                         tenant_id=tenant_info.id, now=runtime.clock.now(),
                                         limit=limit, offset=offset)
        return TokenPage(items=items, total=total, limit=limit, offset=offset)

    @delete("/{token_id:int}", opt={"action": "token:manage"}, summary="吊销 API 令牌")
    async def revoke(self, request: Request[Any, Any, Any], state: State,
                     tenant_info: CurrentTenant, token_id: Id) -> None:
        """Revoke one of the caller's tokens in this tenant (again: no change)."""
        user = _principal(request, tenant_info)
        runtime = runtime_of(state)
        outcome = await revoke_token(runtime.db, account_id=user.account_id,
                                     actor=user.username, tenant_id=tenant_info.id,
                                     token_id=token_id, now=runtime.clock.now())
        if outcome is None:
            raise NotFoundException("令牌不存在")
