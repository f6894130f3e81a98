"""Forms of the inspection page's sections: a refusal answered beside its fields.

A form of the inspection page (the report, the ledger, reports, disclosures)
posts to its own route. A refusal answers its 4xx status with the section
again (htmx swaps it in place of the section) or, for a plain form, the
whole inspection page; either way the messages stand beside their fields
and what was typed is kept.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.datastructures import State
from litestar.response import Template

from core.errors import DomainError
from core.web.pages.forms import form_errors, is_htmx
from core.web.pages.inspection import inspection_context
from core.work import Work

__all__ = ["form_values", "section_refusal"]


async def form_values(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """What was posted, to fill a refused form in again (lists for repeated names)."""
    form = await request.form()
    values: dict[str, Any] = {}
    for name in form:
        if name == "_csrf":
            continue
        got = [v for v in form.getall(name, []) if isinstance(v, str)]
        values[name] = got if len(got) > 1 else (got[0] if got else "")
    return values


async def section_refusal(request: Request[Any, Any, Any], state: State, work: Work,
                          inspection_id: int, exc: DomainError, *, form: str,
                          fields: type[msgspec.Struct], section: str) -> Template:
    """Answer a refused form ``form`` of the inspection page.

    Args:
        request: the post (its values fill the form in again).
        state: the app state.
        work: the tenant's unit of work.
        inspection_id: the inspection whose page holds the form.
        exc: the refusal.
        form: the form's name in the page's ``fe``/``fv`` context.
        fields: the form's struct (which messages go beside a field).
        section: the template of the section htmx swaps in.
    """
    errors = form_errors(exc, fields)
    context = await inspection_context(request, state, work, inspection_id,
                                       fe={form: errors}, fv={form: await form_values(request)})
    template = section if is_htmx(request) else "inspection/inspection.html"
    return Template(template, context=context, status_code=errors.status)
