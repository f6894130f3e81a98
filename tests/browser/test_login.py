"""Signing in and out, and moving between tenants, in Chromium."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.browser.conftest import Anonymous, PageAs, sign_in
from tests.browser.server import CITY, COUNTY, LOGIN_NAMES, PASSWORD, ROLES, Served

pytestmark = pytest.mark.browser


def test_a_page_sends_a_stranger_to_the_login_and_back(anonymous: Anonymous,
                                                       served: Served) -> None:
    """An anonymous browser opening a page is sent to the login page; once signed in,
    back to that page."""
    visit = anonymous()
    wanted = f"/t/{COUNTY}/rounds"
    visit.goto(wanted)
    assert visit.page.url == f"{served.url}/login?next={quote(wanted, safe='')}"
    visit.assert_clean()
    assert visit.page.title().startswith("登录")
    sign_in(visit.page, served.url, ROLES["office_staff"])
    assert visit.page.url == served.url + wanted
    assert visit.page.locator("h1").first.inner_text().strip() == "巡察轮次"
    visit.assert_clean(LOGIN_NAMES)


def test_a_wrong_password_is_refused_in_chinese(anonymous: Anonymous) -> None:
    """A wrong password: 401, the login page again with a Chinese reason and the
    username kept; the password field is empty."""
    visit = anonymous()
    visit.goto("/login")
    visit.watch.expected_status.add(401)
    visit.page.fill("input[name=username]", ROLES["office_admin"].username)
    visit.page.fill("input[name=password]", "Not-the-password-1")
    with visit.page.expect_navigation() as answer:
        visit.page.click("form[action='/login'] button[type=submit]")
    assert answer.value is not None and answer.value.status == 401
    alert = visit.page.locator("[role=alert]").first.inner_text()
    assert "用户名或密码" in alert, alert
    assert visit.page.input_value("input[name=username]") == ROLES["office_admin"].username
    assert visit.page.input_value("input[name=password]") == ""
    visit.screenshot("login-refused", full_page=False)
    visit.assert_clean(LOGIN_NAMES)


def test_the_empty_login_form_is_stopped_by_the_browser_in_chinese(
        anonymous: Anonymous) -> None:
    """Submitting the login form empty: the browser stops it, its validity message
    (the bubble) is Chinese although the browser speaks English."""
    visit = anonymous()
    visit.goto("/login")
    before = visit.page.url
    visit.page.click("form[action='/login'] button[type=submit]")
    username = visit.page.locator("input[name=username]")
    assert username.evaluate("el => el.validationMessage") == "此项必填"
    assert visit.page.url == before
    # Typing clears the message; the still-empty password then has its own.
    username.fill("someone")
    assert username.evaluate("el => el.validationMessage") == ""
    visit.page.click("form[action='/login'] button[type=submit]")
    password = visit.page.locator("input[name=password]")
    assert password.evaluate("el => el.validationMessage") == "此项必填"
    visit.assert_clean()


def test_sign_out(anonymous: Anonymous, served: Served) -> None:
    """退出 ends the session: the login page, and pages send to it again. (A session of
    its own: ``page_as`` shares one session per role across tests.)"""
    visit = anonymous()
    sign_in(visit.page, served.url, ROLES["office_admin"])
    visit.goto(f"/t/{COUNTY}/")
    with visit.page.expect_navigation():
        visit.page.click("header form.account button")
    assert visit.page.url == f"{served.url}/login"
    visit.goto(f"/t/{COUNTY}/ledger")
    assert visit.page.url.startswith(f"{served.url}/login?next=")
    visit.assert_clean()


def test_the_tenant_switcher_moves_to_another_tenant(page_as: PageAs,
                                                    served: Served) -> None:
    """The city office, also city supervisor of a county, picks the county in the
    switcher: the county's home opens, the switcher shows it, the menu is the county's."""
    visit = page_as("city_office")
    visit.goto(f"/t/{CITY}/")
    switcher = visit.page.locator("#tenant-switcher")
    assert switcher.evaluate("el => el.options[el.selectedIndex].text").strip() == "郑州市委巡察办"
    with visit.page.expect_navigation():
        switcher.select_option(COUNTY)
    assert visit.page.url == f"{served.url}/t/{COUNTY}/"
    assert visit.page.locator("h1").first.inner_text().startswith("中牟县委巡察办")
    assert switcher.input_value() == COUNTY
    menu = visit.page.locator("header nav.menu a")
    assert all(f"/t/{COUNTY}/" in (menu.nth(i).get_attribute("href") or "")
               for i in range(menu.count()))
    visit.screenshot("tenant-switched", full_page=False)
    visit.assert_clean()


def test_the_switcher_offers_only_tenants_the_person_may_enter(
        page_as: PageAs) -> None:
    """Each tenant the county office admin's switcher offers opens for it."""
    visit = page_as("office_admin")
    visit.goto(f"/t/{COUNTY}/")
    offered = visit.page.locator("#tenant-switcher option").evaluate_all(
        "options => options.map(o => o.value)")
    assert offered == [COUNTY]


def test_a_second_sign_in_replaces_the_first(anonymous: Anonymous,
                                             served: Served) -> None:
    """Signing in as someone else in the same browser switches the account."""
    visit = anonymous()
    sign_in(visit.page, served.url, ROLES["office_staff"])
    visit.goto("/login")
    assert "当前已登录为" in visit.page.inner_text("main")
    sign_in(visit.page, served.url, ROLES["leading_group"], PASSWORD)
    assert ROLES["leading_group"].name in visit.page.inner_text("header")
    visit.assert_clean(LOGIN_NAMES)


def test_favicon(anonymous: Anonymous) -> None:
    """The site has an icon where browsers look for it."""
    visit = anonymous()
    answer = visit.page.request.get(visit.served.url + "/favicon.ico")
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("image/")
