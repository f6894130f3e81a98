"""The role matrix: each tenant role against representative routes of tenant ``ta.one``.

Every account here holds exactly one role in ``ta.one`` (or none) and calls
with a token scoped to ``ta.one``. Writes send a body with an unknown field,
so an allowed call stops at input validation (400) and changes nothing,
while a refused one must be stopped by the guard first (403, Chinese
message). Liaisons are scoped: the unit liaison to the seeded inspection's
target org, the receiving-body liaison to the discipline commission.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from litestar import Litestar

from core.db import Database
from core.inspection.tables import Clue, RectificationItem
from core.tenancy.tables import Org
from tests.authz.conftest import Actor, Client, new_actor
from tests.identity.helpers import browser
from tests.inspection.seed import seed_inspection

PROBE = {"__probe__": 1}
"""A body every write refuses at validation (``forbid_unknown_fields``)."""
T = "/t/ta.one/api"

ROUTES: dict[str, tuple[str, str]] = {
    "orgs": ("GET", f"{T}/orgs"),
    "create_inspection": ("POST", f"{T}/inspections"),
    "stage": ("POST", f"{T}/inspections/{{inspection_id}}/stage"),
    "paper": ("GET", f"{T}/papers/{{paper_id}}"),
    "sign": ("POST", f"{T}/papers/{{paper_id}}/sign"),
    "clues": ("GET", f"{T}/clues"),
    "clues_of_body": ("GET", f"{T}/clues?receiving_body=discipline"),
    "persons": ("GET", f"{T}/clues/{{clue_id}}/persons"),
    "ledger": ("GET", f"{T}/rectification/items"),
    "ledger_own_org": ("GET", f"{T}/rectification/items?org_id={{org_id}}"),
    "ledger_other_org": ("GET", f"{T}/rectification/items?org_id={{other_org_id}}"),
    "status_own_org": ("POST", f"{T}/rectification/items/{{item_id}}/status"),
    "status_other_org": ("POST", f"{T}/rectification/items/{{other_item_id}}/status"),
    "grants": ("GET", f"{T}/role-grants"),
    "grant": ("POST", f"{T}/role-grants"),
}

READER = {"orgs", "paper", "clues", "clues_of_body", "ledger", "ledger_own_org",
          "ledger_other_org"}
ALLOWED: dict[str, set[str]] = {
    "office_admin": set(ROUTES),
    "office_staff": READER | {"create_inspection", "stage", "status_own_org",
                              "status_other_org"},
    "leading_group": READER,
    "unit_liaison": {"ledger_own_org", "status_own_org"},
    "receiving_liaison": {"clues_of_body", "persons"},
    "city_supervisor": {"orgs"},
    "none": set(),
}
"""What each role may reach (everything else must be refused with 403)."""


@dataclass(frozen=True)
class Seeded:
    """The seeded inspection's ids and the liaison scopes."""

    ids: dict[str, Any]
    org_code: str


@pytest.fixture(scope="module")
async def seeded(database: Database, tenant_ids: dict[str, int]) -> Seeded:
    """An inspection of ``ta.one`` with a clue referred to the discipline commission and
    a second ledger item of another org."""
    tenant = tenant_ids["ta.one"]
    ids = await seed_inspection(database, tenant, "矩阵", stage="rectifying")
    s = database.tenant(tenant)
    await s.update(Clue, {"id": ids["clue_id"]}, {"receiving_body": "discipline",
                                                  "status": "referred"})
    orgs = await s.list(Org, limit=None)
    own = next(o for o in orgs if o["id"] == ids["org_id"])
    other = next(o for o in orgs if o["id"] != own["id"] and o["kind"] != "village")
    (other_item,) = await s.insert(RectificationItem, [{
        "inspection_id": ids["inspection_id"], "org_id": other["id"],
        "problem": "矩阵他单位整改问题", "deadline": date(2026, 12, 31)}])
    return Seeded({**ids, "other_org_id": other["id"], "other_item_id": other_item},
                  own["code"])


def _url(name: str, seeded: Seeded) -> tuple[str, str]:
    method, template = ROUTES[name]
    return method, template.format(**seeded.ids)


async def _call(actor: Actor, name: str, seeded: Seeded) -> Any:
    method, url = _url(name, seeded)
    extra = {"json": PROBE} if method == "POST" else {}
    return await actor.request(method, url, **extra)


def _chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


