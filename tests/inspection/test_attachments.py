"""Attachments: stored once by SHA-256, size limit, type check by content, audited download."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import docx
import openpyxl
import pytest
from litestar import Litestar

from core.db import Database
from core.errors import Invalid
from core.inspection.attachments import sanitize_filename
from core.inspection.tables import Attachment
from tests.inspection.paper_steps import (
    Client,
    audit_entries,
    paper_body,
    set_stage,
    workspace,
)
from tests.inspection.seed import seed_inspection

T = "/t/ta.one/api"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _home(app: Litestar) -> Path:
    return Path(app.state.runtime.settings.home) / "attachments" / "ta.one"


def _stored_files(app: Litestar) -> list[Path]:
    """Every file under the county's attachment folder (temporary ones included)."""
    folder = _home(app)
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


async def _paper(client: Client, app: Litestar, ws: dict[str, Any], number: str) -> int:
    response = await client.post(f"{T}/inspections/{ws['inspection_id']}/papers",
                                 json=paper_body(app, ws["org_id"], number))
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _upload(client: Client, paper_id: int, name: str, content: bytes,
                  media_type: str = "application/octet-stream") -> Any:
    return await client.post(f"{T}/papers/{paper_id}/attachments",
                             files={"file": (name, content, media_type)})


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("谈话笔录")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["凭证号", "金额"])  # type: ignore[union-attr]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip(member: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(member, "内容")
    return out.getvalue()


async def test_upload_store_once_and_download(client: Client, app: Litestar, database: Database,
                                              tenant_ids: dict[str, int]) -> None:
    ws = await workspace(database, tenant_ids)
    first, second = (await _paper(client, app, ws, "FJ-001"),
                     await _paper(client, app, ws, "FJ-002"))
    content = PDF + f"唯一内容 {datetime.now(UTC).isoformat()}".encode()
    sha = hashlib.sha256(content).hexdigest()
    response = await _upload(client, first, "财务凭证（2025）.pdf", content)
    assert response.status_code == 201, response.text
    attachment = response.json()
    assert attachment["sha256"] == sha and attachment["size"] == len(content)
    assert attachment["content_type"] == "application/pdf"
    assert attachment["filename"] == "财务凭证（2025）.pdf"
    assert (attachment["owner_type"], attachment["owner_id"]) == ("working_paper", first)
    target = _home(app) / sha[:2] / sha
    assert target.read_bytes() == content

    again = await _upload(client, second, "同一文件.pdf", content)
    assert again.status_code == 201, again.text
    assert again.json()["sha256"] == sha and again.json()["id"] != attachment["id"]
    assert [p for p in _stored_files(app) if p.name == sha] == [target]
    assert not [p for p in _stored_files(app) if p.name.startswith(".upload-")]
    duplicate = await _upload(client, first, "重复.pdf", content)
    assert duplicate.status_code == 409 and "已作为附件上传" in duplicate.json()["message"]

    detail = (await client.get(f"{T}/papers/{first}")).json()
    assert [a["id"] for a in detail["attachments"]] == [attachment["id"]]

    before = len(await audit_entries(database, tenant_ids, "attachment.read", attachment["id"]))
    download = await client.get(f"{T}/attachments/{attachment['id']}")
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"].startswith("application/pdf")
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('财务凭证（2025）.pdf', safe='')}" in disposition
    reads = await audit_entries(database, tenant_ids, "attachment.read", attachment["id"])
    assert len(reads) == before + 1
    assert reads[-1]["detail"]["owner_id"] == first
    created = await audit_entries(database, tenant_ids, "attachment.create", attachment["id"])
    assert created[0]["detail"]["sha256"] == sha


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("谈话笔录.docx", _docx()),
        ("台账.xlsx", _xlsx()),
        ("旧格式.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
        ("现场照片.JPG", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 100),
        ("截图.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
        ("说明.txt", "情况说明：已核实。\n".encode()),
        ("版式.ofd", _zip("OFD.xml")),
        ("材料.zip", _zip("any/thing.txt")),
    ],
)
async def test_accepted_types(client: Client, app: Litestar, database: Database,
                              tenant_ids: dict[str, int], name: str, content: bytes) -> None:
    ws = await workspace(database, tenant_ids)
    paper = await _paper(client, app, ws, "FJ-TYPE")
    response = await _upload(client, paper, name, content)
    assert response.status_code == 201, response.text
    assert response.json()["size"] == len(content)


