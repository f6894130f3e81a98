"""``xuncha plugin new``: a plugin package that installs with ``pip install -e`` and passes
its own tests at once.

The package is written into a temporary folder and installed into a throwaway
venv layered on this one (a ``.pth`` file adds this venv's site-packages, so
the project's own environment is never changed); its tests then run there in
a subprocess on this run's backend, through the pytest plugin shipped with
xuncha, and ruff and mypy check its code.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.cli.plugin_new import Scaffold, ScaffoldError, check_label, check_name, write_plugin
from tests.conftest import BACKEND, REPO

pytestmark = pytest.mark.once_on("sqlite")

BIN = Path(sys.executable).parent
NAME = "farmland_kit"
PACKAGE = f"xuncha_{NAME}"


def run(args: list[str], cwd: Path, timeout: int = 600,
        **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    return subprocess.run(args, cwd=cwd, env={**base, **env}, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.mark.parametrize("name", ["Farmland", "1abc", "a", "far-mland", "farm__land", "farm_",
                                  "class", "core", "x" * 31, "农田", ""])
def test_bad_names_are_refused_in_chinese(name: str) -> None:
    with pytest.raises(ScaffoldError, match="插件名称"):
        check_name(name)


def test_a_loaded_plugin_name_and_bad_labels_are_refused() -> None:
    with pytest.raises(ScaffoldError, match="已被已加载的插件使用"):
        check_name("talent_pool", ["core", "talent_pool"])
    assert check_name("rural_funds") == "rural_funds"
    for label in ("", "   ", '含"引号', "{{ 模板 }}", "换\n行", "长" * 41):
        with pytest.raises(ScaffoldError, match="中文名称"):
            check_label(label)


def test_the_command_refuses_a_bad_name_and_an_existing_folder(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    out.mkdir()
    bad = run([str(BIN / "xuncha"), "plugin", "new", "Bad-Name", "--dir", str(out)],
              tmp_path, XUNCHA_HOME=str(home))
    assert bad.returncode == 2 and "插件名称“Bad-Name”无效" in bad.stderr
    assert list(out.iterdir()) == []
    (out / "xuncha-twice").mkdir()
    again = run([str(BIN / "xuncha"), "plugin", "new", "twice", "--dir", str(out)],
                tmp_path, XUNCHA_HOME=str(home))
    assert again.returncode == 2 and "目录已存在" in again.stderr
    assert list((out / "xuncha-twice").iterdir()) == []


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package ``xuncha plugin new`` writes, run as a real command."""
    parent = tmp_path_factory.mktemp("kit")
    made = run([str(BIN / "xuncha"), "plugin", "new", NAME, "--label", "高标准农田建设专项巡察",
                "--dir", str(parent)], parent, XUNCHA_HOME=str(parent))
    assert made.returncode == 0, made.stderr
    assert "已生成插件 farmland_kit（高标准农田建设专项巡察）" in made.stdout
    return parent / "xuncha-farmland-kit"


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, generated: Path) -> Iterator[Path]:
    """A throwaway venv over this one, with the generated package ``pip install -e``-ed."""
    folder = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True,
                   timeout=120)
    python = folder / "bin" / "python"
    own = run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
              folder)
    base = sysconfig.get_path("purelib")
    # addsitedir (not a bare path) so this venv's own .pth files, editable xuncha, work too.
    Path(own.stdout.strip(), "xuncha_base.pth").write_text(
        f"import site; site.addsitedir({base!r})\n", encoding="utf-8")
    installed = run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-e",
                     str(generated)], generated)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    yield folder


def test_the_package_has_every_part(generated: Path) -> None:
    files = {str(p.relative_to(generated)) for p in generated.rglob("*") if p.is_file()}
    for part in ("pyproject.toml", "README.md", f"{PACKAGE}/__init__.py", f"{PACKAGE}/tables.py",
                 f"{PACKAGE}/events.py", f"{PACKAGE}/routes.py", f"{PACKAGE}/piccolo_app.py",
                 f"{PACKAGE}/templates/{NAME}/records.html", "tests/conftest.py",
                 f"tests/test_{NAME}.py"):
        assert part in files, part
    assert [f for f in files if f.startswith(f"{PACKAGE}/migrations/{NAME}_")]
    pyproject = (generated / "pyproject.toml").read_text(encoding="utf-8")
    assert f'[project.entry-points.xuncha]\n{NAME} = "{PACKAGE}"' in pyproject
    page = (generated / PACKAGE / "templates" / NAME / "records.html").read_text("utf-8")
    assert "检查记录" in page and "__" not in page


def test_the_plugin_imports_only_the_public_api_of_the_core(generated: Path) -> None:
    for source in (generated / PACKAGE).rglob("*.py"):
        if "migrations" in source.parts:
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name == "core.api" or not (name == "core" or name.startswith("core.")), (
                    source.name, name)


def test_the_installed_plugin_is_found_by_its_entry_point(venv: Path, tmp_path: Path) -> None:
    shown = run([str(venv / "bin" / "python"), "-c", "from core.cli import main; main()",
                 "plugins"], tmp_path,
                XUNCHA_HOME=str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    assert f"{NAME} 0.1.0（入口点 {PACKAGE}）" in shown.stdout
    # The project's own environment does not see it.
    assert NAME not in run([str(BIN / "xuncha"), "plugins"], tmp_path,
                           XUNCHA_HOME=str(tmp_path)).stdout


@pytest.mark.slow
def test_the_generated_tests_pass_at_once(venv: Path, generated: Path) -> None:
    env = {"XUNCHA_TEST_DB": BACKEND}
    if "XUNCHA_TEST_PG_DSN" in os.environ:
        env["XUNCHA_TEST_PG_DSN"] = os.environ["XUNCHA_TEST_PG_DSN"]
    result = run([str(venv / "bin" / "python"), "-m", "pytest", "-q"],
                 generated, **env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "10 passed" in result.stdout, result.stdout[-2000:]


def test_ruff_and_mypy_pass_on_the_generated_code(venv: Path, generated: Path) -> None:
    ruff = run([str(BIN / "ruff"), "check", "--no-cache", "."], generated)
    assert ruff.returncode == 0, ruff.stdout
    # xuncha is installed editable here (an import hook mypy cannot follow): point at it.
    mypy = run([str(venv / "bin" / "python"), "-m", "mypy", "--cache-dir",
                str(generated.parent / ".mypy_cache"), PACKAGE, "tests"], generated,
               MYPYPATH=str(REPO))
    assert mypy.returncode == 0, mypy.stdout


def test_write_plugin_renders_every_token(tmp_path: Path) -> None:
    target = write_plugin(Scaffold("rural_funds", "乡村振兴资金专项巡察",
                                   datetime(2026, 12, 6, 8, 30, tzinfo=UTC)), tmp_path)
    for path in target.rglob("*"):
        assert "__PLUGIN__" not in str(path) and "__PACKAGE__" not in str(path)
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for token in ("__PLUGIN__", "__PACKAGE__", "__LABEL__", "__DIST__",
                          "__MIGRATION_ID__", "__MIGRATION_MODULE__"):
                assert token not in text, (path, token)
    migration = target / "xuncha_rural_funds" / "migrations"
    assert (migration / "rural_funds_2026_12_06t08_30_00_000000.py").exists()
