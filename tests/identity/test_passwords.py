"""argon2id hashing, rehash on changed parameters, and the password policy."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from core.identity import passwords
from core.identity.passwords import (
    FAST_FOR_TESTS,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
    verify_password_async,
)


def test_hashes_are_argon2id_salted_and_verify() -> None:
    first, second = hash_password("Correct9horse"), hash_password("Correct9horse")
    assert first.startswith("$argon2id$") and second.startswith("$argon2id$")
    assert first != second  # a salt of its own
    assert verify_password(first, "Correct9horse")
    assert not verify_password(first, "correct9horse")
    assert not verify_password("not a hash", "Correct9horse")
    assert not needs_rehash(first)


def test_weaker_parameters_need_a_rehash() -> None:
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("Correct9horse")
    assert verify_password(old, "Correct9horse")
    assert needs_rehash(old)
    assert needs_rehash("garbage")


async def test_unknown_user_still_costs_a_verification() -> None:
    assert await verify_password_async(None, "anything1234") is False
    assert await verify_password_async(hash_password("Correct9horse"), "Correct9horse")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1a", "不能少于 10"),
        ("a1" * 65, "不能超过 128"),
        ("onlyletterspass", "字母和数字"),
        ("1234567890123", "字母和数字"),
        (" padded12345", "首尾"),
        ("tab\there12345", "控制字符"),
        ("zhangsan2026x", "用户名"),
    ],
)
def test_policy_refusals_in_chinese(password: str, reason: str) -> None:
    problem = password_problem(password, "zhangsan")
    assert problem is not None and reason in problem


def test_policy_accepts_letters_and_digits() -> None:
    assert password_problem("Xuncha2026pass", "zhangsan") is None
    assert password_problem("巡察工作平台密码2026", "zhangsan") is None  # Chinese letters count


def test_production_hashes_use_the_rfc_9106_low_memory_profile(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite hashes cheaply (``XUNCHA_TEST_FAST_PASSWORDS``); without it, 64 MiB."""
    monkeypatch.delenv(FAST_FOR_TESTS, raising=False)
    passwords._hasher.cache_clear()
    try:
        assert "m=65536,t=3,p=4" in hash_password("Correct9horse")
    finally:
        monkeypatch.undo()
        passwords._hasher.cache_clear()
    assert "m=65536" not in hash_password("Correct9horse")


async def test_a_process_hashes_one_password_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each hash takes 64 MiB: sign-ins at the same moment take their turn."""
    import asyncio
    import threading
    import time

    running, most = 0, 0
    lock = threading.Lock()
    real = passwords.verify_password

    def watched(stored_hash: str, password: str) -> bool:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.02)  # a hash long enough for the others to arrive meanwhile
            return real(stored_hash, password)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(passwords, "verify_password", watched)
    stored = passwords.hash_password("Correct2026horse")
    results = await asyncio.gather(
        *(passwords.verify_password_async(stored, "Correct2026horse") for _ in range(3)),
        passwords.verify_password_async(None, "Correct2026horse"),
        passwords.verify_password_async(stored, "Wrong2026horse"))
    assert results == [True, True, True, False, False]
    assert most == passwords.HASHING_AT_ONCE == 1
