"""Attachments: files stored once by SHA-256 under the data directory.

A file lands in ``<home>/attachments/<tenant code>/<sha[:2]>/<sha>``: it is
written to a temporary file in the tenant's folder while hashed and counted,
checked, then renamed into place atomically (or dropped when the same
content is already stored). Only office and evidence types are accepted and
the content must match the extension (magic bytes, ZIP members, UTF-8 for
text). The size limit is the tenant setting ``attachment_max_mb``.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from codecs import getincrementaldecoder
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import anyio.to_thread
import msgspec

from core.db import TenantSession
from core.errors import Conflict, FieldError, Invalid, TooLarge, Unsupported
from core.inspection.tables import Attachment
from core.work import Work

__all__ = [
    "ALLOWED_TYPES",
    "AttachmentOut",
    "FileType",
    "attachment_out",
    "attachments_of",
    "content_matches",
    "file_type_of",
    "limit_bytes",
    "sanitize_filename",
    "save_attachment",
    "stored_path",
    "too_large",
]

MB = 1024 * 1024
DEFAULT_MAX_MB = 50
CHUNK = 1024 * 1024
MAX_FILENAME = 200


@dataclass(frozen=True, slots=True)
class FileType:
    """An accepted extension: its media type, its name in messages, and its content check."""

    media_type: str
    label: str
    kind: str


_OOXML = "application/vnd.openxmlformats-officedocument"
ALLOWED_TYPES: dict[str, FileType] = {
    "pdf": FileType("application/pdf", "PDF", "pdf"),
    "doc": FileType("application/msword", "Word 97-2003", "ole"),
    "docx": FileType(f"{_OOXML}.wordprocessingml.document", "Word", "docx"),
    "xls": FileType("application/vnd.ms-excel", "Excel 97-2003", "ole"),
    "xlsx": FileType(f"{_OOXML}.spreadsheetml.sheet", "Excel", "xlsx"),
    "jpg": FileType("image/jpeg", "JPEG 图片", "jpeg"),
    "jpeg": FileType("image/jpeg", "JPEG 图片", "jpeg"),
    "png": FileType("image/png", "PNG 图片", "png"),
    "txt": FileType("text/plain; charset=utf-8", "UTF-8 文本", "text"),
    "ofd": FileType("application/ofd", "OFD 版式文件", "ofd"),
    "zip": FileType("application/zip", "ZIP 压缩包", "zip"),
}
"""Accepted extensions (lower case, without the dot)."""

_ZIP_MEMBER = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "ofd": "OFD.xml"}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PNG = b"\x89PNG\r\n\x1a\n"
_HTML_MARKERS = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|iframe|img|svg|object|embed|meta|a\s|style|"
    rb"form|link|base)|\bon[a-z]+\s*=|javascript:", re.IGNORECASE)
"""What marks HTML (or script) in a file's first kilobyte."""


class AttachmentOut(msgspec.Struct, kw_only=True):
    """An attachment's record (the file itself is downloaded separately)."""

    id: int
    owner_type: str
    owner_id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


def attachment_out(row: dict[str, Any]) -> AttachmentOut:
    """The API shape of an attachment row."""
    return AttachmentOut(
        id=row["id"], owner_type=row["owner_type"], owner_id=row["owner_id"],
        filename=row["filename"], content_type=row["content_type"], size=row["size"],
        sha256=row["sha256"], uploaded_by=row["uploaded_by"], uploaded_at=row["uploaded_at"],
    )


async def attachments_of(session: TenantSession, owner_type: str,
                         owner_id: int) -> list[AttachmentOut]:
    """Every attachment of one record, in upload order."""
    rows = await session.list(Attachment, {"owner_type": owner_type, "owner_id": owner_id},
                              limit=None)
    return [attachment_out(r) for r in rows]


def limit_bytes(setting: Any) -> int:
    """The size limit in bytes from the ``attachment_max_mb`` setting (MB, may be fractional)."""
    try:
        megabytes = float(setting)
    except (TypeError, ValueError):
        megabytes = DEFAULT_MAX_MB
    if not megabytes > 0:
        megabytes = DEFAULT_MAX_MB
    return int(megabytes * MB)


def too_large(limit: int) -> TooLarge:
    """The 413 refusal for a file over ``limit`` bytes."""
    shown = f"{limit / MB:.2f}".rstrip("0").rstrip(".") + " MB"
    return TooLarge([FieldError("file", f"附件大小超过上限 {shown}")])


_UNSAFE = re.compile(r'[<>:"|?*]')


def sanitize_filename(raw: str) -> str:
    """The file's own name: no folders, no control or reserved characters, ≤ 200 characters.

    Raises:
        Invalid: when nothing usable is left.
    """
    name = re.split(r"[/\\]", raw)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = _UNSAFE.sub("_", name).strip().strip(".").strip()
    if not name:
        raise Invalid([FieldError("file", "文件名无效")])
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_FILENAME - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_FILENAME]
    return name


