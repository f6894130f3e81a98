"""Helpers for the plugin tests: the sample plugin, a scratch database, a tree.

The sample plugin (``tests/sample_plugin``, a distributable package) is put
on ``sys.path`` instead of being pip-installed; its tests run on a database
of their own so the tenant tree used there (one tenant disables the plugin)
never touches the run's shared database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from core.tenancy.model import TenantSpec
from tests.conftest import TEST_TREE, scratch_database

__all__ = [
    "SAMPLE_DIR",
    "SAMPLE_MODULE",
    "SAMPLE_NAME",
    "forget_modules",
    "run_xuncha",
    "sample_tree",
    "scratch_database",
    "write_distribution",
    "xuncha_env",
    "xuncha_script",
]

SAMPLE_DIR = Path(__file__).resolve().parent / "sample_plugin"
SAMPLE_MODULE = "xuncha_sample_plugin"
SAMPLE_NAME = "sample"


def sample_tree() -> list[TenantSpec]:
    """The test tree with ``tb`` disabling the sample plugin (ta, ta.one enable it)."""
    ta, ta_one, tb = TEST_TREE
    return [ta, ta_one, msgspec.structs.replace(tb, plugins=["*", "-" + SAMPLE_NAME])]


def forget_modules(prefix: str) -> None:
    """Drop ``prefix`` and its submodules from ``sys.modules`` (undo an import)."""
    for name in [n for n in sys.modules if n == prefix or n.startswith(prefix + ".")]:
        del sys.modules[name]


def xuncha_script() -> Path:
    """The ``xuncha`` console script of this environment."""
    script = Path(sys.executable).with_name("xuncha")
    if not script.exists():
        pytest.fail(f"xuncha console script not found next to {sys.executable}")
    return script


def xuncha_env(home: Path, **settings: str) -> dict[str, str]:
    """Environment for a ``xuncha`` subprocess: no inherited ``XUNCHA_*``, the
    sample plugin importable, ``home`` as the data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(SAMPLE_DIR), os.environ.get("PYTHONPATH", "")) if p
    )
    env["XUNCHA_HOME"] = str(home)
    env.update(settings)
    return env


def run_xuncha(home: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """Run the ``xuncha`` command in ``home`` as a real subprocess."""
    return subprocess.run(
        [str(xuncha_script()), *args], env=xuncha_env(home, **settings), cwd=home,
        capture_output=True, text=True, timeout=120, check=False,
    )


def write_distribution(folder: Path) -> None:
    """The metadata pip would install for the sample plugin (without its code)."""
    dist = folder / "xuncha_sample_plugin-0.3.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: xuncha-sample-plugin\nVersion: 0.3.0\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        f"[xuncha]\n{SAMPLE_NAME} = {SAMPLE_MODULE}\n", encoding="utf-8"
    )
