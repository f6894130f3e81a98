"""Every page of the core and the plugins, in Chromium, as each role that may see it.

The pages are the app's GET routes left out of the OpenAPI schema (the HTML
routes), enumerated from the app itself, so a new page is swept without
being listed here. Who may see a page comes from the role matrix
(:data:`tests.hostile.matrix.ALLOWED`): a county role visits every page the
matrix lets it through in ``COUNTY``; the city office visits the city's own
pages and its view of the counties. Each visit must answer 200, and the page
must be Chinese (no English word in what a person reads), with no console
error and no failed request (a missing stylesheet, script or favicon). A
screenshot of every visit is kept under ``var/browser-screenshots/``.
"""

from __future__ import annotations

import re
import tempfile
from typing import Any

import pytest
from litestar.routes import HTTPRoute

from tests.browser.conftest import Anonymous, PageAs
from tests.browser.server import CITY, COUNTY, LOGIN_NAMES, ROLES, Served
from tests.hostile.matrix import ALLOWED

pytestmark = pytest.mark.browser

MATRIX_NAME = {
    "office_admin": "admin", "office_staff": "staff", "leading_group": "leading",
    "team_leader": "team", "team_deputy": "team", "team_member": "team",
    "unit_liaison": "unit", "receiving_liaison": "receiving",
    "city_supervisor": "supervisor",
}
"""The matrix's name for each county role of the suite."""

CITY_VIEW = re.compile(r"/counties|/elevated-cross/elevated/")
"""Routes of the city's view of its counties and of its elevated inspections (refused in
a county, so the matrix names no role for them): the city office sees them in the city."""

STANDS_FOR = {"/t/{tenant}/evaluation/lookback/{inspection_id}":
              {"inspection_id": "lookback_inspection_id"}}
"""Path parameters that name a particular kind of their object on a page (a lookback is
an inspection linked to an earlier one): the seeded id the sweep fills in instead."""

PUBLIC = {"/login", "/favicon.ico"}
"""Routes of nobody signed in, swept elsewhere: the login page by
``test_login_page_anonymous``, the icon by ``tests/browser/test_login.py::test_favicon``."""

EXTRA: list[tuple[str, str]] = [
    # the ledger of a unit liaison's own org (its desk links it)
    ("unit_liaison", "/t/{tenant}/ledger?org_id={org_id}"),
]
"""Pages a role reaches with a query the matrix does not describe."""


def _page_routes() -> list[str]:
    """The app's HTML GET routes (core and built-in plugins), as route templates."""
    from core.app import create_app
    from core.plugins import Plugins
    from core.settings import load_settings

    settings = load_settings({"XUNCHA_HOME": tempfile.mkdtemp(prefix="xuncha-routes-")})
    app = create_app(settings, Plugins(settings))
    paths = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if "GET" in handler.http_methods and not handler.include_in_schema \
                    and not route.path.startswith(("/static", "/schema")):
                paths.add(re.sub(r":\w+}", "}", route.path))
    return sorted(paths)


PAGES = _page_routes()


def _param(role: str, template: str) -> Any:
    return pytest.param(role, template, id=f"{role}:{template}")


def _visits() -> list[Any]:
    visits = []
    for template in PAGES:
        if template in PUBLIC:
            continue
        allowed = ALLOWED.get(f"GET {template}")
        assert allowed is not None, f"the role matrix does not know the page {template}"
        names = allowed.split()
        for role, short in MATRIX_NAME.items():
            if short in names:
                visits.append(_param(role, template))
        if "admin" in names or CITY_VIEW.search(template):
            visits.append(_param("city_office", template))
    visits += [_param(role, template) for role, template in EXTRA]
    return visits


def _path(template: str, role: str, served: Served) -> str:
    city = role == "city_office"
    ids = served.city_ids if city else served.ids
    values = {"tenant": CITY if city else COUNTY, "county": COUNTY, **ids}
    values.update({name: ids[key] for name, key in STANDS_FOR.get(template, {}).items()})

    def fill(match: re.Match[str]) -> str:
        assert match[1] in values, f"the sweep does not know the path parameter {match[1]}"
        return str(values[match[1]])

    return re.sub(r"\{(\w+)\}", fill, template)


_PICTURED: set[str] = set()


@pytest.mark.parametrize(("role", "template"), _visits())
def test_page_renders_clean_in_chinese(page_as: PageAs, served: Served,
                                       role: str, template: str) -> None:
    """The page opens for the role: 200, Chinese, no console error, no failed request."""
    visit = page_as(role)
    path = _path(template, role, served)
    response = visit.goto(path)
    if template not in _PICTURED:  # one screenshot a page (the first role's) keeps CI short
        _PICTURED.add(template)
        visit.screenshot(f"{role}{template}")
    assert response is not None
    assert response.status == 200, (path, response.status, visit.page.inner_text("main"))
    visit.assert_clean(LOGIN_NAMES)
    # The layout knows who is signed in, and the menu is the tenant's.
    assert ROLES[role].name in visit.page.inner_text("header")


def test_login_page_anonymous(anonymous: Anonymous) -> None:
    """The login page to a browser nobody signed in on: clean and Chinese."""
    visit = anonymous()
    response = visit.goto("/login")
    assert response is not None and response.status == 200
    visit.screenshot("anonymous-login")
    visit.assert_clean()


def test_every_page_is_swept() -> None:
    """The enumeration finds the core's and the plugins' pages (it is not empty by mistake)."""
    assert {"/t/{tenant}/rounds", "/t/{tenant}/inspections/{inspection_id}", "/login",
            "/t/{tenant}/coverage", "/t/{tenant}/directives"} <= set(PAGES)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_menu_link_opens(page_as: PageAs, served: Served, role: str) -> None:
    """Where the index lands a person, each link of the menu opens for them (200)."""
    visit = page_as(role)
    landing = visit.goto("/")
    assert landing is not None
    links = visit.page.locator("header nav.menu a").evaluate_all(
        "links => links.map(a => [a.textContent.trim(), a.getAttribute('href')])")
    refused = []
    for label, href in links:
        response = visit.goto(href)
        assert response is not None
        if response.status != 200:
            refused.append(f"{label} {href}: {response.status}")
    assert not refused, refused
    assert landing.status == 200 and links, (visit.page.url, landing.status)


def test_people_are_shown_by_name(page_as: PageAs, served: Served) -> None:
    """The inspection and paper pages name people, not their login names."""
    visit = page_as("office_admin")
    for path in (f"/t/{COUNTY}/inspections/{served.ids['inspection_id']}",
                 f"/t/{COUNTY}/papers/{served.ids['paper_id']}"):
        visit.goto(path)
        visit.assert_clean()


def test_a_missing_page_knows_who_is_signed_in(page_as: PageAs) -> None:
    """A path that is no page: 404 in Chinese, the layout still showing the person."""
    visit = page_as("office_staff")
    visit.watch.expected_status.add(404)
    response = visit.goto(f"/t/{COUNTY}/no-such-page")
    assert response is not None and response.status == 404
    visit.screenshot("office_staff-404", full_page=False)
    visit.assert_clean(LOGIN_NAMES)
    assert ROLES["office_staff"].name in visit.page.inner_text("header")
