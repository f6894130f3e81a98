"""``xuncha roles grant|revoke|list``: tenant roles from the command line."""

from __future__ import annotations

import click

__all__ = ["add_commands"]


def add_commands(cli: click.Group) -> None:
    """Add the ``roles`` command group to ``cli``."""
    from core.authz.grants import GRANTABLE, GrantError, grant_role, list_grants, revoke_role
    from core.authz.roles import ROLE_LABELS, Role, role_from_text
    from core.authz.setup import build_authorizer
    from core.cli import Context, _with_db, fail, pass_context, run
    from core.db import Database

    async def tenant_id(db: Database, code: str) -> int:
        rows = await db.fetch(f'SELECT "id" FROM "tenant" WHERE "code" = {db.dialect.mark(1)}',
                              [code])
        if not rows:
            fail(f"机构 {code} 不存在（可用 xuncha tenants list 查看）")
        return int(rows[0]["id"])

    # ``\b`` keeps click from rewrapping the list: one role a line.
    codes = "\n\n\b\n" + "\n".join(f"  {r.value:<19}{label}" for r, label in ROLE_LABELS.items()
                                  if r in GRANTABLE)
    roles_help = "角色与授权。角色可写代码或中文名称，可授予的角色（代码  名称）：" + codes

    def role_code(text: str) -> str:
        """The code of the role given by code or Chinese label (or fail naming the codes)."""
        role = role_from_text(text)
        if role is None:
            fail(f"角色 {text[:32]} 不存在。可用角色：" + "；".join(
                f"{r.value}（{label}）" for r, label in ROLE_LABELS.items() if r in GRANTABLE))
        return role.value

    @cli.group("roles", help=roles_help)
    def roles() -> None:
        pass

    @roles.command("grant", short_help="授予账号在某机构的角色",
                   help="授予账号在某机构的角色。ROLE 为角色代码或中文名称：" + codes)
    @click.argument("username")
    @click.argument("role")
    @click.option("--tenant", "code", required=True, help="机构代码")
    @click.option("--org", default=None, help="被巡察单位联络员所联络的单位代码")
    @click.option("--body", default=None, help="线索承办单位联络员的承办机关")
    @pass_context
    def grant(ctx: Context, username: str, role: str, code: str, org: str | None,
              body: str | None) -> None:
        """授予账号在某机构的角色（ROLE 为角色代码或中文名称）。"""
        code_of_role = role_code(role)

        async def work(db: Database) -> str:
            authz = build_authorizer(db, ctx.plugins)
            await authz.load()
            try:
                made = await grant_role(db, authz, tenant_id=await tenant_id(db, code),
                                        tenant_code=code, username=username,
                                        role=code_of_role, actor="cli", org_code=org,
                                        body=body)
            except GrantError as exc:
                fail(exc.message)
            return f"已授予 {made.username} 在 {code} 的角色：{made.role_label}"

        click.echo(run(lambda: _with_db(ctx.settings.database_url, ctx.settings, work,
                                        ctx.plugins)))

    @roles.command("revoke", short_help="收回账号在某机构的角色",
                   help="收回账号在某机构的角色。ROLE 为角色代码或中文名称：" + codes)
    @click.argument("username")
    @click.argument("role")
    @click.option("--tenant", "code", required=True, help="机构代码")
    @pass_context
    def revoke(ctx: Context, username: str, role: str, code: str) -> None:
        """收回账号在某机构的角色（ROLE 为角色代码或中文名称）。"""
        role = role_code(role)

        async def work(db: Database) -> bool:
            authz = build_authorizer(db, ctx.plugins)
            await authz.load()
            return await revoke_role(db, authz, tenant_id=await tenant_id(db, code),
                                     tenant_code=code, username=username, role=role,
                                     actor="cli")

        if not run(lambda: _with_db(ctx.settings.database_url, ctx.settings, work,
                                    ctx.plugins)):
            fail(f"{username} 在 {code} 没有角色 {ROLE_LABELS[Role(role)]}")
        click.echo(f"已收回 {username} 在 {code} 的角色：{ROLE_LABELS[Role(role)]}")

    @roles.command("list")
    @click.option("--tenant", "code", required=True, help="机构代码")
    @pass_context
    def list_command(ctx: Context, code: str) -> None:
        """列出某机构的授权。"""
        async def work(db: Database) -> list[str]:
            await tenant_id(db, code)
            return [f"{g.username}\t{g.role}\t{g.role_label}\t{g.scope}" for g in
                    await list_grants(db, code)]

        for line in run(lambda: _with_db(ctx.settings.database_url, ctx.settings, work,
                                         ctx.plugins)):
            click.echo(line)