@pytest.mark.parametrize(
    ("name", "content", "text"),
    [
        ("伪装.pdf", b"MZ\x90\x00 this is a program", "不是有效的PDF文件"),
        ("伪装.docx", _zip("other.xml"), "不是有效的Word文件"),
        ("伪装.xlsx", _docx(), "不是有效的Excel文件"),
        ("伪装.png", b"\xff\xd8\xff\xe0 jpeg bytes", "不是有效的PNG 图片文件"),
        ("gbk.txt", "国标编码".encode("gbk"), "不是有效的UTF-8 文本文件"),
        ("binary.txt", b"abc\x00def", "不是有效的UTF-8 文本文件"),
        ("伪装.zip", b"PK\x03\x04 truncated", "不是有效的ZIP 压缩包文件"),
        ("程序.exe", b"MZ\x90\x00", "不支持的附件类型 .exe"),
        ("网页.html", b"<script>alert(1)</script>", "不支持的附件类型 .html"),
        ("无扩展名", PDF, "不支持的附件类型（无扩展名）"),
    ],
)
async def test_wrong_types_are_415_and_store_nothing(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int], name: str,
    content: bytes, text: str,
) -> None:
    ws = await workspace(database, tenant_ids)
    paper = await _paper(client, app, ws, "FJ-BAD")
    files_before = set(_stored_files(app))
    response = await _upload(client, paper, name, content, "application/pdf")
    assert response.status_code == 415, response.text
    body = response.json()
    assert text in body["message"] and body["errors"][0]["field"] == "file"
    assert await database.tenant(tenant_ids["ta.one"]).count(
        Attachment, {"owner_type": "working_paper", "owner_id": paper}) == 0
    assert set(_stored_files(app)) == files_before


@asynccontextmanager
async def attachment_limit(app: Litestar, database: Database, tenant_id: int,
                           megabytes: float) -> AsyncIterator[None]:
    """The county's ``attachment_max_mb`` set to ``megabytes`` for the block."""
    mark = database.dialect.mark
    rows = await database.fetch(f'SELECT "settings" FROM "tenant" WHERE "id" = {mark(1)}',
                                [tenant_id])
    original = rows[0]["settings"]
    original = json.loads(original) if isinstance(original, str) else original

    async def put(settings: dict[str, Any]) -> None:
        async with database.transaction():
            await database.fetch(
                f'UPDATE "tenant" SET "settings" = {mark(1)}, "updated_at" = {mark(2)} '
                f'WHERE "id" = {mark(3)}',
                [json.dumps(settings), datetime.now(UTC), tenant_id])
        # The app runs on the test client's event loop: let its next request see the
        # change (the registry reloads when the tenant table's stamp moved).
        app.state.runtime.tenants.invalidate()

    await put({**original, "attachment_max_mb": megabytes})
    try:
        yield
    finally:
        await put(original)


