"""A file named .pdf must be a PDF from its first byte, and no HTML in disguise.

Browsers sniff: an HTML page carrying ``%PDF-`` somewhere in its first
kilobyte used to pass the check, and would run as a page if ever served
inline. The PDF magic must open the file and HTML markers in the head
refuse it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar import Litestar

from core.db import Database
from core.inspection.attachments import content_matches
from tests.inspection.paper_steps import Client, workspace
from tests.inspection.test_attachments import PDF, _paper, _upload

DISGUISED = [
    b"<html><body><script>alert(document.cookie)</script>%PDF-1.4</body></html>",
    b"\n\n<!-- %PDF-1.7 -->\n<!DOCTYPE html><p>x</p>",
    b"%PDF-1.4\n<script>alert(1)</script>\n%%EOF\n",
    b"%PDF-1.4\n<HTML><IMG SRC=x onerror=alert(1)>",
    b"%PDF-1.4\n<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"   %PDF-1.4\n%%EOF\n",
]


@pytest.mark.parametrize("content", DISGUISED)
def test_html_with_a_pdf_marker_is_no_pdf(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(content)
    assert not content_matches(path, "pdf")


def test_a_real_pdf_still_passes(tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(PDF + b"stream\n<binary \x00\xff html-free>\nendstream\n")
    assert content_matches(path, "pdf")


async def test_the_upload_refuses_html_named_pdf(client: Client, app: Litestar,
                                                 database: Database,
                                                 tenant_ids: dict[str, int]) -> None:
    ws = await workspace(database, tenant_ids)
    paper = await _paper(client, app, ws, "FJ-HTML")
    response = await _upload(client, paper, "报告.pdf", DISGUISED[0], "application/pdf")
    assert response.status_code == 415, response.text
    assert "不是有效的PDF文件" in response.json()["message"]
