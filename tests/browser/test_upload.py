"""A paper with evidence, with JavaScript off: the plain new-paper form, then the plain
multipart upload, whose CSRF token travels in the form's action (its body is not read by
the CSRF check), each answered by a redirect to the paper page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import PageAs, fill_form, submit_form
from tests.browser.server import COUNTY, LOGIN_NAMES, Served

pytestmark = pytest.mark.browser


def test_a_member_writes_a_paper_and_uploads_evidence_without_javascript(
    page_as: PageAs, served: Served, tmp_path: Path
) -> None:
    visit = page_as("team_member", javascript=False)
    page = visit.page
    visit.goto(f"/t/{COUNTY}/inspections/{served.ids['onsite_inspection_id']}/papers/new")
    form = page.locator("#paper-new form")
    org = form.locator("select[name=org_id] option[value]:not([value=''])").first
    fill_form(form, {"number": "无脚本-001", "title": "食堂采购未执行询价",
                     "paper_date": form.locator("[name=paper_date]").get_attribute("max"),
                     "org_id": org.get_attribute("value"), "source": "documents",
                     "summary": "2025 年食堂采购 12 笔未见询价记录。",
                     "materials": "采购凭证\n询价记录"})
    created = submit_form(page, form)
    assert created.status == 303 and created.request.headers.get("hx-request") is None
    assert "/papers/" in page.url and "食堂采购未执行询价" in page.inner_text("main")

    evidence = tmp_path / "走访记录.txt"
    evidence.write_text("2026 年 3 月走访食堂，负责人称未询价。", encoding="utf-8")
    upload = page.locator("#paper-upload form")
    assert "?_csrf=" in (upload.get_attribute("action") or "")
    fill_form(upload, {"file": str(evidence)})
    answer = submit_form(page, upload)
    assert answer.status == 303, answer.status  # not refused by the CSRF check (403)
    assert answer.request.headers["content-type"].startswith("multipart/form-data")
    assert page.url.endswith("#attachments")
    attachments = page.inner_text("#attachments")
    assert "附件（1 个）" in attachments and "走访记录.txt" in attachments
    visit.screenshot("paper-upload-no-javascript")
    visit.assert_clean(LOGIN_NAMES)
