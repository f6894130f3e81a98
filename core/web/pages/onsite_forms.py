"""Helpers of the on-site pages (papers, findings, clues): who may write, forms into structs.

:func:`may` asks the route guard whether the signed-in account may take an
action on the object the page shows, so a page offers only the forms its
reader may post. :func:`struct_of` turns a form's values into the
service's own input struct, translating msgspec's refusals into Chinese
messages by field, as :func:`core.web.pages.forms.parse_form` does.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from core.inspection.tables import InspectionTarget
from core.web.errors import FieldError, InputError, field_of, translate
from core.web.pages.views import org_names
from core.work import Work

__all__ = ["lines_of", "options", "struct_of", "target_options"]

S = TypeVar("S", bound=msgspec.Struct)



def struct_of(values: dict[str, Any], kind: type[S]) -> S:
    """``values`` as ``kind``, or :class:`InputError` (400) naming the field in Chinese."""
    try:
        return msgspec.convert(values, kind, strict=False)
    except msgspec.ValidationError as exc:
        message = str(exc)
        raise InputError([FieldError(field_of(message, None) or "", translate(message))]) from exc


def lines_of(text: str) -> list[str]:
    """The non-blank lines of a textarea, trimmed (a list field typed one per line)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def options(labels: dict[Any, str]) -> list[tuple[str, str]]:
    """``(code, label)`` pairs of a label table, for the ``select`` macro."""
    return [(str(getattr(code, "value", code)), text) for code, text in labels.items()]


async def target_options(work: Work, inspection_id: int) -> list[tuple[str, str]]:
    """The inspection's target orgs as ``(id, name)`` options, by name."""
    links = await work.session.list(InspectionTarget, {"inspection_id": inspection_id},
                                    limit=None)
    names = await org_names(work, {link["org_id"] for link in links})
    return sorted(((str(i), n) for i, n in names.items()), key=lambda o: o[1])
