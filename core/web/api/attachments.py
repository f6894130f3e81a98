"""JSON API of attachments: upload to a working paper, download (a confidential read).

Litestar limits request bodies to 10 MB by default; the upload route lifts
that limit and enforces the tenant's ``attachment_max_mb`` itself before
anything is parsed (by ``Content-Length``) and while the body streams in
(for bodies without one), answering 413 in Chinese. The exact file size is
checked again when the file is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.datastructures import State, UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import File
from litestar.types import ReceiveMessage

from core.inspection.attachments import AttachmentOut, limit_bytes, stored_path, too_large
from core.inspection.common import get_or_not_found
from core.inspection.papers import attach_to_paper
from core.inspection.tables import Attachment
from core.runtime import runtime_of
from core.web.deps import CurrentWork
from core.web.params import Id

__all__ = ["AttachmentController", "UploadForm", "content_disposition", "limit_upload"]

FORM_OVERHEAD = 64 * 1024
"""Room for the multipart envelope (boundaries, part headers) around the file."""


@dataclass
class UploadForm:
    """The upload form: one file field named ``file``."""

    file: UploadFile


async def limit_upload(request: Request[Any, Any, Any]) -> None:
    """Refuse (413) a body larger than the tenant's attachment limit, before parsing it."""
    code = str(request.path_params.get("tenant", ""))
    info = await runtime_of(request.app.state).tenants.get(code)
    if info is None:
        raise NotFoundException(f"巡察机构 {code[:64]} 不存在")
    file_limit = limit_bytes(info.settings.get("attachment_max_mb"))
    body_limit = file_limit + FORM_OVERHEAD
    announced = request.content_length
    if announced is not None and announced > body_limit:
        raise too_large(file_limit)
    receive = request.receive
    received = 0

    async def limited() -> ReceiveMessage:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > body_limit:
                raise too_large(file_limit)
        return message

    request.receive = limited


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the UTF-8 name (RFC 5987/6266)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                       for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class AttachmentController(Controller):
    """Attachments of working papers."""

    path = "/t/{tenant:str}/api"
    tags = ["附件"]

    @post("/papers/{paper_id:int}/attachments", opt={"action": "attachment:write"},
          summary="上传底稿附件", request_max_body_size=None, before_request=limit_upload)
    async def upload(
        self, state: State, work: CurrentWork, paper_id: Id,
        data: Annotated[UploadForm, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> AttachmentOut:
        """Attach a file (multipart field ``file``) to a paper that is not signed yet.

        Accepted: pdf, doc/docx, xls/xlsx, jpg/png, txt (UTF-8), ofd, zip; the
        content must match the extension (415 otherwise). Files over the
        tenant's ``attachment_max_mb`` are refused with 413.
        """
        upload = data.file
        try:
            return await attach_to_paper(work, runtime_of(state).settings.home, paper_id,
                                         upload.filename or "", upload.file)
        finally:
            await upload.close()

    @get("/attachments/{attachment_id:int}", opt={"action": "attachment:read"},
         summary="下载附件", media_type="application/octet-stream")
    async def download(self, state: State, work: CurrentWork, attachment_id: Id) -> File:
        """The attachment's file: a confidential read, audited as ``attachment.read``."""
        async with work.transaction():
            row = await get_or_not_found(work.session, Attachment, attachment_id, "附件")
            path = stored_path(runtime_of(state).settings.home, work.tenant.code, row["sha256"])
            if not path.is_file():
                raise NotFoundException("附件文件在存储中不存在，请联系管理员")
            await work.audit("attachment.read", "attachment", attachment_id, {
                "owner_type": row["owner_type"], "owner_id": row["owner_id"],
                "filename": row["filename"]})
        return File(
            path=path, filename=row["filename"], media_type=row["content_type"],
            headers={"Content-Disposition": content_disposition(row["filename"]),
                     "X-Content-Type-Options": "nosniff"},
        )