@pytest.mark.parametrize("role", list(ALLOWED))
async def test_role_matrix(role: str, seeded: Seeded, app: Litestar, client: Client,
                           database: Database, tenant_ids: dict[str, int]) -> None:
    scope = {"unit_liaison": {"org": seeded.org_code},
             "receiving_liaison": {"body": "discipline"}}.get(role, {})
    actor = await new_actor(app, client, database, tenant_ids, "ta.one",
                            None if role == "none" else role, **scope)
    wrong: list[str] = []
    for name in ROUTES:
        response = await _call(actor, name, seeded)
        status = response.status_code
        if name in ALLOWED[role]:
            if status in (401, 403) or status >= 500:
                wrong.append(f"{name}: {status}, expected allowed: {response.text[:200]}")
        elif status != 403 or not _chinese(response.json()["message"]):
            wrong.append(f"{name}: {status}, expected 403 in Chinese: {response.text[:200]}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


async def test_liaisons_see_only_their_scope(seeded: Seeded, app: Litestar, client: Client,
                                             database: Database,
                                             tenant_ids: dict[str, int]) -> None:
    unit = await new_actor(app, client, database, tenant_ids, "ta.one", "unit_liaison",
                           org=seeded.org_code)
    own = await unit.get(_url("ledger_own_org", seeded)[1] + "&limit=200")
    assert own.status_code == 200, own.text
    items = own.json()["items"]
    assert seeded.ids["item_id"] in {i["id"] for i in items}
    assert {i["org_id"] for i in items} == {seeded.ids["org_id"]}
    body = await new_actor(app, client, database, tenant_ids, "ta.one", "receiving_liaison",
                           body="discipline")
    clues = await body.get(_url("clues_of_body", seeded)[1] + "&limit=200")
    assert clues.status_code == 200, clues.text
    assert seeded.ids["clue_id"] in {c["id"] for c in clues.json()["items"]}
    assert {c["receiving_body"] for c in clues.json()["items"]} == {"discipline"}
    persons = await body.get(_url("persons", seeded)[1])
    assert persons.status_code == 200 and "矩阵当事人" in persons.text
    other_body = await new_actor(app, client, database, tenant_ids, "ta.one",
                                 "receiving_liaison", body="organisation")
    refused = await other_body.get(_url("persons", seeded)[1])
    assert refused.status_code == 403 and "矩阵当事人" not in refused.text


async def test_a_role_in_one_tenant_is_nothing_in_another(
        seeded: Seeded, app: Litestar, client: Client, database: Database,
        tenant_ids: dict[str, int]) -> None:
    # Office staff of ta.one with a token for tb: no role there, so nothing.
    staff = await new_actor(app, client, database, tenant_ids, "ta.one", "office_staff",
                            token_for="tb")
    for url in ("/t/tb/api/orgs", "/t/tb/api/clues", "/t/tb/api/rectification/items"):
        response = await staff.get(url)
        assert response.status_code == 403, response.text
        assert _chinese(response.json()["message"])
    # And a ta.one token does not open tb either.
    same = await new_actor(app, client, database, tenant_ids, "ta.one", "office_staff")
    assert (await same.get("/t/ta.one/api/orgs")).status_code == 200
    response = await same.get("/t/tb/api/orgs")
    assert response.status_code == 403 and _chinese(response.json()["message"])


async def test_anonymous_gets_401(seeded: Seeded, app: Litestar, client: Client) -> None:
    async with browser(app, client) as anonymous:
        for name in ROUTES:
            method, url = _url(name, seeded)
            extra = {"json": PROBE} if method == "POST" else {}
            response = await anonymous.request(method, url, **extra)
            assert response.status_code == 401, (name, response.text)
            assert _chinese(response.json()["message"])


async def test_naming_ones_org_opens_only_routes_that_filter_by_it(
        seeded: Seeded, app: Litestar, client: Client, database: Database,
        tenant_ids: dict[str, int]) -> None:
    """``?org_id=<own org>`` admits a liaison only where the handler filters by it. (Its
    desk, ``/t/ta.one/``, opens to it with or without a query: see test_home.)"""
    unit = await new_actor(app, client, database, tenant_ids, "ta.one", "unit_liaison",
                           org=seeded.org_code)
    ids = seeded.ids
    own, other, insp = ids["org_id"], ids["other_org_id"], ids["inspection_id"]
    for url in (f"{T}/inspections/{insp}/rectification/reports?org_id={own}",
                f"{T}/inspections/{insp}/report.docx?org_id={own}",
                f"{T}/tenant?org_id={own}",
                f"/t/ta.one/rounds?org_id={own}", f"/t/ta.one/inspections/{insp}?org_id={own}",
                f"{T}/rectification/items?org_id={own}&org_id={other}"):
        response = await unit.get(url)
        assert response.status_code == 403, (url, response.text[:200])
    forged = await unit.post(f"{T}/inspections/{insp}/rectification/items?org_id={own}",
                             json={"deadline": "2027-01-01", "org_id": other,
                                   "problem": "冒充他单位的整改事项"})
    assert forged.status_code == 403, forged.text
    items = await client.get(f"{T}/rectification/items?org_id={other}&limit=200")
    assert "冒充他单位的整改事项" not in items.text
    # Narrowed to the seeded inspection: other tests add items of the same org, which
    # could push this one off the first page.
    page = await unit.get(f"/t/ta.one/ledger?org_id={own}&inspection_id={insp}")
    assert page.status_code == 200 and "矩阵整改问题" in page.text
    assert "矩阵他单位整改问题" not in page.text


async def test_a_unit_liaison_lands_on_its_desk_linking_its_own_ledger(
        seeded: Seeded, app: Litestar, client: Client, database: Database,
        tenant_ids: dict[str, int]) -> None:
    """The index sends a unit liaison to its desk, which links its own org's ledger (that
    opens); the whole registry does not."""
    unit = await new_actor(app, client, database, tenant_ids, "ta.one", "unit_liaison",
                           org=seeded.org_code, home="ta.one")
    start = await unit.get("/", follow_redirects=False)
    assert start.status_code in (302, 303)
    assert start.headers["location"] == "/t/ta.one/"
    desk = await unit.get("/t/ta.one/")
    own = f"/t/ta.one/ledger?org_id={seeded.ids['org_id']}"
    assert desk.status_code == 200 and f'href="{own}"' in desk.text, desk.text
    page = await unit.get(own)
    assert page.status_code == 200 and "整改台账" in page.text
    assert (await unit.get("/t/ta.one/ledger")).status_code == 403  # not the whole registry
