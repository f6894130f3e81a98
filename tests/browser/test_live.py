"""City pages that stay current: htmx polls their live part every 10 s while the tab is
visible, sends nothing while it is hidden, and refreshes once when it is shown again,
revalidating with its ETag (the server answers 304 while nothing changed).

The page's clock is Playwright's (``page.clock``): ten seconds pass when the test says
so. Whether the tab is hidden is the test's too (``document.hidden`` is redefined before
the page's scripts run, and ``visibilitychange`` sent as the browser would).
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import PageAs
from tests.browser.server import CITY, LOGIN_NAMES, Served

pytestmark = pytest.mark.browser

_HIDDEN = """Object.defineProperty(document, "hidden", {configurable: true,
                                                  get: () => window.__hidden === true});
window.__polls = {asked: 0, sent: 0};
document.addEventListener("htmx:confirm", () => { window.__polls.asked += 1; });
document.addEventListener("htmx:beforeRequest", () => { window.__polls.sent += 1; });"""
_SET_HIDDEN = """(hidden) => { window.__hidden = hidden;
                                document.dispatchEvent(new Event("visibilitychange")); }"""


@pytest.mark.parametrize(("path", "part"), [("/counties", "#counties-live"),
                                            ("/coverage/counties", "#rollup-live")])
def test_a_hidden_tab_does_not_poll_and_refreshes_when_shown(
    page_as: PageAs, served: Served, path: str, part: str
) -> None:
    visit = page_as("city_office")
    page = visit.page
    page.add_init_script(_HIDDEN)
    page.clock.install()
    url = f"/t/{CITY}{path}"
    visit.goto(url)
    assert page.locator(part).get_attribute("hx-trigger") == \
        "every 10s, page-visible from:document"

    def is_poll(request: object) -> bool:
        return (getattr(request, "url", "").endswith(url)
                and getattr(request, "headers", {}).get("hx-request") == "true")

    # Visible: ten seconds bring a poll.
    with page.expect_request(is_poll) as first:
        page.clock.run_for(10_500)
    polled = first.value.response()
    assert polled is not None and polled.status in (200, 304)
    # Hidden: the timer still fires, but htmx is told not to send.
    page.evaluate(_SET_HIDDEN, True)
    before = page.evaluate("() => ({...window.__polls})")
    page.clock.run_for(35_000)
    after = page.evaluate("() => ({...window.__polls})")
    assert after["asked"] >= before["asked"] + 3, (before, after)
    assert after["sent"] == before["sent"], (before, after)
    # Shown again: one refresh at once, before the next tick, revalidated with its ETag.
    with page.expect_request(is_poll) as shown:
        page.evaluate(_SET_HIDDEN, False)
    refreshed = shown.value
    # The browser asks with the ETag of the copy it holds and the server confirms it
    # (304; Chromium then reports its cached copy as 200).
    answer = refreshed.response()
    assert answer is not None and answer.status in (200, 304)
    assert refreshed.all_headers()["if-none-match"] == answer.all_headers()["etag"]
    assert page.evaluate("() => window.__polls.sent") == after["sent"] + 1
    assert page.locator(part).count() == 1
    visit.assert_clean(LOGIN_NAMES)
