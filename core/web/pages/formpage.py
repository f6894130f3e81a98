"""Rendering a write page's form: the fragment for htmx, the whole page otherwise.

The planning, inspection and team pages share this: a form lives in a
fragment template (``hx-target`` is the fragment's own box); a refused htmx
post answers the fragment again with its 4xx status, a refused plain post
the whole page around it (``form_page.html``) with the same status.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.response import Template

from core.web.pages.forms import is_htmx
from core.web.pages.home import page_context
from core.work import Work

__all__ = ["posted_values", "render_form"]


async def posted_values(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The posted form as typed (last value of each name; lists for repeated names)."""
    form = await request.form()
    out: dict[str, Any] = {}
    for name in form:
        values = form.getall(name, [])
        out[name] = values if len(values) > 1 else (values[0] if values else "")
    return out


async def render_form(request: Request[Any, Any, Any], state: State, work: Work,
                      fragment: str, title: str, *, status: int = 200,
                      back: str = "", **context: Any) -> Template:
    """``fragment`` alone for htmx, or inside the layout (``form_page.html``)."""
    if is_htmx(request):
        return Template(fragment, status_code=status,
                        context={"tenant": work.tenant, **context})
    full = await page_context(state, work.tenant, fragment=fragment, page_title=title,
                              back=back, **context)
    return Template("form_page.html", status_code=status, context=full)
