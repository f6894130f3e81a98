"""The browser suite: Playwright driving Debian's Chromium against a real ``xuncha serve``.

The browser is the system's (``/usr/bin/chromium``, ``apt-get install
chromium``; ``XUNCHA_CHROMIUM`` names another), launched by path: no browser
is downloaded. Without it (or without the ``playwright`` package) the suite
is skipped with a loud banner at the start and the end of the run, and
``XUNCHA_REQUIRE_BROWSER=1`` (set by ``.ci/run``) makes that a failure. The
suite runs on the backend named by ``XUNCHA_BROWSER_DB`` (``sqlite`` by
default): under another ``XUNCHA_TEST_DB`` it is skipped quietly, so
``make test`` runs it once.

Fixtures for tests: ``served`` (the deployment, :mod:`tests.browser.server`),
``page_as(role)`` (a :class:`Visit`: a fresh page of a person of that role,
signed in through the real login page, watching console and network), and
``anonymous()`` (a page signed in as nobody). :func:`fill_form` and
:func:`submit_form` work any form by its field names.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.checks import PageWatch, assert_clean
from tests.browser.server import PASSWORD, ROLES, Account, Served, serve
from tests.conftest import BACKEND, REPO

__all__ = ["SCREENSHOTS", "Anonymous", "PageAs", "Visit", "chromium_path", "field_errors",
           "fill_form", "sign_in", "submit_form"]

SCREENSHOTS = REPO / "var" / "browser-screenshots"
"""Where the suite keeps its screenshots (an artefact of the run, gitignored)."""
BROWSER_DB = os.environ.get("XUNCHA_BROWSER_DB", "sqlite")
BANNER = "!" * 72


def chromium_path() -> str | None:
    """The system Chromium: ``XUNCHA_CHROMIUM``, else ``chromium`` on the PATH."""
    named = os.environ.get("XUNCHA_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _unavailable() -> str | None:
    """Why the browser suite cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"the playwright package is missing ({exc}; pip install -e '.[dev]')"
    if chromium_path() is None:
        return "Chromium is not installed (apt-get install -y chromium)"
    return None


_SKIPPED: list[str] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items:
        return
    if BACKEND != BROWSER_DB:
        skip = pytest.mark.skip(reason=f"the browser suite runs on {BROWSER_DB} only "
                                       f"(XUNCHA_BROWSER_DB)")
        for item in browser_items:
            item.add_marker(skip)
        return
    reason = _unavailable()
    if reason is None:
        return
    message = (f"\n{BANNER}\n!!! 浏览器测试套件已跳过 (browser suite SKIPPED: {reason})\n"
               f"{BANNER}\n")
    if os.environ.get("XUNCHA_REQUIRE_BROWSER") == "1":
        pytest.exit(message + "XUNCHA_REQUIRE_BROWSER=1: failing.", returncode=3)
    _SKIPPED.append(message)
    config.get_terminal_writer().line(message, red=True, bold=True)
    skip = pytest.mark.skip(reason=f"browser suite skipped: {reason}")
    for item in browser_items:
        item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for message in _SKIPPED:
        terminalreporter.write_line(message, red=True, bold=True)


@pytest.fixture(scope="package")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The deployment: ``xuncha serve`` with the demo data and one account per role."""
    with serve(tmp_path_factory.mktemp("browser")) as deployment:
        yield deployment
    # A 500 the pages missed (or an error outside any request) shows in the log.
    errors = [line for line in deployment.log.read_text(errors="replace").splitlines()
              if "unhandled error" in line or "Traceback" in line]
    assert not errors, "\n".join(errors[:20])


@pytest.fixture(scope="package")
def browser(served: Served) -> Iterator[Any]:
    """The system Chromium, headless, English-speaking (so an untranslated browser
    message would show as English). Started after the deployment and stopped before it:
    the sync Playwright API runs an event loop in this thread, where the database setup
    and teardown (``asyncio.run``) would be refused; so both live only as long as this
    package's tests, and the asynchronous tests of the other packages run after it stops."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(),
                                              args=["--lang=en-US"])
        yield instance
        instance.close()


