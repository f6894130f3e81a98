"""Domain errors: what a service refuses, with no notion of HTTP.

Services, models and tables raise these; the web layer
(:mod:`core.web.errors`) turns them into answers: :class:`NotFound` 404,
:class:`Invalid` 400, :class:`Conflict` 409, :class:`Forbidden` 403 (and
:class:`TooLarge` 413, :class:`Unsupported` 415 for uploads), each with the
JSON body ``{status, message, errors, detail}`` (or the error page for a
browser). Messages are Chinese: they reach people as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

__all__ = [
    "Conflict", "DomainError", "FieldError", "Forbidden", "Invalid", "NotFound", "TooLarge",
    "Unsupported",
]


@dataclass(frozen=True, slots=True)
class FieldError:
    """One refused field: its name, the Chinese reason and where it came from.

    Args:
        field: the field's name as the client sent it (``"org_id"``, ``"persons[1].name"``).
        message: why it is refused, in Chinese.
        source: ``"body"``, ``"query"`` or ``"path"``.
    """

    field: str
    message: str
    source: str = "body"


class DomainError(Exception):
    """Base of the refusals a service raises; ``message`` is Chinese.

    Args:
        message: the reason, or the refused fields (the message then joins theirs).
        errors: the refused fields, when ``message`` is the reason.
    """

    def __init__(self, message: str | list[FieldError],
                 errors: list[FieldError] | None = None) -> None:
        if isinstance(message, list):
            errors, message = message, "；".join(f"{e.field}：{e.message}" for e in message)
        super().__init__(message)
        self.message = message
        self.errors: list[FieldError] = list(errors or [])

    @classmethod
    def on(cls, field: str, message: str, source: str = "body") -> Self:
        """The error for one field (``raise Invalid.on("title", "标题不能为空")``)."""
        return cls(message, [FieldError(field, message, source)])


class NotFound(DomainError):
    """The object does not exist in this tenant (or may not be seen): 404."""


class Invalid(DomainError):
    """The input breaks a rule beyond the schema: 400, with the fields at fault."""


class Conflict(Invalid):
    """The request is valid but the state forbids it (wrong stage, duplicate): 409."""


class TooLarge(Invalid):
    """The input is larger than the limit allows (an attachment): 413."""


class Unsupported(Invalid):
    """The input is of a kind that is not accepted (an attachment's file type): 415."""


class Forbidden(DomainError):
    """The actor may not do this to this object (beyond the route's action): 403."""
