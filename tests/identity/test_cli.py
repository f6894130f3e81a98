"""``xuncha users ...`` as real processes against the run's database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.clock import Clock
from core.db import Database
from core.identity.accounts import LoginRefused, authenticate, get_account
from core.identity.sessions import SessionPolicy, create_session, resolve_session
from core.identity.tokens import create_token, resolve_token
from core.settings import load_settings
from tests.conftest import BACKEND, REPO, RunDatabase
from tests.identity.helpers import PASSWORD, new_username

pytestmark = pytest.mark.once_on("postgres")

XUNCHA = str(Path(sys.executable).parent / "xuncha")
TENANT = "zz.zhongmu"


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory, test_database: RunDatabase) -> dict[str, str]:
    home = tmp_path_factory.mktemp("users-cli")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env["XUNCHA_HOME"] = str(home)
    if BACKEND == "postgres":
        env["XUNCHA_DATABASE_URL"] = test_database.app_url
        env["XUNCHA_DATABASE_ADMIN_URL"] = test_database.admin_url
    synced = xuncha(env, "tenants", "sync", "tenants/demo")
    assert synced.returncode == 0, synced.stderr
    return env


@pytest.fixture()
async def cli_db(cli_env: dict[str, str]) -> AsyncIterator[Database]:
    """The database the commands use (as the app role)."""
    db = Database(load_settings(cli_env).database_url)
    await db.start()
    try:
        yield db
    finally:
        await db.stop()


def xuncha(env: dict[str, str], *args: str, stdin: str | None = None
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([XUNCHA, *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=120, cwd=REPO)


def _create(env: dict[str, str], username: str, password: str = PASSWORD,
            tenant: str = TENANT) -> subprocess.CompletedProcess[str]:
    return xuncha(env, "users", "create", username, "--name", "王五", "--tenant", tenant,
                  "--password-stdin", stdin=password + "\n")


def _one_line_error(result: subprocess.CompletedProcess[str], text: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert text in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("错误：")


def test_help_is_chinese(cli_env: dict[str, str]) -> None:
    shown = xuncha(cli_env, "users", "--help")
    assert shown.returncode == 0
    for command in ("create", "list", "reset-password", "disable", "enable"):
        assert command in shown.stdout
    assert "用户账号管理" in shown.stdout
    assert "标准输入" in xuncha(cli_env, "users", "create", "--help").stdout


async def test_create_and_list(cli_env: dict[str, str], cli_db: Database) -> None:
    username = new_username("cli")
    made = _create(cli_env, username)
    assert made.returncode == 0, made.stderr
    assert f"已创建用户 {username}（王五），所属机构 {TENANT}" in made.stdout
    listing = xuncha(cli_env, "users", "list", "--tenant", TENANT)
    line = next(row for row in listing.stdout.splitlines() if row.startswith(username))
    assert TENANT in line and "正常" in line and "王五" in line
    assert username not in xuncha(cli_env, "users", "list", "--tenant", "zz").stdout
    assert username in xuncha(cli_env, "users", "list").stdout
    account = await authenticate(cli_db, username, PASSWORD, client_ip="cli-test",
                                 now=Clock().now())
    assert account.home_tenant == TENANT


def test_create_refusals(cli_env: dict[str, str]) -> None:
    taken = new_username("cli")
    assert _create(cli_env, taken).returncode == 0
    _one_line_error(_create(cli_env, taken), "已存在")
    _one_line_error(_create(cli_env, new_username("cli"), "short1"), "不能少于 10")
    _one_line_error(_create(cli_env, new_username("cli"), "onlyletterslong"), "字母和数字")
    _one_line_error(_create(cli_env, new_username("cli"), tenant="zz.nowhere"), "不存在")
    _one_line_error(_create(cli_env, "Bad Name"), "小写")
    piped = xuncha(cli_env, "users", "create", new_username("cli"), "--name", "王五",
                   "--tenant", TENANT, stdin=PASSWORD + "\n")
    _one_line_error(piped, "--password-stdin")
    _one_line_error(xuncha(cli_env, "users", "list", "--tenant", "zz.nowhere"), "不存在")


async def test_reset_password_unlocks(cli_env: dict[str, str], cli_db: Database) -> None:
    username = new_username("cli")
    assert _create(cli_env, username).returncode == 0
    now = Clock().now()
    for _ in range(5):
        with pytest.raises(LoginRefused):
            await authenticate(cli_db, username, "Wrong-pass-2026", client_ip="x", now=now)
    # Failures no longer lock an account (the sign-in throttle slows guessing instead).
    listed = xuncha(cli_env, "users", "list", "--tenant", TENANT).stdout
    assert "临时锁定" not in listed and username in listed
    failed = await get_account(cli_db, username)
    assert failed is not None and failed.failed_logins == 5
    account = await get_account(cli_db, username)
    assert account is not None
    session = await create_session(cli_db, account.id, now=now, policy=SessionPolicy())
    _one_line_error(xuncha(cli_env, "users", "reset-password", username, "--password-stdin",
                           stdin="weak\n"), "不能少于")
    reset = xuncha(cli_env, "users", "reset-password", username, "--password-stdin",
                   stdin="Another-pass-2026\n")
    assert reset.returncode == 0, reset.stderr
    assert "解除锁定" in reset.stdout and "结束 1 个登录会话" in reset.stdout
    await authenticate(cli_db, username, "Another-pass-2026", client_ip="x", now=Clock().now())
    assert (await resolve_session(cli_db, session.token, now=Clock().now(),
                                  policy=SessionPolicy()))[0] is None
    _one_line_error(xuncha(cli_env, "users", "reset-password", "no.such.user",
                           "--password-stdin", stdin=PASSWORD + "\n"), "不存在")


async def test_disable_revokes_sessions_and_tokens(cli_env: dict[str, str],
                                                   cli_db: Database) -> None:
    username = new_username("cli")
    assert _create(cli_env, username).returncode == 0
    account = await get_account(cli_db, username)
    assert account is not None
    now = Clock().now()
    session = await create_session(cli_db, account.id, now=now, policy=SessionPolicy())
    token = await create_token(cli_db, account_id=account.id, actor=username,
                               tenant_id=account.home_tenant_id, tenant_code=TENANT,
                               name="脚本", days=10, now=now)
    disabled = xuncha(cli_env, "users", "disable", username)
    assert disabled.returncode == 0, disabled.stderr
    assert "结束 1 个登录会话，吊销 1 个 API 令牌" in disabled.stdout
    assert (await resolve_token(cli_db, token.token, now=Clock().now()))[1] == "token_revoked"
    assert (await resolve_session(cli_db, session.token, now=Clock().now(),
                                  policy=SessionPolicy()))[1] == "session_revoked"
    with pytest.raises(LoginRefused) as refused:
        await authenticate(cli_db, username, PASSWORD, client_ip="x", now=Clock().now())
    assert refused.value.message == "用户名或密码错误"
    assert "已停用" in xuncha(cli_env, "users", "list", "--tenant", TENANT).stdout
    assert xuncha(cli_env, "users", "enable", username).returncode == 0
    await authenticate(cli_db, username, PASSWORD, client_ip="x", now=Clock().now())
    _one_line_error(xuncha(cli_env, "users", "disable", "no.such.user"), "不存在")


def test_roles_by_chinese_label_and_the_codes_in_help(cli_env: dict[str, str]) -> None:
    shown = xuncha(cli_env, "roles", "grant", "--help")
    assert shown.returncode == 0
    assert "office_staff" in shown.stdout and "巡察办工作人员" in shown.stdout
    assert "team_leader" not in shown.stdout  # held through a team, never granted
    username = new_username("cli")
    assert _create(cli_env, username).returncode == 0
    granted = xuncha(cli_env, "roles", "grant", username, "巡察办工作人员", "--tenant", TENANT)
    assert granted.returncode == 0, granted.stderr
    assert "巡察办工作人员" in granted.stdout
    listing = xuncha(cli_env, "roles", "list", "--tenant", TENANT).stdout
    assert f"{username}\toffice_staff\t巡察办工作人员" in listing
    _one_line_error(xuncha(cli_env, "roles", "grant", username, "办公室", "--tenant", TENANT),
                    "office_staff（巡察办工作人员）")
    revoked = xuncha(cli_env, "roles", "revoke", username, "office_staff", "--tenant", TENANT)
    assert revoked.returncode == 0 and "巡察办工作人员" in revoked.stdout
