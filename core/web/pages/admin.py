"""The office admin's pages (系统管理): what they share.

Each admin page is a layout around one body (``admin/<page>_body.html``)
holding its lists and forms. Every form posts with htmx into that body
(``#admin-body``) and degrades to a plain post: a refusal answers its 4xx
status with the body again (htmx) or the whole page (plain post), the
reasons beside the fields of the form that failed and nothing changed; a
success answers with :func:`core.web.pages.forms.done` back to the page.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.response import Template

from core.tenancy.model import TenantInfo
from core.web.pages.forms import is_htmx
from core.web.pages.home import page_context

__all__ = ["ADMIN_TABS", "admin_page"]

ADMIN_TABS = [
    ("accounts", "账号", "account:read"),
    ("roles", "角色授权", "role:read"),
    ("tokens", "API 令牌", "token:manage"),
    ("settings", "机构设置", "tenant:read"),
    ("sync", "同步链路", "audit:head"),
]
"""The admin pages: path under ``/t/{tenant}/admin/``, tab label, the action to show it."""


async def admin_page(request: Request[Any, Any, Any], state: State, tenant: TenantInfo,
                     page: str, *, status: int = 200, **context: Any) -> Template:
    """The admin page ``page`` (``admin/<page>.html``), or only its body for htmx."""
    name = f"admin/{page}_body.html" if is_htmx(request) else f"admin/{page}.html"
    return Template(name, status_code=status, context=await page_context(
        state, tenant, tabs=ADMIN_TABS, active=page, **context))