def file_type_of(filename: str) -> tuple[str, FileType]:
    """The accepted type of a file by its extension (415 if not accepted)."""
    _, dot, ext = filename.rpartition(".")
    ext = ext.lower() if dot else ""
    kind = ALLOWED_TYPES.get(ext)
    if kind is None:
        accepted = "、".join(sorted(ALLOWED_TYPES))
        shown = f" .{ext}" if ext else "（无扩展名）"
        raise Unsupported([FieldError("file", f"不支持的附件类型{shown}，仅支持：{accepted}")])
    return ext, kind


def _is_utf8_text(path: Path) -> bool:
    decoder = getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            if b"\x00" in chunk:
                return False
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _zip_has(path: Path, member: str | None) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return member is None or member in names


def content_matches(path: Path, kind: str) -> bool:
    """Whether the file at ``path`` really is of ``kind`` (by content, not by name)."""
    with path.open("rb") as handle:
        head = handle.read(1024)
    if kind == "pdf":
        # The magic must open the file, and no HTML may hide in the head: browsers
        # sniffing a page with "%PDF-" inside would otherwise run it as HTML.
        return head.startswith(b"%PDF-") and _HTML_MARKERS.search(head) is None
    if kind == "ole":
        return head.startswith(_OLE)
    if kind == "jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if kind == "png":
        return head.startswith(_PNG)
    if kind == "text":
        return _is_utf8_text(path)
    if kind in ("docx", "xlsx", "ofd", "zip"):
        return head.startswith(b"PK\x03\x04") and _zip_has(path, _ZIP_MEMBER.get(kind))
    return False


def stored_path(home: Path, tenant_code: str, sha256: str) -> Path:
    """Where the content with ``sha256`` of a tenant is stored."""
    return home / "attachments" / tenant_code / sha256[:2] / sha256


@dataclass(frozen=True, slots=True)
class _Stored:
    sha256: str
    size: int


def _store(source: IO[bytes], home: Path, tenant_code: str, limit: int, kind: FileType,
           ext: str) -> _Stored:
    """Copy ``source`` into the store (blocking; run in a worker thread)."""
    folder = home / "attachments" / tenant_code
    folder.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    handle = tempfile.NamedTemporaryFile(dir=folder, prefix=".upload-", delete=False)  # noqa: SIM115
    temp = Path(handle.name)
    try:
        with handle:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise too_large(limit)
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if size == 0:
            raise Invalid([FieldError("file", "附件不能是空文件")])
        if not content_matches(temp, kind.kind):
            raise Unsupported([FieldError(
                "file", f"文件内容与扩展名 .{ext} 不符（不是有效的{kind.label}文件）")])
        sha = digest.hexdigest()
        final = stored_path(home, tenant_code, sha)
        if final.exists():
            temp.unlink()
        else:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, final)
        return _Stored(sha256=sha, size=size)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


async def save_attachment(work: Work, home: Path, *, owner_type: str, owner_id: int,
                          filename: str, source: IO[bytes],
                          guard: Callable[[], Awaitable[None]] | None = None) -> AttachmentOut:
    """Store an uploaded file and record it as an attachment of one record.

    ``guard`` checks that the owner exists and may take attachments (it
    raises otherwise); it runs before the file is stored and again inside
    the transaction that records it. The same content attached twice to
    the same record is refused (409).
    """
    if guard is not None:
        await guard()
    name = sanitize_filename(filename)
    ext, kind = file_type_of(name)
    limit = limit_bytes(work.setting("attachment_max_mb"))
    stored = await anyio.to_thread.run_sync(_store, source, home, work.tenant.code, limit,
                                            kind, ext)
    session = work.session
    async with work.transaction():
        if guard is not None:
            await guard()
        same = await session.list(Attachment, {"owner_type": owner_type, "owner_id": owner_id,
                                               "sha256": stored.sha256}, limit=1)
        if same:
            raise Conflict([FieldError(
                "file", f"该文件已作为附件上传（{same[0]['filename']}）")])
        (new_id,) = await session.insert(Attachment, [{
            "owner_type": owner_type, "owner_id": owner_id, "sha256": stored.sha256,
            "filename": name, "content_type": kind.media_type, "size": stored.size,
            "uploaded_by": work.actor[:128], "uploaded_at": work.clock.now(),
        }])
        await work.audit("attachment.create", "attachment", new_id, {
            "owner_type": owner_type, "owner_id": owner_id, "filename": name,
            "sha256": stored.sha256, "size": stored.size})
        row = await session.get(Attachment, new_id)
    assert row is not None
    return attachment_out(row)
