"""Forms in Chromium: a refusal comes back in Chinese inside the form, swapped in by
htmx with its 4xx status, or as the whole page when scripts are off; the browser's own
validity messages are Chinese.

The stage form of the inspection page is the example: the seeded inspection in
rectification cannot move to 报送整改报告 while no inspected org has sent its
rectification report, so the refusal changes nothing and the tests can repeat.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PageAs, fill_form, submit_form
from tests.browser.server import COUNTY, LOGIN_NAMES, Served

pytestmark = pytest.mark.browser

REFUSAL = "未报送整改报告"
"""The rule the stage service gives for the refused move."""


def _stage_form(served: Served) -> tuple[str, str]:
    path = f"/t/{COUNTY}/inspections/{served.ids['inspection_id']}"
    return path, f"form[action='{path}/stage']"


def test_a_refused_htmx_form_is_swapped_in_with_its_reason(page_as: PageAs,
                                                           served: Served) -> None:
    """htmx posts the stage form; the 409 answer is swapped in (not dropped), the
    Chinese reason shows inside the form, the choice is kept, the page stays."""
    visit = page_as("office_admin")
    path, selector = _stage_form(served)
    visit.goto(path)
    visit.watch.expected_status.add(409)
    form = visit.page.locator(selector)
    fill_form(form, {"to": "rectification_reported", "remark": "浏览器测试：尚缺整改报告"})
    stage_before = visit.page.locator("h1 .stage").inner_text()
    response = submit_form(visit.page, form, expect_status=409)
    assert response.request.headers.get("hx-request") == "true"
    assert visit.page.url == served.url + path
    form = visit.page.locator(selector)  # the swapped-in one
    alert = form.locator("[role=alert]").first
    assert alert.is_visible()
    assert REFUSAL in alert.inner_text()
    assert form.locator("select[name=to]").input_value() == "rectification_reported"
    assert form.locator("textarea[name=remark]").input_value() == "浏览器测试：尚缺整改报告"
    assert visit.page.locator("h1 .stage").inner_text() == stage_before
    # htmx's generic failure box stays hidden: the answer was handled, not an error.
    assert visit.page.locator(".htmx-failed:visible").count() == 0
    visit.screenshot("stage-form-refused")
    visit.assert_clean(LOGIN_NAMES)


def test_a_refused_plain_form_answers_the_page_with_its_reason(page_as: PageAs,
                                                               served: Served) -> None:
    """Scripts off: the same form posts as a plain form and the answer is the whole page
    with its 409 status and the Chinese reason in the form."""
    visit = page_as("office_admin", javascript=False)
    path, selector = _stage_form(served)
    visit.goto(path)
    visit.watch.expected_status.add(409)
    form = visit.page.locator(selector)
    fill_form(form, {"to": "rectification_reported"})
    with visit.page.expect_navigation() as answer:
        form.locator("button[type=submit]").click()
    assert answer.value is not None and answer.value.status == 409
    assert answer.value.request.headers.get("hx-request") is None
    form = visit.page.locator(selector)
    assert REFUSAL in form.locator("[role=alert]").first.inner_text()
    assert form.locator("select[name=to]").input_value() == "rectification_reported"
    visit.assert_clean(LOGIN_NAMES)


def test_a_role_without_the_right_is_refused_in_chinese(page_as: PageAs,
                                                        served: Served) -> None:
    """The leading group reads the inspection but may not move it: no stage form is
    offered to it, or a post is refused with a Chinese 403 it can see (today the form is
    offered, and htmx shows the form's generic failure box with the status)."""
    visit = page_as("leading_group")
    path, selector = _stage_form(served)
    visit.goto(path)
    visit.assert_clean(LOGIN_NAMES)
    form = visit.page.locator(selector)
    if form.count() == 0:
        return
    visit.watch.expected_status.add(403)
    fill_form(form, {"to": "rectification_reported"})
    response = submit_form(visit.page, form)
    assert response.status == 403
    shown = visit.page.locator(f"{selector} [role=alert]:visible")
    assert shown.count() and re.search(r"无权|提交未成功", shown.first.inner_text())
    visit.assert_clean(LOGIN_NAMES)


def test_the_browser_validity_message_of_a_form_is_chinese(page_as: PageAs,
                                                          served: Served) -> None:
    """The stage form submitted with no stage chosen is stopped by the browser, and its
    validity message is Chinese although the browser speaks English."""
    visit = page_as("office_staff")
    path, selector = _stage_form(served)
    visit.goto(path)
    form = visit.page.locator(selector)
    select = form.locator("select[name=to]")
    select.evaluate("el => { el.selectedIndex = -1; }")
    form.locator("button[type=submit]").click()
    assert select.evaluate("el => el.validationMessage") == "请选择此项"
    assert visit.page.url == served.url + path
    visit.assert_clean(LOGIN_NAMES)
