"""A real ``xuncha serve`` for the browser suite: the demo tree, its seeded data, one
account per role.

The deployment is built as an operator would (``xuncha migrate``, ``xuncha
tenants sync tenants/demo``, ``xuncha demo seed``), on a database of its own,
then given accounts (the account and grant services, as ``xuncha users
create`` and ``xuncha roles grant`` call them): the county office (admin and
staff), the leading group, the two liaisons and a city supervisor in
``COUNTY``, the city office in ``CITY`` (and city supervisor of ``COUNTY``),
and a team leader, deputy and member put on the team of one seeded
inspection of ``COUNTY`` in rectification (``Served.ids["inspection_id"]``) and of one still on site
(``Served.ids["onsite_inspection_id"]``, its papers drafts). After the server
is up the city issues a directive to ``COUNTY`` through the API, so the
directive pages of both have a row; it reaches the county through NATS. Then,
through the plugins' APIs, both evaluate a unit and look back on an inspection,
the city asks ``COUNTY`` for cadres (the county nominates one), plans an
elevated inspection of its orgs and has it host a cross inspection.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx

from core.demo.cast import demo_logins
from core.messaging.embedded import free_port
from tests.conftest import REPO, scratch_database

__all__ = ["CITY", "COUNTY", "LOGIN_NAMES", "PASSWORD", "ROLES", "Account", "Served",
           "run_async", "serve"]

T = TypeVar("T")

XUNCHA = str(Path(sys.executable).parent / "xuncha")
CITY = "zz"
"""The city of the demo tree."""
COUNTY = "zz.zhongmu"
"""The county every county role works in."""
PASSWORD = "Browser-pass-2026"


@dataclass(frozen=True)
class Account:
    """One signed-in person of the suite."""

    username: str
    name: str
    tenant: str
    """The tenant the person works in (its home, where its role is held)."""
    role: str | None
    """The tenant role granted (None for team roles, held through the team)."""
    team_role: str | None = None
    """``leader``, ``deputy`` or ``member`` on the seeded inspections' teams."""
    also: tuple[tuple[str, str], ...] = ()
    """Further (role, tenant) grants."""


ROLES: dict[str, Account] = {
    "office_admin": Account("browser.admin", "钱主任", COUNTY, "office_admin"),
    "office_staff": Account("browser.staff", "孙干事", COUNTY, "office_staff"),
    "leading_group": Account("browser.leading", "李书记", COUNTY, "leading_group"),
    "team_leader": Account("browser.leader", "周组长", COUNTY, None, "leader"),
    "team_deputy": Account("browser.deputy", "吴副组长", COUNTY, None, "deputy"),
    "team_member": Account("browser.member", "郑组员", COUNTY, None, "member"),
    "unit_liaison": Account("browser.unit", "王联络员", COUNTY, "unit_liaison"),
    "receiving_liaison": Account("browser.receiving", "冯联络员", COUNTY, "receiving_liaison"),
    "city_supervisor": Account("browser.supervisor", "陈督导", COUNTY, "city_supervisor"),
    "city_office": Account("browser.city", "褚主任", CITY, "office_admin",
                           also=(("city_supervisor", COUNTY),)),
}
"""The suite's people by role name (the keys ``page_as`` takes)."""

LOGIN_NAMES = (*(account.username for account in ROLES.values()), "demo",
               *demo_logins(COUNTY), *demo_logins(CITY))
"""Login names the pages show (authors, signers, the timeline's actors; the demo cast's
are the seed's): Latin by design, so the English checks take them out of the text."""


@dataclass
class Served:
    """The running deployment and the ids of its seeded objects."""

    url: str
    log: Path
    env: dict[str, str]
    ids: dict[str, Any] = field(default_factory=dict)
    """Ids of ``COUNTY``'s objects: ``inspection_id`` (in rectification, the team roles
    on its team), ``paper_id``, ``finding_id``, ``org_id`` (its first target, the unit
    liaison's org), ``onsite_inspection_id``, ``draft_paper_id``, ``directive_id``,
    ``talent_person_id``, ``reported_inspection_id`` (its units' rectification reported),
    ``unit_evaluation_id`` (of its first unit), ``lookback_inspection_id`` (looking back on
    ``inspection_id``), ``secondment_request_id`` (the city's request as received)."""
    city_ids: dict[str, Any] = field(default_factory=dict)
    """Ids of ``CITY``'s objects: ``inspection_id``, ``paper_id``, ``directive_id`` and the
    evaluation and talent ids as the county's, ``elevated_id`` (of ``COUNTY``'s orgs) and
    ``cross_id`` (``COUNTY`` hosting)."""


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(make())`` in a thread of its own: the sync Playwright API runs an
    event loop in the test's thread, where ``asyncio.run`` is refused."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def _run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([XUNCHA, *args], env=env, capture_output=True, text=True,
                            timeout=300, cwd=REPO)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


