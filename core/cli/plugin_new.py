"""``xuncha plugin new NAME``: write a plugin package that installs and passes its tests.

The package is copied from ``core/cli/plugin_template`` (files ending in
``.tmpl``), with the tokens below replaced in file names and contents. It
holds a pyproject with the ``xuncha`` entry point, hook implementations on
the public API ``core.api``, a piccolo table and its migration, an
inspection kind, an event type, a page, routes, permissions and default
policies, and tests that use the pytest plugin shipped with xuncha.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click

__all__ = [
    "TEMPLATE_DIR",
    "Scaffold",
    "ScaffoldError",
    "add_commands",
    "check_label",
    "check_name",
    "write_plugin",
]

TEMPLATE_DIR = Path(__file__).with_name("plugin_template")
_NAME = re.compile(r"[a-z][a-z0-9_]{1,29}")
_RESERVED = frozenset({"core", "api", "xuncha", "plugin", "plugins", "test", "tests",
                       "builtin", "testing"})
_LABEL_FORBIDDEN = re.compile(r'["\'\\\n\r\t<>{}]')


class ScaffoldError(ValueError):
    """A plugin that cannot be written; the message is Chinese, for the user."""


@dataclass(frozen=True)
class Scaffold:
    """What a new plugin is called.

    Attributes:
        name: the plugin name (entry point name, URL segment, table prefix).
        label: its Chinese name, shown in menus and pages.
        created: when it was made (its first migration's id).
    """

    name: str
    label: str
    created: datetime

    @property
    def package(self) -> str:
        """The import name (``xuncha_<name>``)."""
        return f"xuncha_{self.name}"

    @property
    def dist(self) -> str:
        """The distribution name (``xuncha-<name>`` with dashes)."""
        return "xuncha-" + self.name.replace("_", "-")

    def tokens(self) -> list[tuple[str, str]]:
        """Tokens and their values, longest first so none eats another's text."""
        stamp = self.created.astimezone(UTC)
        return [
            ("__MIGRATION_MODULE__", f"{self.name}_{stamp:%Y_%m_%dt%H_%M_%S}_000000"),
            ("__MIGRATION_ID__", f"{stamp:%Y-%m-%dT%H:%M:%S}:000000"),
            ("__PACKAGE__", self.package),
            ("__PLUGIN__", self.name),
            ("__LABEL__", self.label),
            ("__DIST__", self.dist),
        ]


def check_name(name: str, taken: Iterable[str] = ()) -> str:
    """The plugin name, checked.

    Raises:
        ScaffoldError: not 2-30 of ``a-z0-9_`` starting with a letter, a Python
            keyword, with ``__`` or a trailing ``_``, reserved, or a loaded plugin's.
    """
    if not _NAME.fullmatch(name) or "__" in name or name.endswith("_"):
        raise ScaffoldError(
            f"插件名称“{name}”无效：须以小写英文字母开头，只含小写英文字母、数字和单个下划线，"
            "长度 2-30 个字符，例如 farmland 或 rural_funds")
    if keyword.iskeyword(name):
        raise ScaffoldError(f"插件名称“{name}”无效：不能使用 Python 关键字")
    if name in _RESERVED:
        raise ScaffoldError(f"插件名称“{name}”为平台保留名称，请换一个")
    if name in set(taken):
        raise ScaffoldError(f"插件名称“{name}”已被已加载的插件使用（见 xuncha plugins），请换一个")
    return name


def check_label(label: str) -> str:
    """The Chinese label, checked (it goes into code, TOML and pages as written).

    Raises:
        ScaffoldError: empty, over 40 characters, or holding quotes, backslashes,
            angle or curly brackets or line breaks.
    """
    label = label.strip()
    if not label or len(label) > 40:
        raise ScaffoldError("插件中文名称须为 1-40 个字符")
    if _LABEL_FORBIDDEN.search(label):
        raise ScaffoldError("插件中文名称不能含引号、反斜杠、尖括号、花括号或换行")
    return label


def _render(text: str, tokens: list[tuple[str, str]]) -> str:
    for token, value in tokens:
        text = text.replace(token, value)
    return text


def write_plugin(scaffold: Scaffold, parent: Path) -> Path:
    """Write the plugin's folder ``<parent>/xuncha-<name>``; returns it.

    Raises:
        ScaffoldError: the folder exists already.
    """
    target = parent / scaffold.dist
    if target.exists():
        raise ScaffoldError(f"目录已存在：{target}（请换一个名称或目录）")
    tokens = scaffold.tokens()
    sources = sorted(p for p in TEMPLATE_DIR.rglob("*.tmpl") if "__pycache__" not in p.parts)
    for source in sources:
        relative = _render(str(source.relative_to(TEMPLATE_DIR)), tokens)[:-len(".tmpl")]
        out = target / relative
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(_render(source.read_text(encoding="utf-8"), tokens), encoding="utf-8")
    return target


def add_commands(cli: click.Group) -> None:
    """Add the ``plugin`` command group (``xuncha plugin new``) to ``cli``."""

    @cli.group("plugin")
    def plugin() -> None:
        """插件开发：生成新插件的代码框架。"""

    @plugin.command("new")
    @click.argument("name")
    @click.option("--label", default=None, help="插件的中文名称（默认“<名称>专项巡察”）")
    @click.option("--dir", "parent", default=".", show_default=True,
                  type=click.Path(path_type=Path, file_okay=False),
                  help="在该目录下创建插件目录 xuncha-<名称>")
    def new(name: str, label: str | None, parent: Path) -> None:
        """生成插件 NAME：数据表与迁移、巡察类型、事件、页面、接口、权限和测试。

        生成的目录可直接 pip install -e 安装并运行 pytest。
        """
        from core.cli import Context, fail

        context = click.get_current_context().find_object(Context)
        taken = context.plugins.names if context is not None and context.error is None else []
        try:
            scaffold = Scaffold(check_name(name, taken), check_label(label or f"{name}专项巡察"),
                                datetime.now(UTC))
            target = write_plugin(scaffold, parent)
        except ScaffoldError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"无法写入 {parent}：{exc.strerror or exc}")
        click.echo(f"已生成插件 {scaffold.name}（{scaffold.label}）：{target}")
        click.echo("下一步：")
        click.echo(f"  pip install -e '{target}[test]'   # 安装到 xuncha 所在的虚拟环境")
        click.echo("  xuncha migrate                    # 建立插件的数据表")
        click.echo(f"  cd {target} && pytest             # 运行插件自带的测试")
