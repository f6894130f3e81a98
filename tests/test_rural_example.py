"""The example special-inspection plugin (examples/xuncha-rural-revitalization), installed as
a third party's would be: ``pip install -e`` into a throwaway venv layered on this one, then
its own tests run there on this run's backend, and ruff and mypy check its code.

乡村振兴领域专项巡察 was made with ``xuncha plugin new rural_revitalization`` and then
extended with the special-inspection hooks: a checklist from public policy texts, typed
extra fields, a report section, statistics sent up and a stage check.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BACKEND, REPO

pytestmark = pytest.mark.once_on("sqlite")

BIN = Path(sys.executable).parent
EXAMPLE = REPO / "examples" / "xuncha-rural-revitalization"
PACKAGE = "xuncha_rural_revitalization"


def run(args: list[str], cwd: Path, timeout: int = 900,
        **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    return subprocess.run(args, cwd=cwd, env={**base, **env}, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A throwaway venv over this one with the example ``pip install -e``-ed."""
    folder = tmp_path_factory.mktemp("rural") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True,
                   timeout=120)
    python = folder / "bin" / "python"
    own = run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
              folder)
    base = sysconfig.get_path("purelib")
    Path(own.stdout.strip(), "xuncha_base.pth").write_text(
        f"import site; site.addsitedir({base!r})\n", encoding="utf-8")
    installed = run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-e",
                     str(EXAMPLE)], EXAMPLE)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    yield folder


def test_the_example_imports_only_the_public_api_of_the_core() -> None:
    for source in (EXAMPLE / PACKAGE).rglob("*.py"):
        if "migrations" in source.parts:
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name == "core.api" or not (name == "core" or name.startswith("core.")), (
                    source.name, name)


def test_the_checklist_cites_public_policy_texts_in_chinese() -> None:
    sys.path.insert(0, str(EXAMPLE))
    try:
        from xuncha_rural_revitalization.checklist import CHECKLIST
    finally:
        sys.path.remove(str(EXAMPLE))
    assert len(CHECKLIST) >= 10 and len({i.code for i in CHECKLIST}) == len(CHECKLIST)
    for item in CHECKLIST:
        assert item.basis.startswith(("《", "20")) and item.problems, item.code
    bases = " ".join(i.basis for i in CHECKLIST)
    assert "《中华人民共和国乡村振兴促进法》" in bases and "中央一号文件" in bases


@pytest.mark.slow
def test_the_installed_example_passes_its_own_tests(venv: Path) -> None:
    env = {"XUNCHA_TEST_DB": BACKEND}
    if "XUNCHA_TEST_PG_DSN" in os.environ:
        env["XUNCHA_TEST_PG_DSN"] = os.environ["XUNCHA_TEST_PG_DSN"]
    result = run([str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:logging"],
                 EXAMPLE, **env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "16 passed" in result.stdout, result.stdout[-2000:]


def test_ruff_and_mypy_pass_on_the_example(venv: Path, tmp_path: Path) -> None:
    ruff = run([str(BIN / "ruff"), "check", "--no-cache", "."], EXAMPLE)
    assert ruff.returncode == 0, ruff.stdout
    mypy = run([str(venv / "bin" / "python"), "-m", "mypy", "--cache-dir",
                str(tmp_path / ".mypy_cache"), PACKAGE, "tests"], EXAMPLE, MYPYPATH=str(REPO))
    assert mypy.returncode == 0, mypy.stdout
