"""Forms of the pages: a posted form read into a struct, refusals shown next to their fields.

Every write page follows one pattern::

    @post("/t/{tenant:str}/things", opt={"action": "thing:write"}, include_in_schema=False)
    async def thing_create(request: Request, state: State, work: CurrentWork) -> Response:
        try:
            data = await parse_form(request, ThingForm)
            thing = await create_thing(work, data)          # the service, unchanged
        except Invalid as exc:
            errors = form_errors(exc, ThingForm)
            return Template("things/form.html", status_code=errors.status,
                            context=await page_context(state, work.tenant, form=..., errors=errors))
        return done(request, f"/t/{work.tenant.code}/things/{thing.id}")

A refusal answers its 4xx status with the form again (the fragment for htmx,
which swaps 4xx answers in, see ``base.html``; the whole page for a plain
post), each message beside its field (``forms.html`` macros) and the rest in
the summary. Success answers 303 to the object's page, or ``HX-Redirect``
for htmx. Messages are Chinese whatever layer refused: msgspec's and
litestar's English is translated by :func:`core.web.errors.translate`.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import msgspec
from litestar import Request, Response
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.response import Redirect

from core.errors import DomainError, FieldError
from core.web.errors import InputError, field_of, status_of, translate
from core.web.guard import decide
from core.web.pages.conditional import is_htmx

__all__ = ["FORM_TYPES", "FormErrors", "done", "form_errors", "is_htmx", "may", "parse_form"]

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
"""The media types of a posted form."""

S = TypeVar("S", bound=msgspec.Struct)

_TRUE = frozenset({"on", "true", "1", "yes"})


def _kind(annotation: Any) -> str:
    """``"list"``, ``"bool"`` or ``"scalar"``: how a form field's values are read."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _kind(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        kinds = {_kind(a) for a in typing.get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else "scalar"
    if origin in (list, tuple, set, frozenset):
        return "list"
    return "bool" if annotation is bool else "scalar"


async def parse_form(request: Request[Any, Any, Any], kind: type[S]) -> S:
    """The posted URL-encoded or multipart form as ``kind``, or :class:`InputError`.

    Blank values count as not given (the field's default applies, or it is
    reported missing); a checkbox is true when sent; a list field takes every
    value of its name. Unknown fields are refused, as the API refuses them, and so is
    a body that is no form (JSON would read as an empty form, which a form of
    optional fields only would take as a real post); no body at all reads as an empty form.

    Raises:
        InputError: 400 with one Chinese message per refused field.
    """
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    empty = (not media and "transfer-encoding" not in request.headers
             and request.headers.get("content-length", "0") == "0")
    if media not in FORM_TYPES and not empty:  # no body at all is an empty form
        raise InputError([FieldError("", "请通过页面表单提交")])
    form = await request.form()
    fields = {f.encode_name: _kind(f.type) for f in msgspec.structs.fields(kind)}
    raw: dict[str, Any] = {}
    unknown = [FieldError(name, "表单包含未知字段") for name in form
               if name not in fields and name != "_csrf"]
    if unknown:
        raise InputError(unknown)
    for name, how in fields.items():
        values = [v.strip() if isinstance(v, str) else v for v in form.getall(name, [])]
        given = [v for v in values if v != ""]
        if how == "list":
            if name in form:
                raw[name] = given
        elif how == "bool":
            raw[name] = bool(given) and str(given[-1]).lower() in _TRUE
        elif given:
            raw[name] = given[-1]
    try:
        return msgspec.convert(raw, kind, strict=False)
    except msgspec.ValidationError as exc:
        message = str(exc)
        raise InputError([FieldError(field_of(message, None) or "", translate(message))]) from exc


@dataclass(slots=True)
class FormErrors:
    """A refusal laid out for a form: messages by field, the rest for the summary."""

    by_field: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    status: int = 400

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)

    def of(self, name: str) -> list[str]:
        """The messages about field ``name``."""
        return self.by_field.get(name, [])


def form_errors(exc: DomainError, fields: type[msgspec.Struct] | Iterable[str] = ()) -> FormErrors:
    """``exc`` laid out for a form showing ``fields`` (a form struct or field names).

    A message about a field the form shows goes beside it; any other message
    (a rule about the whole object, a field the form does not show) goes to
    the summary above the form.
    """
    names = ({f.encode_name for f in msgspec.structs.fields(fields)}
             if isinstance(fields, type) else set(fields))
    out = FormErrors(status=status_of(exc))
    for error in exc.errors:
        name = error.field.split(".")[0].split("[")[0]
        if name in names:
            out.by_field.setdefault(name, []).append(error.message)
        else:
            out.general.append(error.message)
    if not exc.errors:
        out.general.append(exc.message)
    return out


async def may(request: Request[Any, Any, Any], action: str) -> bool:
    """Whether the request's account may take ``action`` on the object its path names,
    so a page offers only the forms its user may post (the post's guard still decides)."""
    try:
        await decide(request, action)
    except (NotAuthorizedException, PermissionDeniedException, NotFoundException):
        return False
    return True


def done(request: Request[Any, Any, Any], url: str) -> Response[Any]:
    """Success: go to ``url`` (303 for a plain form, ``HX-Redirect`` for htmx).

    An htmx form whose page is ``url`` but for its ``#fragment`` is told to reload
    (``HX-Refresh``): setting ``location`` to the same page with a fragment only
    scrolls, and the page would go on showing what it showed before the post.
    """
    if is_htmx(request):
        current = urlsplit(request.headers.get("hx-current-url", ""))
        target = urlsplit(url)
        if target.fragment and (current.path, current.query) == (target.path, target.query):
            return Response(content=b"", status_code=200, headers={"HX-Refresh": "true"})
        return Response(content=b"", status_code=200, headers={"HX-Redirect": url})
    return Redirect(url, status_code=303)
