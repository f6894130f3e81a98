"""``xuncha users create|list|reset-password|disable|enable``: accounts from the command line."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

__all__ = ["add_commands", "read_password"]

T = TypeVar("T")

_STDIN_HELP = "从标准输入读取密码（第一行），用于脚本；否则交互输入两次"


def read_password(from_stdin: bool, username: str) -> str:
    """The new password: stdin's first line, or typed twice at a terminal.

    Weak passwords are refused here already, with the policy's reason.
    """
    from core.cli import fail
    from core.identity.passwords import password_problem

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif not sys.stdin.isatty():
        fail("标准输入不是终端：请加 --password-stdin 并从标准输入提供密码")
    else:
        password = getpass.getpass("新密码：")
        if getpass.getpass("再次输入新密码：") != password:
            fail("两次输入的密码不一致")
    problem = password_problem(password, username)
    if problem:
        fail(problem)
    return password


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:128]
    except (KeyError, OSError):  # no user name in a bare container
        return "cli"


def add_commands(cli: click.Group) -> None:
    """Add the ``users`` command group to ``cli``."""
    from core.cli import Context, _with_db, fail, pass_context, run
    from core.clock import Clock
    from core.db import Database
    from core.identity import accounts

    def with_db(ctx: Context, body: Callable[[Database], Awaitable[T]]) -> T:
        async def guarded(db: Database) -> T:
            try:
                return await body(db)
            except accounts.AccountError as exc:
                fail(exc.message)
            except Exception as exc:
                if _missing_table(exc):
                    fail("数据库尚未迁移：请先运行 xuncha migrate")
                raise

        return run(lambda: _with_db(ctx.settings.database_url, ctx.settings, guarded,
                                    ctx.plugins))

    @cli.group("users")
    def users() -> None:
        """用户账号管理（登录、密码、停用）。"""

    @users.command("create")
    @click.argument("username")
    @click.option("--name", required=True, help="姓名（显示名）")
    @click.option("--tenant", "code", required=True, help="所属机构代码，如 zz.zhongmu")
    @click.option("--password-stdin", is_flag=True, help=_STDIN_HELP)
    @pass_context
    def create(ctx: Context, username: str, name: str, code: str, password_stdin: bool) -> None:
        """创建用户账号。密码至少 10 位，须同时包含字母和数字。"""
        problem = accounts.username_problem(username)
        if problem:
            fail(problem)
        password = read_password(password_stdin, username)
        info = with_db(ctx, lambda db: accounts.create_account(
            db, username, name, code, password, now=Clock().now(), actor=_actor()))
        click.echo(f"已创建用户 {info.username}（{info.name}），所属机构 {info.home_tenant}。")

    @users.command("list")
    @click.option("--tenant", "code", default=None, help="只列出该机构的用户")
    @pass_context
    def list_users(ctx: Context, code: str | None) -> None:
        """列出用户账号及状态。"""

        async def body(db: Database) -> list[accounts.AccountInfo]:
            if code is not None:
                mark = db.dialect.mark(1)
                if not await db.fetch(f'SELECT "id" FROM "tenant" WHERE "code" = {mark}', [code]):
                    fail(f"机构 {code} 不存在（可用 xuncha tenants list 查看）")
            return await accounts.list_accounts(db, code)

        rows = with_db(ctx, body)
        now = Clock().now()
        for info in rows:
            click.echo(f"{info.username:<24} {info.home_tenant:<16} {_state(info, now):<12} "
                       f"{info.name}")
        click.echo(f"共 {len(rows)} 个用户。")

    @users.command("reset-password")
    @click.argument("username")
    @click.option("--password-stdin", is_flag=True, help=_STDIN_HELP)
    @pass_context
    def reset_password(ctx: Context, username: str, password_stdin: bool) -> None:
        """重置用户密码（同时解除锁定，并结束其全部登录会话）。"""
        if with_db(ctx, lambda db: accounts.get_account(db, username)) is None:
            fail(f"用户 {username[:64]} 不存在")
        password = read_password(password_stdin, username)
        info, ended = with_db(ctx, lambda db: accounts.set_password(
            db, username, password, now=Clock().now(), actor=_actor()))
        click.echo(f"已重置用户 {info.username} 的密码并解除锁定，结束 {ended} 个登录会话。")

    @users.command("disable")
    @click.argument("username")
    @pass_context
    def disable(ctx: Context, username: str) -> None:
        """停用用户账号（立即结束其登录会话并吊销其全部 API 令牌）。"""
        info, sessions, tokens = with_db(ctx, lambda db: accounts.disable_account(
            db, username, now=Clock().now(), actor=_actor()))
        click.echo(f"已停用用户 {info.username}：结束 {sessions} 个登录会话，"
                   f"吊销 {tokens} 个 API 令牌。")

    @users.command("enable")
    @click.argument("username")
    @pass_context
    def enable(ctx: Context, username: str) -> None:
        """重新启用已停用的用户账号（原有会话和令牌仍然无效）。"""
        info = with_db(ctx, lambda db: accounts.enable_account(db, username, actor=_actor()))
        click.echo(f"已启用用户 {info.username}。")


def _state(info: Any, now: Any) -> str:
    if not info.active:
        return "已停用"
    if info.locked_at(now):
        return "临时锁定"
    return "正常"


def _missing_table(exc: Exception) -> bool:
    text = str(exc)
    return "no such table" in text or ("relation" in text and "does not exist" in text)
