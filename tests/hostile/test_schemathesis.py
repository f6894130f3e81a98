"""Schemathesis against the real ``xuncha serve``, as four roles, with every check.

Each role runs the examples, coverage and fuzzing phases over every operation
of the OpenAPI document with its own API token; path ids are pinned to the
seeded inspection of its tenant, so the cases reach the handlers instead of
stopping at 404 (tests/hostile/test_generators.py tries hostile ids). All
checks are on; ``positive_data_acceptance`` is replaced by
``schema_valid_data_passes_validation`` (tests/hostile/st_checks.py says
why). Two operations are left out: revoking a token and revoking a role
grant, which a fuzzer would turn on the very token and role it runs with;
tests/hostile/test_generators.py and tests/authz cover them.

``XUNCHA_TEST_FUZZ_EXAMPLES`` (default 8, CI sets 4; half as many for the
liaison and the team member, who are refused most operations) bounds the
fuzzing cases per operation and ``XUNCHA_TEST_FUZZ_SEED`` picks the seed
(fixed by default, so a failure replays).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.hostile.conftest import OWN, Served

pytestmark = pytest.mark.hostile

ST = str(Path(sys.executable).parent / "st")
EXAMPLES = int(os.environ.get("XUNCHA_TEST_FUZZ_EXAMPLES", "8"))
SEED = os.environ.get("XUNCHA_TEST_FUZZ_SEED", "20261205")
LEFT_OUT = r"^/t/\{tenant\}/api/(tokens/\{token_id\}|role-grants/\{username\}/\{role\})$"
"""Operations that would revoke the run's own token or role (both paths have only DELETE)."""
ROLES = {"unit_liaison": 0.5, "team_member": 0.5, "office_staff": 1, "office_admin": 1}
"""Share of the examples per role; the least allowed run first (the writes of the office
roles change the seeded rows)."""


def _report(output: str) -> str:
    """The errors and failures sections first (a CI log keeps only so much), then the tail."""
    starts = [i for i in (output.find(" ERRORS "), output.find(" FAILURES ")) if i >= 0]
    head = output[min(starts):][:8000] if starts else ""
    return head + "\n...\n" + output[-4000:]


def _config(served: Served, role: str) -> str:
    pinned = {"tenant": OWN, **{k: v for k, v in served.own.items() if k.endswith("_id")}}
    lines = [f'headers = {{ Authorization = "Bearer {served.tokens[(role, OWN)]}" }}',
             "[parameters]"]
    lines += [f'"path.{name}" = {value!r}'.replace("'", '"') for name, value in pinned.items()]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_finds_nothing(role: str, served_app: Served,
                                    tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(served_app, role), encoding="utf-8")
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.hostile.st_checks",
           "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    result = subprocess.run(
        [ST, "--config-file", str(config), "run", f"{served_app.url}/schema/openapi.json",
         "--checks", "all", "--exclude-checks", "positive_data_acceptance",
         "--phases", "examples,coverage,fuzzing",
         "--max-examples", str(max(1, round(EXAMPLES * ROLES[role]))),
         "--seed", SEED, "--workers", "2", "--generation-database", "none",
         "--exclude-path-regex", LEFT_OUT,
         "--request-timeout", "30", "--no-color", "--report-dir", str(tmp_path)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    summary = output[output.rfind("SUMMARY"):]
    print(summary)  # what was tested, in the log of a passing run too
    assert result.returncode == 0, _report(output)
    assert "Tested:" in summary, _report(output)
    assert "failures" not in summary.splitlines()[-1], _report(output)
