"""The public plugin API: everything a plugin may use of the core, in one module.

A plugin imports ``core.api`` (and its own package) and nothing else of the
core; an import-linter contract in ``make lint`` keeps it so. Each name is
documented with an example in ``docs/internals.md``; a test fails when a
name here is not documented there. What a plugin needs and this module
lacks is added here, not imported from inside the core.
"""

from __future__ import annotations

from core.errors import Conflict, DomainError, FieldError, Forbidden, Invalid, NotFound
from core.hookspecs import hookimpl

__all__ = [
    "Conflict",
    "DomainError",
    "FieldError",
    "Forbidden",
    "Invalid",
    "NotFound",
    "hookimpl",
]