def sign_in(page: Any, url: str, account: Account, password: str = PASSWORD) -> None:
    """Sign ``account`` in through the login page (the one shown, or ``/login``); fails
    unless it lands signed in."""
    if not page.url.startswith(f"{url}/login"):
        page.goto(f"{url}/login")
    page.fill("input[name=username]", account.username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    assert "/login" not in page.url, (account.username, page.url, page.inner_text("main"))
    assert page.locator("header form.account button", has_text="退出").count() == 1


@dataclass
class Visit:
    """A page of one person: the Playwright page, its watch and the deployment."""

    page: Any
    watch: PageWatch
    served: Served
    account: Account | None

    def goto(self, path: str) -> Any:
        """Open ``path`` of the deployment; returns the main response."""
        return self.page.goto(self.served.url + path)

    def assert_clean(self, allowed: tuple[str, ...] = ()) -> None:
        """Chinese, with no console error and no failed request (see ``checks``)."""
        assert_clean(self.page, self.watch, allowed)

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        """Keep a screenshot under ``var/browser-screenshots/<name>.png``."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / (re.sub(r"[^\w.-]+", "_", name).strip("_") + ".png")
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


PageAs = Callable[..., Visit]
"""The type of the ``page_as`` fixture."""
Anonymous = Callable[[], Visit]
"""The type of the ``anonymous`` fixture."""

_STATES: dict[str, Any] = {}


def _context(browser: Any, served: Served, role: str | None, javascript: bool = True) -> Any:
    """A new browser context, signed in as ``role`` (through the login page once per
    role per run; later contexts reuse its cookies)."""
    options = {"locale": "en-US", "viewport": {"width": 1280, "height": 900},
               "java_script_enabled": javascript}
    if role is None:
        return browser.new_context(**options)
    if role not in _STATES:
        context = browser.new_context(**{**options, "java_script_enabled": True})
        sign_in(context.new_page(), served.url, ROLES[role])
        _STATES[role] = context.storage_state()
        context.close()
    return browser.new_context(storage_state=_STATES[role], **options)


@pytest.fixture
def page_as(browser: Any, served: Served) -> Iterator[Callable[..., Visit]]:
    """``page_as(role, javascript=True)``: a fresh page signed in as the suite's person of
    ``role`` (a key of :data:`tests.browser.server.ROLES`), its console and network
    watched; ``javascript=False`` browses with scripts off (plain forms, no htmx). Its
    session is shared by every ``page_as`` of the role in the run: a test that signs out
    or signs in again uses ``anonymous()`` and :func:`sign_in` instead."""
    contexts: list[Any] = []

    def make(role: str, javascript: bool = True) -> Visit:
        context = _context(browser, served, role, javascript)
        contexts.append(context)
        page = context.new_page()
        return Visit(page, PageWatch().attach(page), served, ROLES[role])

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def anonymous(browser: Any, served: Served) -> Iterator[Callable[[], Visit]]:
    """``anonymous()``: a fresh page of a browser nobody signed in on."""
    contexts: list[Any] = []

    def make() -> Visit:
        context = _context(browser, served, None)
        contexts.append(context)
        page = context.new_page()
        return Visit(page, PageWatch().attach(page), served, None)

    yield make
    for context in contexts:
        context.close()


def fill_form(form: Any, values: dict[str, Any]) -> None:
    """Fill the fields of ``form`` (a locator) by name: text, date, number and textarea
    get the value, a select picks it by value (or by label), a checkbox is set to its
    truth, a file input gets the path(s)."""
    for name, value in values.items():
        field = form.locator(f"[name='{name}']")
        assert field.count() >= 1, f"the form has no field {name!r}"
        first = field.first
        tag = first.evaluate("el => el.tagName.toLowerCase()")
        kind = (first.get_attribute("type") or "").lower()
        if tag == "select":
            values_of = first.evaluate("el => Array.from(el.options).map(o => o.value)")
            wanted = value if isinstance(value, list) else [value]
            if all(str(v) in values_of for v in wanted):
                first.select_option([str(v) for v in wanted])
            else:
                first.select_option(label=[str(v) for v in wanted])
        elif kind == "checkbox":
            first.set_checked(bool(value))
        elif kind == "file":
            first.set_input_files(value)
        else:
            first.fill(str(value))


def submit_form(page: Any, form: Any, *, expect_status: int | None = None) -> Any:
    """Submit ``form`` with its submit button (htmx or plain) and wait for the answer
    to its POST (and for htmx to settle); returns that response."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.locator("button[type=submit], input[type=submit]").first.click()
    response = answer.value
    if expect_status is not None:
        assert response.status == expect_status, (response.url, response.status)
    page.wait_for_load_state("load")
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")
    return response


def field_errors(form: Any, name: str) -> list[str]:
    """The refusals shown beside field ``name`` of ``form`` (``forms.html``: the
    ``.field-error`` lines of the field's ``.field`` box, which is marked ``invalid``
    and its control ``aria-invalid``); empty when the field is not refused."""
    box = form.locator(".field", has=form.page.locator(f"[name='{name}']"))
    if box.count() == 0:
        return []
    messages = [m.strip() for m in box.first.locator(".field-error").all_inner_texts()]
    if messages:
        assert "invalid" in (box.first.get_attribute("class") or "").split()
        control = box.first.locator(f"[name='{name}']").first
        assert control.get_attribute("aria-invalid") == "true"
    return messages
