"""The identity routes, registered by ``core.builtin.xuncha_routes``."""

from __future__ import annotations

from typing import Any

__all__ = ["identity_routes"]


def identity_routes() -> list[Any]:
    """Sign-in pages, ``/api/me`` and the API token routes."""
    from core.identity.pages import identity_handlers
    from core.identity.tokens_api import TokenController

    return [*identity_handlers, TokenController]
