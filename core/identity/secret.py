"""Random secrets and the digests stored in their place."""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["digest", "new_secret", "same"]


def new_secret(nbytes: int = 32) -> str:
    """A URL-safe random string of ``nbytes`` random bytes."""
    return secrets.token_urlsafe(nbytes)


def digest(value: str) -> str:
    """The SHA-256 hex digest stored for a session or token value.

    The values are 32 random bytes, so a plain hash is enough (no salt, no
    stretching): nothing can be guessed from it, and lookup stays one index probe.
    """
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two secrets (False when either is missing)."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
