"""``make lint`` audits the dependencies with pip-audit, and an offline machine still passes.

The gate runs for real with every proxy pointed at a closed port (so no test
reaches the internet): it must say loudly that the audit was skipped and
pass. What it makes of pip-audit's JSON report is checked on reports of
each kind.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tomllib
from types import ModuleType

from tests.conftest import REPO

GATE = REPO / "tools" / "pip_audit_gate.py"


def _gate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pip_audit_gate", GATE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_offline_the_audit_is_skipped_loudly_and_passes() -> None:
    dead = "http://127.0.0.1:9"
    env = {**os.environ, "https_proxy": dead, "HTTPS_PROXY": dead, "http_proxy": dead,
           "HTTP_PROXY": dead, "no_proxy": "", "NO_PROXY": ""}
    done = subprocess.run([sys.executable, str(GATE)], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pip-audit skipped: no package index reachable" in done.stdout


def test_a_known_vulnerability_fails_the_gate() -> None:
    code, lines = _gate().verdict({"dependencies": [
        {"name": "jinja2", "version": "2.10", "vulns": [
            {"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"], "aliases": []}]},
        {"name": "click", "version": "8.1.7", "vulns": []},
        {"name": "xuncha", "skip_reason": "distribution marked as editable"},
    ]})
    assert code == 1
    assert "VULNERABLE jinja2 2.10: PYSEC-2019-217 (fixed in: 2.10.1)" in lines
    assert lines[-1] == "pip-audit: 2 dependencies audited, 1 skipped, 1 known vulnerabilities"


def test_clean_and_unauditable_reports_pass() -> None:
    gate = _gate()
    clean = gate.verdict({"dependencies": [{"name": "click", "version": "8.1.7", "vulns": []}]})
    assert clean == (0, ["pip-audit: 1 dependencies audited, 0 skipped, 0 known vulnerabilities"])
    code, lines = gate.verdict({"dependencies": [
        {"name": "click", "skip_reason": "Dependency not found on PyPI"}]})
    assert code == 0 and any("none of 1 dependencies could be audited" in line for line in lines)


def test_lint_runs_the_gate_and_dev_installs_pip_audit() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    lint = re.search(r"^lint:.*?(?=^\S|\Z)", makefile, re.M | re.S)
    assert lint and "tools/pip_audit_gate.py" in lint[0], makefile
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    dev = project["project"]["optional-dependencies"]["dev"]
    assert any(re.match(r"pip-audit\b", item) for item in dev), dev
