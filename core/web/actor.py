"""Who did it: the actor recorded with each audit entry."""

from __future__ import annotations

from typing import Any

from litestar import Request

__all__ = ["actor_of"]


def actor_of(request: Request[Any, Any, Any]) -> str:
    """The request's actor: the signed-in user once accounts exist, else the client address."""
    user = request.scope.get("user")
    if user is not None:
        return str(getattr(user, "username", user))
    host = request.client.host if request.client else "unknown"
    return f"anonymous@{host}"
