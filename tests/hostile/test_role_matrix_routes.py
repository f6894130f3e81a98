"""The whole role matrix: every route × every role × own/foreign tenant × own/foreign object.

tests/authz/test_role_matrix.py checks representative routes in-process and
the liaisons' scopes in detail; this walks every route of the app against the
real ``xuncha serve`` of tests/hostile/conftest.py, and the expected outcome
of each cell comes from one declared table, tests/hostile/matrix.py (which
roles reach each route on their own tenant's own objects). The other cells
follow from it:

- own tenant, own object: a role the table names is let through (no 401 or
  403, no 500: the handler answers, a write stops at the probe body with a
  400); any other is refused with 403 in Chinese.
- own tenant, foreign object (another tenant's id in the path): a role let
  through tenant-wide gets the handler's 404 (a 400 where the probe body is
  refused first), the scoped roles (team member, liaisons) a 403; the other
  tenant's rows never show.
- own tenant, another object of the tenant (the second inspection: another
  org, another team, no clue referred): the scoped roles are refused (403).
- foreign tenant, with a token of that tenant (no role there) or of the own
  tenant: 403 everywhere.

Writes carry the probe body of tests/authz/test_role_matrix.py (an unknown
field), so a call let through changes nothing; DELETE routes name ids no row
has (a let-through call answers 404).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from tests.authz.test_role_matrix import PROBE
from tests.hostile.conftest import FOREIGN, OWN, ROLES, Served
from tests.hostile.matrix import ALLOWED, NAMES, SCOPED

pytestmark = pytest.mark.hostile

_CHINESE = re.compile(r"[\u4e00-\u9fff]")
NO_ROW = 2**31 - 1
"""An id no row has (DELETE routes: a call let through answers 404 and deletes nothing)."""
SKIPPED = {"/static", "/login", "/logout"}
"""Public routes (tests/authz/test_routes_declare_actions.py checks they are the only ones)."""


def route_key(method: str, template: str) -> str:
    """``"GET /t/{tenant}/api/papers/{paper_id}"``: the route as the table names it."""
    path = re.sub(r":\w+}", "}", template)
    return f"{method} {path}"


def _routes(app: Litestar) -> Iterator[tuple[str, str]]:
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or any(route.path.startswith(p) for p in SKIPPED):
            continue
        for method in sorted(route.methods - {"OPTIONS", "HEAD"}):
            yield method, route.path


def _url(method: str, template: str, tenant: str, ids: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match[1]
        if name == "tenant":
            return tenant
        if method == "DELETE" and name != "inspection_id":
            return str(NO_ROW) if match[2] == "int" else "nobody.here"
        if name in ids:
            return str(ids[name])
        if name == "path":
            return "openapi.json"
        if name == "county":
            return FOREIGN if tenant == OWN else OWN
        return str(NO_ROW) if match[2] == "int" else "probe"

    return re.sub(r"\{(\w+)(?::(\w+))?\}", value, template)


def _call(http: httpx.Client, served: Served, role: str, token_tenant: str, method: str,
          url: str) -> httpx.Response:
    extra: dict[str, Any] = {"json": PROBE} if method in ("POST", "PATCH", "PUT") else {}
    return http.request(method, url, headers={**served.headers(role, token_tenant),
                                              "Accept": "application/json"}, **extra)


def _refused(response: httpx.Response) -> bool:
    if response.status_code != 403:
        return False
    return bool(_CHINESE.search(json.loads(response.text)["message"]))


def _through(response: httpx.Response) -> bool:
    return response.status_code not in (401, 403) and response.status_code < 500


@pytest.fixture(scope="module")
def routes(app: Litestar) -> list[tuple[str, str]]:
    found = list(_routes(app))
    assert len(found) > 100
    return found


def test_the_table_names_every_route_and_only_known_roles(routes: list[tuple[str, str]]) -> None:
    keys = {route_key(m, t) for m, t in routes}
    assert sorted(keys - set(ALLOWED)) == [], "routes the table does not know"
    assert sorted(set(ALLOWED) - keys) == [], "routes the table knows that are gone"
    for key, roles in ALLOWED.items():
        assert set(roles.split()) <= set(NAMES.values()), key


@pytest.mark.parametrize("role", ROLES)
def test_own_tenant_own_object(role: str, routes: list[tuple[str, str]],
                               served_app: Served) -> None:
    wrong = []
    with httpx.Client(base_url=served_app.url, timeout=60) as http:
        for method, template in routes:
            key = route_key(method, template)
            allowed = NAMES[role] in ALLOWED[key].split()
            response = _call(http, served_app, role, OWN, method,
                             _url(method, template, OWN, served_app.own))
            if allowed != _through(response) or not (allowed or _refused(response)):
                wrong.append(f"{key}: {response.status_code} {response.text[:150]} "
                             f"(expected {'let through' if allowed else '403'})")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_own_tenant_foreign_object(role: str, routes: list[tuple[str, str]],
                                   served_app: Served) -> None:
    secrets = served_app.foreign["texts"]
    wrong = []
    with httpx.Client(base_url=served_app.url, timeout=60) as http:
        for method, template in routes:
            if not template.startswith("/t/") or method == "DELETE" or not re.search(
                    r"\{\w+_id:int\}", template):
                continue
            key = route_key(method, template)
            response = _call(http, served_app, role, OWN, method,
                             _url(method, template, OWN, served_app.foreign))
            leaked = [s for s in secrets if s in response.text]
            tenant_wide = NAMES[role] in ALLOWED[key].split() and role not in SCOPED
            expected = ({400, 404} if method != "GET" else {404}) if tenant_wide else {403}
            if response.status_code not in expected or leaked:
                wrong.append(f"{key}: {response.status_code} {response.text[:150]} "
                             f"(expected {sorted(expected)}){' LEAK' if leaked else ''}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", sorted(SCOPED))
def test_scoped_roles_are_refused_another_object_of_their_tenant(
        role: str, routes: list[tuple[str, str]], served_app: Served) -> None:
    wrong = []
    with httpx.Client(base_url=served_app.url, timeout=60) as http:
        for method, template in routes:
            if not template.startswith("/t/") or method == "DELETE" or not re.search(
                    r"\{\w+_id:int\}", template):
                continue
            response = _call(http, served_app, role, OWN, method,
                             _url(method, template, OWN, served_app.other))
            if not _refused(response):
                wrong.append(f"{route_key(method, template)}: {response.status_code} "
                             f"{response.text[:150]}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_foreign_tenant(role: str, routes: list[tuple[str, str]], served_app: Served) -> None:
    wrong = []
    with httpx.Client(base_url=served_app.url, timeout=60) as http:
        for method, template in routes:
            if not template.startswith("/t/"):
                continue
            url = _url(method, template, FOREIGN, served_app.foreign)
            for token_tenant in (FOREIGN, OWN):
                response = _call(http, served_app, role, token_tenant, method, url)
                if not _refused(response):
                    wrong.append(f"{route_key(method, template)} (token of {token_tenant}): "
                                 f"{response.status_code} {response.text[:150]}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
