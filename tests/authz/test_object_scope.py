"""Objects outside the caller's reach: one answer whether they exist or not, never a 500.

Ids are one global sequence, so a different answer for an existing and a
missing object would tell a liaison (or another tenant's account) how much
work a tenant does. Every route naming an object in its path is walked with
four ids: an existing object the caller may not touch, an unknown id, an id
just past the SQL ``integer`` range and a 20-digit one. All four must get
the same refusal. Exports must ask for the same access as reading what
they export.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar

from core.db import Database
from core.web.params import MAX_ID
from tests.authz.conftest import Actor, MakeActor
from tests.authz.test_routes_declare_actions import auto_options, handlers
from tests.inspection.seed import seed_inspection

T = "ta.one"
OBJECT_PARAMS = ("paper_id", "finding_id", "clue_id", "item_id", "report_id",
                 "disclosure_id", "member_id", "attachment_id")
"""Path parameters the guard looks up to decide on the object."""
HUGE = "99999999999999999999"


@pytest.fixture(scope="module")
async def seeded(database: Database, tenant_ids: dict[str, int]) -> dict[str, Any]:
    return await seed_inspection(database, tenant_ids[T], "范围")


def _object_routes(app: Litestar) -> list[tuple[str, str, str]]:
    """``(method, path template, object parameter)`` of every tenant route naming an object."""
    found = []
    for method, path, handler in handlers(app):
        if method in ("HEAD", "OPTIONS", "WS/ASGI") or auto_options(handler):
            continue
        if not path.startswith("/t/{tenant:str}/"):
            continue
        names = [p for p in OBJECT_PARAMS if "{" + p + ":int}" in path]
        if names:
            found.append((method, path, names[-1]))
    return found


def _fill(path: str, ids: dict[str, Any], param: str, value: str) -> str:
    url = path.replace("{tenant:str}", T).replace("{" + param + ":int}", value)
    for name, number in ids.items():
        url = url.replace("{" + name + ":int}", str(number))
    return url


async def _answers(actor: Actor, method: str, path: str, param: str,
                   ids: dict[str, Any]) -> list[tuple[int, Any]]:
    out = []
    for value in (str(ids[param]), str(MAX_ID), str(MAX_ID + 1), HUGE):
        extra = {"json": {"__probe__": 1}} if method in ("POST", "PATCH", "PUT") else {}
        response = await actor.request(method, _fill(path, ids, param, value), **extra)
        body = response.json() if response.headers.get("content-type", "").startswith(
            "application/json") else response.text
        message = body.get("message") if isinstance(body, dict) else body
        out.append((response.status_code, message))
    return out


@pytest.mark.parametrize("who", ["unit_liaison", "other_tenant"])
async def test_objects_out_of_reach_answer_alike(who: str, app: Litestar,
                                                 make_actor: MakeActor,
                                                 seeded: dict[str, Any], database: Database,
                                                 tenant_ids: dict[str, int]) -> None:
    """Existing, unknown, out-of-range and 20-digit ids: the same refusal, no 500."""
    from core.tenancy.tables import Org

    if who == "unit_liaison":
        orgs = await database.tenant(tenant_ids[T]).list(Org, limit=None)
        other = next(o for o in orgs if o["id"] != seeded["org_id"])
        actor = await make_actor(T, "unit_liaison", org=other["code"])
    else:
        actor = await make_actor(T, None, home="tb")  # signed in, no role in ta.one
    routes = _object_routes(app)
    assert len(routes) >= 25, routes
    wrong = []
    for method, path, param in routes:
        answers = await _answers(actor, method, path, param, seeded)
        if any(status >= 500 for status, _ in answers) or len(set(answers)) != 1:
            wrong.append(f"{method} {path}: {answers}")
    assert not wrong, "\n".join(wrong)


async def test_a_unit_liaison_cannot_export_its_orgs_papers(
        make_actor: MakeActor, seeded: dict[str, Any], database: Database,
        tenant_ids: dict[str, int]) -> None:
    """``export:read`` is not ``paper:read``: the .docx holds the whole paper."""
    from core.tenancy.tables import Org

    org = await database.tenant(tenant_ids[T]).get(Org, seeded["org_id"])
    liaison = await make_actor(T, "unit_liaison", org=org["code"])
    paper = f"/t/{T}/api/papers/{seeded['paper_id']}"
    assert (await liaison.get(paper)).status_code == 403
    export = await liaison.get(f"{paper}/export.docx")
    assert export.status_code == 403, export.text[:200]
    report = await liaison.get(f"/t/{T}/api/inspections/{seeded['inspection_id']}/report.docx")
    assert report.status_code == 403, report.text[:200]
    # What the liaison may read, it may still export: its org's ledger.
    ledger = await liaison.get(f"/t/{T}/api/rectification/ledger.xlsx",
                               params={"org_id": seeded["org_id"]})
    assert ledger.status_code == 200, ledger.text[:200]


async def test_the_ledger_export_names_no_inspection_a_liaison_cannot_read(
        make_actor: MakeActor, seeded: dict[str, Any], database: Database,
        tenant_ids: dict[str, int]) -> None:
    """A liaison filtering its own org's ledger by another inspection's id learns no title."""
    from core.inspection.tables import RectificationItem
    from core.tenancy.tables import Org

    other = await seed_inspection(database, tenant_ids[T], "他组")
    session = database.tenant(tenant_ids[T])
    elsewhere = next(o for o in await session.list(Org, limit=None)
                     if o["id"] != seeded["org_id"])
    await session.update(RectificationItem, {"inspection_id": other["inspection_id"]},
                         {"org_id": elsewhere["id"]})  # nothing of the liaison's org there
    org = await session.get(Org, seeded["org_id"])
    liaison = await make_actor(T, "unit_liaison", org=org["code"])
    response = await liaison.get(f"/t/{T}/api/rectification/ledger.xlsx", params={
        "org_id": seeded["org_id"], "inspection_id": other["inspection_id"],
        "round_id": other["round_id"]})
    if response.status_code == 200:
        from urllib.parse import unquote

        disposition = unquote(response.headers["content-disposition"])
        assert "他组" not in disposition, disposition
    else:
        assert response.status_code == 403, response.text[:200]
