"""The working paper's sign-off in Chromium, by the team's own people: the deputy
reviews, the leader signs (htmx swaps the sign-off box), a member is refused.

The paper is the first draft of the seeded inspection still on site, whose team
the suite's leader, deputy and member sit on (:mod:`tests.browser.server`).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PageAs
from tests.browser.server import COUNTY, LOGIN_NAMES, ROLES, Served

pytestmark = pytest.mark.browser

REVIEW = "#signoff button[formaction$='/review']"
SIGN = "#signoff button[formaction$='/sign']"


def _path(served: Served) -> str:
    return f"/t/{COUNTY}/papers/{served.ids['draft_paper_id']}"


def _press(page: Any, button: str) -> Any:
    """Click a sign-off button (htmx posts it) and wait for its answer and the swap."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator(button).click()
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")
    return answer.value


def test_a_member_may_not_review(page_as: PageAs, served: Served) -> None:
    """A team member sees the draft and, before any submit, why the review is not theirs:
    the button is off and the reason is written beside it in Chinese."""
    visit = page_as("team_member")
    visit.goto(_path(served))
    visit.assert_clean(LOGIN_NAMES)
    assert visit.page.locator(REVIEW).is_disabled()
    assert visit.page.locator(SIGN).is_disabled()
    reason = visit.page.inner_text("#why-review")
    assert "不能审核" in reason and "副组长或组长" in reason
    assert "待审核" in visit.page.inner_text("#signoff")


def test_the_deputy_reviews_and_the_leader_signs(page_as: PageAs, served: Served) -> None:
    """Review then signature, each swapped in by htmx with its notice and the person
    shown in the chain; the sign button is off until the paper is reviewed."""
    leader = page_as("team_leader")
    leader.goto(_path(served))
    # Before the review the leader's button is off: the rule shows before any submit.
    assert leader.page.locator(SIGN).is_disabled()

    deputy = page_as("team_deputy")
    deputy.goto(_path(served))
    deputy.page.fill("#signoff input[name=remark]", "材料齐全，同意")
    answer = _press(deputy.page, REVIEW)
    assert answer.status == 200 and answer.request.headers.get("hx-request") == "true"
    box = deputy.page.inner_text("#signoff")
    assert "副组长已审核本底稿。" in box and ROLES["team_deputy"].name in box
    deputy.screenshot("paper-reviewed", full_page=False)
    deputy.assert_clean(LOGIN_NAMES)

    leader.goto(_path(served))
    assert _press(leader.page, SIGN).status == 200
    box = leader.page.inner_text("#signoff")
    assert "组长已签字，底稿内容已冻结。" in box and ROLES["team_leader"].name in box
    assert leader.page.locator(REVIEW).count() == 0  # signed: no more sign-off buttons
    leader.screenshot("paper-signed", full_page=False)
    leader.assert_clean(LOGIN_NAMES)
