"""Password hashing (argon2id) and the password policy.

argon2-cffi's ``PasswordHasher`` uses argon2id with the RFC 9106 low-memory
parameters by default. Hashing takes tens of milliseconds of CPU on
purpose, so the async helpers run it in a thread (cffi releases the GIL)
instead of stalling the event loop for every other request, one hash at a time
per process (:data:`HASHING_AT_ONCE`): each takes 64 MiB.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import Callable
from functools import cache
from typing import TypeVar

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = [
    "HASHING_AT_ONCE",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "hash_password",
    "hash_password_async",
    "needs_rehash",
    "password_problem",
    "verify_password",
    "verify_password_async",
]

MIN_PASSWORD_LENGTH = 10
"""Shortest password accepted."""
MAX_PASSWORD_LENGTH = 128
"""Longest password accepted (hashing cost does not depend on it, typing does)."""
HASHING_AT_ONCE = 1
"""How many hashes (sign-ins, password changes) a process computes at once. Each takes
64 MiB (RFC 9106's low-memory profile): two sign-ins at the same moment would take a
county's server past 200 MB. The others wait their turn, tens of milliseconds each."""

T = TypeVar("T")
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary())

FAST_FOR_TESTS = "XUNCHA_TEST_FAST_PASSWORDS"
"""Environment variable: ``1`` makes hashing cheap (argon2id still, with argon2-cffi's
``CHEAPEST`` profile). The test suite sets it, hundreds of accounts being made and signed
in there; nothing else may."""


@cache
def _hasher() -> PasswordHasher:
    if os.environ.get(FAST_FOR_TESTS) == "1":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (``$argon2id$...``)."""
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; a malformed hash never matches."""
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash was made with other parameters than today's (rehash on login)."""
    try:
        return _hasher().check_needs_rehash(stored_hash)
    except (InvalidHashError, ValueError):
        return True


@cache
def _dummy_hash() -> str:
    return _hasher().hash("xuncha-timing-equaliser")


async def _in_turn(work: Callable[..., T], *args: str) -> T:
    """``work(*args)`` in a worker thread, once this process's turn to hash comes."""
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(HASHING_AT_ONCE)
    async with gate:
        return await asyncio.to_thread(work, *args)


def _verify_dummy(password: str) -> bool:
    verify_password(_dummy_hash(), password)
    return False


async def hash_password_async(password: str) -> str:
    """``hash_password`` in a worker thread, in turn."""
    return await _in_turn(hash_password, password)


async def verify_password_async(stored_hash: str | None, password: str) -> bool:
    """``verify_password`` in a worker thread, in turn.

    With no hash (an unknown user) a dummy hash is checked instead, so the
    answer takes as long as for a real account and timing tells nothing.
    """
    if stored_hash is None:
        return await _in_turn(_verify_dummy, password)
    return await _in_turn(verify_password, stored_hash, password)


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why ``password`` is too weak (in Chinese), or None when it is acceptable.

    The policy: at least 10 characters, no more than 128, letters and digits
    both present, no leading or trailing spaces, and not the username.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码长度不能少于 {MIN_PASSWORD_LENGTH} 个字符"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"密码长度不能超过 {MAX_PASSWORD_LENGTH} 个字符"
    if password != password.strip():
        return "密码首尾不能有空格"
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        return "密码不能包含控制字符"
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        return "密码须同时包含字母和数字"
    if username and username.lower() in password.lower():
        return "密码不能包含用户名"
    return None
