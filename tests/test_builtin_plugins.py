"""The built-in plugins are found through their entry points, every one of them."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import core
from core.plugins import BUILTIN_GROUP, Plugins
from core.settings import Settings

ROOT = Path(core.__file__).resolve().parent.parent


def test_every_package_under_plugins_is_declared_as_a_builtin() -> None:
    """A new folder under plugins/ needs its line in pyproject.toml, or it is never loaded."""
    folders = {p.parent.name for p in (ROOT / "plugins").glob("*/__init__.py")}
    declared = {ep.name: ep.value for ep in entry_points(group=BUILTIN_GROUP)}
    assert folders and set(declared) == folders, (
        f"declare each under [project.entry-points.\"{BUILTIN_GROUP}\"] in pyproject.toml, "
        "then pip install -e .")
    assert all(value == f"plugins.{name}" for name, value in declared.items())
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for name, value in declared.items():
        assert f'{name} = "{value}"' in pyproject


def test_builtins_load_as_builtins(settings: Settings) -> None:
    loaded = {info.name: info.source for info in Plugins(settings).info()}
    for ep in entry_points(group=BUILTIN_GROUP):
        assert loaded.get(ep.name) == "内置", (ep.name, loaded)
