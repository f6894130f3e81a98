"""``xuncha talent import/export``: the roster as .xlsx from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from core.api import Invalid, Work, run_in_tenant
from plugins.talent_pool.roster import ImportReport, export_roster, import_roster

__all__ = ["add_commands"]


def add_commands(cli: click.Group) -> None:
    """Add the ``talent`` command group to ``cli``."""

    @cli.group("talent")
    def talent() -> None:
        """巡察人才库：导入、导出名册。"""

    @talent.command("export")
    @click.option("--tenant", "code", required=True, help="巡察机构代码")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def export(code: str, path: Path) -> None:
        """将本机构的人才库名册导出为 Excel 文件 PATH（留痕）。"""

        async def body(work: Work) -> bytes:
            return await export_roster(work)

        path.write_bytes(run_in_tenant(code, "cli:talent-export", body))
        click.echo(f"已导出人才库名册：{path}")

    @talent.command("import")
    @click.option("--tenant", "code", required=True, help="巡察机构代码")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_(code: str, path: Path) -> None:
        """从 Excel 文件 PATH 导入人才库名册：任何一行有误时全部不导入，并逐行列出原因。"""

        async def body(work: Work) -> ImportReport | list[str]:
            try:
                return await import_roster(work, path.read_bytes())
            except Invalid as exc:
                return [e.message for e in exc.errors] or [exc.message]

        result = run_in_tenant(code, "cli:talent-import", body)
        if isinstance(result, list):
            click.echo("名册未导入（任何一行有误时全部不导入）：", err=True)
            for line in result:
                click.echo(f"  {line}", err=True)
            raise SystemExit(1)
        click.echo(f"导入完成：新增入库 {result.added} 人，更新 {result.updated} 人。")