async def _inspection_ids(db: Any, tenant_id: int, stage: str) -> dict[str, Any]:
    """The first seeded inspection at ``stage`` of a tenant with its round, plan and term,
    and the first of its papers, findings, clues (one referred to the discipline body where
    there is one: the receiving liaison's), ledger items and target orgs."""
    from core.inspection.tables import (
        Clue,
        Finding,
        Inspection,
        InspectionTarget,
        Plan,
        RectificationItem,
        Round,
        WorkingPaper,
    )

    s = db.tenant(tenant_id)
    inspection = (await s.list(Inspection, {"stage": stage}, order_by=("id",), limit=1))[0]
    iid = inspection["id"]
    round_ = await s.get(Round, inspection["round_id"])
    assert round_ is not None
    plans = ([await s.get(Plan, round_["plan_id"])] if round_["plan_id"] is not None
             else await s.list(Plan, {"term_id": round_["term_id"]}, order_by=("id",), limit=1))

    async def first(table: Any, **where: Any) -> int | None:
        rows = await s.list(table, {"inspection_id": iid, **where}, order_by=("id",), limit=1)
        return rows[0]["id"] if rows else None

    targets = await s.list(InspectionTarget, {"inspection_id": iid}, order_by=("id",),
                           limit=None)
    return {"inspection_id": iid, "round_id": round_["id"], "term_id": round_["term_id"],
            "plan_id": plans[0]["id"] if plans and plans[0] else None,
            "paper_id": await first(WorkingPaper), "finding_id": await first(Finding),
            "clue_id": await first(Clue, receiving_body="discipline") or await first(Clue),
            "item_id": await first(RectificationItem), "org_id": targets[0]["org_id"]}