async def test_size_limit_is_the_tenant_setting(client: Client, app: Litestar,
                                                database: Database,
                                                tenant_ids: dict[str, int]) -> None:
    ws = await workspace(database, tenant_ids)
    paper = await _paper(client, app, ws, "FJ-SIZE")
    limit = int(0.01 * 1024 * 1024)
    files_before = set(_stored_files(app))
    async with attachment_limit(app, database, tenant_ids["ta.one"], 0.01):
        over = await _upload(client, paper, "超限.txt", b"a" * (limit + 1))
        assert over.status_code == 413, over.text
        assert over.json()["message"] == "输入有误：file：附件大小超过上限 0.01 MB"
        announced = await _upload(client, paper, "大文件.txt", b"a" * (limit * 20))
        assert announced.status_code == 413 and "0.01 MB" in announced.json()["message"]

        boundary = "xunchaboundary"
        payload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                   f"filename=\"chunked.txt\"\r\nContent-Type: text/plain\r\n\r\n").encode()
        payload += b"b" * (limit * 20) + f"\r\n--{boundary}--\r\n".encode()

        request = client.build_request(
            "POST", f"{T}/papers/{paper}/attachments", content=payload,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        del request.headers["Content-Length"]  # counted while streaming instead
        streamed = await client.send(request)
        assert streamed.status_code == 413, streamed.text
        assert "附件大小超过上限 0.01 MB" in streamed.json()["message"]
        assert set(_stored_files(app)) == files_before
        exact = await _upload(client, paper, "刚好.txt", b"c" * limit)
        assert exact.status_code == 201, exact.text
    # Back to the default (50 MB): the same large file is accepted.
    big = await _upload(client, paper, "大文件.txt", b"a" * (limit * 20))
    assert big.status_code == 201, big.text
    assert await database.tenant(tenant_ids["ta.one"]).count(
        Attachment, {"owner_type": "working_paper", "owner_id": paper}) == 2


async def test_filenames_are_sanitized(client: Client, app: Litestar, database: Database,
                                       tenant_ids: dict[str, int]) -> None:
    ws = await workspace(database, tenant_ids)
    paper = await _paper(client, app, ws, "FJ-NAME")
    sneaky = await _upload(client, paper, "../../etc/..\\证据.txt", b"x")
    assert sneaky.status_code == 201, sneaky.text
    assert sneaky.json()["filename"] == "证据.txt"
    long = await _upload(client, paper, "长" * 300 + ".txt", b"y")
    assert long.status_code == 201, long.text
    assert len(long.json()["filename"]) == 200 and long.json()["filename"].endswith("长.txt")
    assert sanitize_filename('a<b>:"c"|d?.pdf') == "a_b___c__d_.pdf"
    assert sanitize_filename("..\\证据\x07\u202e.txt ") == "证据.txt"
    with pytest.raises(Invalid):
        sanitize_filename("../..")


async def test_refusals(client: Client, app: Litestar, database: Database,
                        tenant_ids: dict[str, int]) -> None:
    ws = await workspace(database, tenant_ids)
    paper = await _paper(client, app, ws, "FJ-REF")
    no_file = await client.post(f"{T}/papers/{paper}/attachments", data={"note": "没有文件"},
                                files={"other": ("a.txt", b"x", "text/plain")})
    assert no_file.status_code == 400 and CHINESE.search(no_file.json()["message"])
    as_json = await client.post(f"{T}/papers/{paper}/attachments", json={"file": "a.pdf"})
    assert as_json.status_code == 400
    empty = await _upload(client, paper, "空.pdf", b"")
    assert empty.status_code == 400 and "空文件" in empty.json()["message"]
    missing = await _upload(client, 2147483000, "a.pdf", PDF)
    assert missing.status_code == 404 and missing.json()["message"] == "问题底稿不存在"
    await set_stage(database, tenant_ids, ws["inspection_id"], "feedback")
    late = await _upload(client, paper, "a.pdf", PDF)
    assert late.status_code == 409 and "不能上传底稿附件" in late.json()["message"]
    # A record whose file is not in the store (the seeded one) is a 404, not a 500.
    lost = await client.get(f"{T}/attachments/{ws['attachment_id']}")
    assert lost.status_code == 404 and CHINESE.search(lost.json()["message"])
    unknown = await client.get(f"{T}/attachments/2147483000")
    assert unknown.status_code == 404 and unknown.json()["message"] == "附件不存在"


async def test_another_tenants_paper_and_file_stay_out_of_reach(
    client: Client, app: Litestar, database: Database, tenant_ids: dict[str, int]
) -> None:
    theirs = await seed_inspection(database, tenant_ids["tb"], "乙附件", stage="onsite")
    own = await client.post(f"/t/tb/api/papers/{theirs['paper_id']}/attachments",
                            files={"file": ("乙方证据.pdf", PDF + b"tb", "application/pdf")})
    assert own.status_code == 201, own.text
    probe = await client.post(f"{T}/papers/{theirs['paper_id']}/attachments",
                              files={"file": ("越权.pdf", PDF, "application/pdf")})
    assert probe.status_code == 404 and probe.json()["message"] == "问题底稿不存在"
    leak = await client.get(f"{T}/attachments/{own.json()['id']}")
    assert leak.status_code == 404 and b"tb" not in leak.content
    assert await database.tenant(tenant_ids["tb"]).count(
        Attachment, {"owner_type": "working_paper", "owner_id": theirs["paper_id"]}) == 2
    mine = (await client.get(f"/t/tb/api/attachments/{own.json()['id']}")).content
    assert mine == PDF + b"tb"
