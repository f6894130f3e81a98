"""A real ``xuncha serve`` process with accounts of several roles, for hostile input.

The deployment is built as an operator would: ``xuncha migrate``, ``xuncha
tenants sync tenants/demo``, ``xuncha demo seed``, ``xuncha users create`` and
``xuncha roles grant``, on a database of its own (so the junk the fuzzers
write stays out of the shared test database). Then one inspection with a row
in every workflow table is seeded in the home county (``OWN``), a second one
there (objects the team member and the liaison have no business with) and a
third in another county (``FOREIGN``); a team member is put on the first
inspection's team. Every account gets an API token for ``OWN`` and one for
``FOREIGN``.

``XUNCHA_TEST_HOSTILE_BACKENDS`` (default ``sqlite,postgres``) names the
backends the hostile suite runs on: CI runs it on PostgreSQL only, the
production backend (where the id column's bounds differ), to keep its run
under half an hour.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.db import Database
from core.identity.tokens import create_token
from core.inspection.tables import (
    Clue,
    Finding,
    InspectionTarget,
    RectificationItem,
    RectificationReport,
    TeamMember,
    WorkingPaper,
)
from core.messaging.embedded import free_port
from core.tenancy.tables import Org
from core.testing.database import backend_in_use
from tests.conftest import REPO, scratch_database
from tests.inspection.seed import seed_inspection

__all__ = ["FOREIGN", "OWN", "PASSWORD", "ROLES", "Served", "served_app"]

XUNCHA = str(Path(sys.executable).parent / "xuncha")
OWN = "zz.zhongmu"
"""The county every account belongs to and holds its role in."""
FOREIGN = "zz.xinmi"
"""Another county: no account here holds a role in it."""
PASSWORD = "Hostile-pass-2026"

ROLES = ["office_admin", "office_staff", "leading_group", "team_member", "unit_liaison",
         "receiving_liaison", "city_supervisor", "none"]
"""The accounts: one per tenant role (``team_member`` holds none, it is on a team;
``none`` holds nothing)."""


@dataclass(frozen=True)
class Served:
    """The running deployment."""

    url: str
    tokens: dict[tuple[str, str], str]
    """API token by (role, tenant the token is scoped to)."""
    own: dict[str, Any]
    """Ids of the seeded inspection of ``OWN`` the team member and liaison work on."""
    other: dict[str, Any]
    """Ids of a second inspection of ``OWN`` (another org, another team)."""
    foreign: dict[str, Any]
    """Ids of the seeded inspection of ``FOREIGN``."""
    org_code: str
    """The unit liaison's org (the own inspection's target)."""
    log: Path

    def headers(self, role: str, tenant: str = OWN) -> dict[str, str]:
        """The ``Authorization`` header of ``role``'s token scoped to ``tenant``."""
        return {"Authorization": f"Bearer {self.tokens[(role, tenant)]}"}


def _run(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run([XUNCHA, *args], env=env, capture_output=True, text=True,
                            timeout=180, cwd=REPO, input=stdin)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


async def _prepare(url: str) -> tuple[dict[tuple[str, str], str], dict[str, Any],
                                      dict[str, Any], dict[str, Any], str]:
    """Seed the three inspections, put the team member on the team, make the tokens."""
    db = Database(url)
    await db.start()
    try:
        rows = await db.fetch('SELECT "id", "code" FROM "tenant"')
        ids = {r["code"]: r["id"] for r in rows}
        own = await seed_inspection(db, ids[OWN], "敌意甲", stage="rectifying")
        other = await seed_inspection(db, ids[OWN], "敌意乙", stage="rectifying",
                                      round_number=2)
        foreign = await seed_inspection(db, ids[FOREIGN], "敌意丙", stage="rectifying")
        s = db.tenant(ids[OWN])
        orgs = {o["id"]: o for o in await s.list(Org, limit=None)}
        # seed_inspection targets the first org that is no village: move the second
        # inspection's rows to another org, so the liaison's scope tells them apart.
        spare = next(o["id"] for o in orgs.values()
                     if o["id"] != own["org_id"] and o["kind"] != "village")
        for table in (InspectionTarget, WorkingPaper, Finding, Clue, RectificationItem,
                      RectificationReport):
            await s.update(table, {"inspection_id": other["inspection_id"]}, {"org_id": spare})
        other["org_id"] = spare
        now = datetime.now(UTC)
        await s.insert(TeamMember, [{
            "inspection_id": own["inspection_id"], "person": "hostile.team_member",
            "name": "敌意组员", "home_tenant": OWN, "role": "member",
            "authorized_at": now - timedelta(days=1), "released_at": None}])
        await s.update(Clue, {"id": own["clue_id"]}, {"receiving_body": "discipline",
                                                      "status": "referred"})
        accounts = {r["username"]: r["id"] for r in await db.fetch(
            'SELECT "id", "username" FROM "account" WHERE "username" LIKE \'hostile.%\'')}
        tokens = {}
        for role in ROLES:
            for tenant in (OWN, FOREIGN):
                made = await create_token(db, account_id=accounts[f"hostile.{role}"],
                                          actor="test", tenant_id=ids[tenant],
                                          tenant_code=tenant, name="敌意输入测试", days=30,
                                          now=now)
                tokens[(role, tenant)] = made.token
        return tokens, own, other, foreign, orgs[own["org_id"]]["code"]
    finally:
        await db.stop()


@pytest.fixture(scope="session")
def served_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``xuncha serve`` on a free port, on a database of its own."""
    tmp = tmp_path_factory.mktemp("hostile")
    with scratch_database(tmp, "hostile") as database:
        env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
        env.update(XUNCHA_HOME=str(tmp / "home"), XUNCHA_DATABASE_URL=database.app_url,
                   XUNCHA_DATABASE_ADMIN_URL=database.admin_url)
        _run(env, "migrate")
        _run(env, "tenants", "sync", "tenants/demo")
        _run(env, "demo", "seed")
        for role in ROLES:
            _run(env, "users", "create", f"hostile.{role}", "--name", "敌意测试", "--tenant",
                 OWN, "--password-stdin", stdin=PASSWORD + "\n")
        tokens, own, other, foreign, org_code = asyncio.run(_prepare(database.admin_url))
        scopes = {"unit_liaison": ["--org", org_code], "receiving_liaison": ["--body",
                                                                            "discipline"]}
        for role in ROLES:
            if role not in ("none", "team_member"):
                _run(env, "roles", "grant", f"hostile.{role}", role, "--tenant", OWN,
                     *scopes.get(role, []))
        port = free_port()
        log = tmp / "serve.log"
        with log.open("w") as out:
            process = subprocess.Popen([XUNCHA, "serve", "--port", str(port)], env=env,
                                       cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            yield Served(url, tokens, own, other, foreign, org_code, log)
        finally:
            os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C: the nats-server stops too
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        # A 500 the checks missed (or an error outside any request) shows in the log.
        errors = [line for line in log.read_text(errors="replace").splitlines()
                  if "unhandled error" in line or "Traceback" in line]
        assert not errors, "\n".join(errors[:20])


HOSTILE_BACKENDS = os.environ.get("XUNCHA_TEST_HOSTILE_BACKENDS", "sqlite,postgres").split(",")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the hostile suite on a backend ``XUNCHA_TEST_HOSTILE_BACKENDS`` leaves out."""
    if backend_in_use() in HOSTILE_BACKENDS:
        return
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason=f"XUNCHA_TEST_HOSTILE_BACKENDS={','.join(HOSTILE_BACKENDS)}")
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(skip)
