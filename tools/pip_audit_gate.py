"""``make lint``'s dependency audit: pip-audit of the installed dependencies, offline-tolerant.

Audits the environment this interpreter runs in (the project's ``.venv``:
runtime and dev dependencies), leaving out editable installs (the project
itself is not published, so no index knows it). Fails on a known
vulnerability. When no package index can be reached (an offline machine) it
prints one loud line and passes: the audit is then simply not done, and the
line says so. An index that answers but holds no per-version data (a
mirror) lets nothing be audited; that is said loudly too.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from typing import Any

__all__ = ["PROBE_URL", "main", "reachable", "verdict"]

PROBE_URL = "https://pypi.org/pypi/pip/json"
"""What must answer for the audit to run (pip-audit's PyPI vulnerability service)."""
SKIPPED = "pip-audit skipped: no package index reachable"
BANNER = "!" * 72


def reachable(url: str = PROBE_URL, timeout: float = 10.0) -> bool:
    """Whether ``url`` answers at all (through the proxies the environment names)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def verdict(report: dict[str, Any]) -> tuple[int, list[str]]:
    """The exit code and the lines to print for pip-audit's JSON ``report``."""
    lines: list[str] = []
    audited = skipped = 0
    found = 0
    for dep in report.get("dependencies", []):
        if "skip_reason" in dep:
            skipped += 1
            continue
        audited += 1
        for vuln in dep.get("vulns", []):
            found += 1
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            lines.append(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} "
                         f"(fixed in: {fixes})")
    if audited == 0 and skipped:
        lines += [BANNER, f"!!! pip-audit: none of {skipped} dependencies could be audited "
                  "(the index gives no per-version data)", BANNER]
        return 0, lines
    lines.append(f"pip-audit: {audited} dependencies audited, {skipped} skipped, "
                 f"{found} known vulnerabilities")
    return (1 if found else 0), lines


def main() -> int:
    """Run the audit; the exit code is ``make lint``'s."""
    if not reachable():
        print(f"{BANNER}\n!!! {SKIPPED}\n{BANNER}")
        return 0
    done = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off",
         "--format", "json"], capture_output=True, text=True, check=False)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        print(done.stdout + done.stderr, file=sys.stderr)
        print("pip-audit failed (see above)", file=sys.stderr)
        return done.returncode or 1
    code, lines = verdict(report)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