async def _prepare(env: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Accounts, grants and team places; returns the county's and the city's ids."""
    from core.authz.grants import grant_role
    from core.authz.setup import build_authorizer
    from core.db import Database
    from core.identity.accounts import create_account
    from core.inspection.tables import TeamMember
    from core.plugins import Plugins
    from core.settings import load_settings
    from core.tenancy.tables import Org
    from plugins.talent_pool.tables import TalentPerson

    settings = load_settings(env)
    db = Database(settings.database_admin_url)
    await db.start()
    try:
        tenant_ids = {r["code"]: r["id"] for r in await db.fetch(
            'SELECT "id", "code" FROM "tenant"')}
        county = await _inspection_ids(db, tenant_ids[COUNTY], "rectifying")
        onsite = await _inspection_ids(db, tenant_ids[COUNTY], "onsite")
        city = await _inspection_ids(db, tenant_ids[CITY], "rectifying")
        s = db.tenant(tenant_ids[COUNTY])
        org = await s.get(Org, county["org_id"])
        assert org is not None
        authz = build_authorizer(db, Plugins(settings))
        await authz.load()
        now = datetime.now(UTC)
        for account in ROLES.values():
            await create_account(db, account.username, account.name, account.tenant,
                                 PASSWORD, now=now, actor="test")
            if account.role is not None:
                await grant_role(db, authz, tenant_id=tenant_ids[account.tenant],
                                 tenant_code=account.tenant, username=account.username,
                                 role=account.role, actor="test",
                                 org_code=org["code"] if account.role == "unit_liaison"
                                 else None,
                                 body="discipline" if account.role == "receiving_liaison"
                                 else None)
            for role, tenant in account.also:
                await grant_role(db, authz, tenant_id=tenant_ids[tenant], tenant_code=tenant,
                                 username=account.username, role=role, actor="test")
            if account.team_role is not None:
                for inspection in (county, onsite):
                    seat = (await s.list(TeamMember, {
                        "inspection_id": inspection["inspection_id"],
                        "role": account.team_role}, order_by=("id",), limit=1))[0]
                    # The seed released the team in rectification at its withdrawal; the
                    # suite's keeps its access, so the sweep opens that inspection's pages.
                    await s.update(TeamMember, {"id": seat["id"]}, {
                        "person": account.username, "name": account.name,
                        "released_at": None})
        ids = {**county, "onsite_inspection_id": onsite["inspection_id"],
               "draft_paper_id": onsite["paper_id"], "org_code": org["code"]}
        for code, found in ((COUNTY, ids), (CITY, city)):
            found.update(await _reported(db.tenant(tenant_ids[code]), found["inspection_id"]))
        # A person of each tenant's talent pool (the record page of plugins/talent_pool).
        for code, found in ((COUNTY, ids), (CITY, city)):
            (found["talent_person_id"],) = await db.tenant(tenant_ids[code]).insert(
                TalentPerson, [{"person_key": f"talent.{code}", "name": "库中干部",
                                "home_unit": "县委办公室", "pools": ["general"],
                                "specialties": ["finance"], "status": "active"}])
        return ids, city
    finally:
        await db.stop()


async def _reported(s: Any, taken: int) -> dict[str, Any]:
    """Another inspection in rectification moved on to ``rectification_reported``, each of
    its units' rectification reports in for 10 days (so it may be evaluated, and the
    evaluation is within the 30 days to sign it off), and the
    latest round (a lookback is planned in it)."""
    from core.inspection.tables import (
        Inspection,
        InspectionLog,
        InspectionTarget,
        RectificationReport,
        Round,
    )

    inspection = (await s.list(Inspection, {"stage": "rectifying", "id__ne": taken},
                               order_by=("id",), limit=1))[0]
    iid = inspection["id"]
    today = datetime.now(UTC).date()
    await s.update(Inspection, {"id": iid}, {"stage": "rectification_reported"})
    await s.insert(InspectionLog, [{
        "inspection_id": iid, "kind": "stage", "from_value": "rectifying",
        "to_value": "rectification_reported", "actor": "test",
        "at": datetime.now(UTC) - timedelta(days=10)}])
    targets = await s.list(InspectionTarget, {"inspection_id": iid}, order_by=("id",),
                           limit=None)
    for target in targets:
        where = {"inspection_id": iid, "org_id": target["org_id"]}
        if not await s.update(RectificationReport, where, {
                "submitted_on": today - timedelta(days=10), "summary": "整改工作报告"}):
            await s.insert(RectificationReport, [{
                **where, "due_date": today - timedelta(days=5),
                "submitted_on": today - timedelta(days=10), "summary": "整改工作报告",
                "submitted_by": "test"}])
    latest = (await s.list(Round, order_by=("-id",), limit=1))[0]
    return {"reported_inspection_id": iid, "reported_org_id": targets[0]["org_id"],
            "latest_round_id": latest["id"]}


def _token(served: Served, account: Account) -> str:
    """An API token of ``account`` in its tenant (made with the token service)."""
    from core.db import Database
    from core.identity.accounts import get_account
    from core.identity.tokens import create_token
    from core.settings import load_settings

    async def make() -> str:
        db = Database(load_settings(served.env).database_admin_url)
        await db.start()
        try:
            found = await get_account(db, account.username)
            assert found is not None
            tenant_id = (await db.fetch(
                f'SELECT "id" FROM "tenant" WHERE "code" = {db.dialect.mark(1)}',
                [account.tenant]))[0]["id"]
            made = await create_token(db, account_id=found.id, actor="test",
                                      tenant_id=tenant_id, tenant_code=account.tenant,
                                      name="浏览器测试", days=7, now=datetime.now(UTC))
            return made.token
        finally:
            await db.stop()

    return run_async(make)


def _issue_directive(served: Served) -> None:
    """The city issues a directive to ``COUNTY`` (API); wait until the county has it."""
    city = {"Authorization": f"Bearer {_token(served, ROLES['city_office'])}"}
    county = {"Authorization": f"Bearer {_token(served, ROLES['office_admin'])}"}
    made = httpx.post(f"{served.url}/t/{CITY}/api/directives", headers=city, timeout=30, json={
        "kind": "directive", "title": "关于开展村级巡察问题整改“回头看”的通知",
        "body": "请各县区对照问题清单逐项复核整改情况。", "targets": [COUNTY]})
    assert made.status_code == 201, made.text
    served.city_ids["directive_id"] = made.json()["id"]
    deadline = time.monotonic() + 30
    while True:
        listing = httpx.get(f"{served.url}/t/{COUNTY}/api/directives", headers=county,
                            timeout=30)
        assert listing.status_code == 200, listing.text
        items = listing.json()["items"]
        if items:
            served.ids["directive_id"] = items[0]["id"]
            return
        assert time.monotonic() < deadline, "the county never received the city's directive"
        time.sleep(0.3)


def _until(what: str, probe: Callable[[], Any]) -> Any:
    """``probe()`` until it answers something (what travels through NATS takes a moment)."""
    deadline = time.monotonic() + 30
    while not (found := probe()):
        assert time.monotonic() < deadline, what
        time.sleep(0.3)
    return found


def _call(method: str, url: str, headers: dict[str, str], status: int = 200,
          **kwargs: Any) -> Any:
    response = httpx.request(method, url, headers=headers, timeout=30, **kwargs)
    assert response.status_code == status, (method, url, response.status_code, response.text)
    return response.json()


def _evaluate(served: Served) -> None:
    """In the county and the city, the office starts the evaluation of a unit of the
    inspection whose rectification was reported, and looks back on the inspection in
    rectification (its ledger has open items) in the latest round (the plugin's API)."""
    for code, role, found in ((COUNTY, "office_admin", served.ids),
                              (CITY, "city_office", served.city_ids)):
        auth = {"Authorization": f"Bearer {_token(served, ROLES[role])}"}
        api = f"{served.url}/t/{code}/api/evaluation"
        found["unit_evaluation_id"] = _call("POST", f"{api}/evaluations", auth, 201, json={
            "inspection_id": found["reported_inspection_id"],
            "org_id": found["reported_org_id"], "group_members": "周组长、吴副组长"})["id"]
        found["lookback_inspection_id"] = _call("POST", f"{api}/lookback", auth, 201, json={
            "earlier_id": found["inspection_id"],
            "round_id": found["latest_round_id"]})["inspection_id"]


def _second(served: Served) -> None:
    """The city asks ``COUNTY`` for finance cadres for its latest round; the county puts
    its pool's person forward; the nomination reaches the city (API, through NATS)."""
    city = {"Authorization": f"Bearer {_token(served, ROLES['city_office'])}"}
    county = {"Authorization": f"Bearer {_token(served, ROLES['office_admin'])}"}
    api = "api/talent/secondment-requests"
    today = datetime.now(UTC).date()
    made = _call("POST", f"{served.url}/t/{CITY}/{api}", city, 201, json={
        "round_id": served.city_ids["latest_round_id"], "title": "市委第三轮巡察抽调财务干部",
        "needs": [{"specialty": "finance", "count": 2}],
        "start_date": (today + timedelta(days=30)).isoformat(),
        "end_date": (today + timedelta(days=90)).isoformat(),
        "note": "请推荐熟悉财务审计的干部", "targets": [COUNTY]})
    served.city_ids["secondment_request_id"] = made["id"]
    received = _until("the county never received the city's secondment request", lambda: _call(
        "GET", f"{served.url}/t/{COUNTY}/{api}", county)["items"])
    served.ids["secondment_request_id"] = received[0]["id"]
    _call("POST", f"{served.url}/t/{COUNTY}/{api}/{received[0]['id']}/nominations", county,
          201, json={"person_id": served.ids["talent_person_id"], "note": "长期从事财务审计"})
    _until("the city never received the county's nominee", lambda: _call(
        "GET", f"{served.url}/t/{CITY}/{api}/{made['id']}", city)["nominees"])


def _elevate(served: Served) -> None:
    """The city plans an elevated inspection of two of ``COUNTY``'s orgs (from the
    directory the county published) and records a problem, and assigns a neighbouring
    county's team to inspect one of them across (API)."""
    city = {"Authorization": f"Bearer {_token(served, ROLES['city_office'])}"}
    api = f"{served.url}/t/{CITY}/api/elevated-cross"
    orgs = _until("the city never received the county's org directory", lambda: _call(
        "GET", f"{api}/counties/{COUNTY}/orgs", city)["orgs"])
    villages = [o for o in orgs if o["kind"] == "village"] or orgs
    made = _call("POST", f"{api}/elevated", city, 201, json={
        "county": COUNTY, "title": "市委提级巡察村级组织", "round_label": "市委第三轮巡察",
        "org_ids": [o["org_id"] for o in villages[:2]]})
    served.city_ids["elevated_id"] = made["id"]
    deadline = (datetime.now(UTC).date() + timedelta(days=60)).isoformat()
    _call("POST", f"{api}/elevated/{made['id']}/findings", city, 201, json={
        "org_id": villages[0]["org_id"], "problem": "村集体资金管理不规范，大额支出未经民主决策",
        "deadline": deadline})
    served.city_ids["cross_id"] = _call("POST", f"{api}/cross", city, 201, json={
        "team_county": "zz.xinmi", "host_county": COUNTY, "title": "交叉巡察村级组织",
        "round_label": "市委第三轮巡察", "org_ids": [villages[-1]["org_id"]]})["id"]


@contextmanager
def serve(tmp: Path) -> Iterator[Served]:
    """``xuncha serve`` on a free port with the demo data and the suite's accounts."""
    with scratch_database(tmp, "browser") as database:
        env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
        env.update(XUNCHA_HOME=str(tmp / "home"), XUNCHA_DATABASE_URL=database.app_url,
                   XUNCHA_DATABASE_ADMIN_URL=database.admin_url)
        _run(env, "migrate")
        _run(env, "tenants", "sync", "tenants/demo")
        _run(env, "demo", "seed")
        ids, city_ids = run_async(lambda: _prepare(env))
        port = free_port()
        log = tmp / "serve.log"
        with log.open("w") as out:
            process = subprocess.Popen([XUNCHA, "serve", "--port", str(port)], env=env,
                                       cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        served = Served(f"http://127.0.0.1:{port}", log, env, ids, city_ids)
        try:
            deadline = time.monotonic() + 90
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    if httpx.get(served.url + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            _issue_directive(served)
            _evaluate(served)
            _second(served)
            _elevate(served)
            yield served
        finally:
            os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C: the nats-server stops too
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
