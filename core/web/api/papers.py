"""JSON API of working papers (问题底稿) and their sign-off chain."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, patch, post
from litestar.params import FromQuery, JSONBody

from core.inspection import papers
from core.inspection.model import PaperStatus
from core.inspection.papers import (
    PaperCreate,
    PaperOut,
    PaperPage,
    PaperUpdate,
    RevisionPage,
    SignOff,
)
from core.web.deps import CurrentWork, Session
from core.web.params import Id, IdQuery, Limit, Offset

__all__ = ["PaperController", "paper_handlers"]


class PaperController(Controller):
    """Working papers of an inspection: draft, edit, review, sign, revise."""

    path = "/t/{tenant:str}/api"
    tags = ["问题底稿"]

    @post("/inspections/{inspection_id:int}/papers", opt={"action": "paper:write"},
          summary="起草问题底稿")
    async def create_paper(self, work: CurrentWork, inspection_id: Id,
                           data: JSONBody[PaperCreate]) -> PaperOut:
        """Draft a paper (while on site, withdrawn or reporting); the author is the actor."""
        return await papers.create_paper(work, inspection_id, data)

    @get("/inspections/{inspection_id:int}/papers", opt={"action": "paper:read"},
         summary="问题底稿列表")
    async def list_papers(
        self, session: Session, inspection_id: Id, org_id: IdQuery = None,
        status: FromQuery[PaperStatus | None] = None, limit: Limit = 50, offset: Offset = 0,
    ) -> PaperPage:
        """Papers of an inspection by number, filtered by org and status (no content)."""
        return await papers.list_papers(session, inspection_id, org_id=org_id, status=status,
                                        limit=limit, offset=offset)

    @get("/papers/{paper_id:int}", opt={"action": "paper:read"}, summary="问题底稿详情")
    async def get_paper(self, work: CurrentWork, paper_id: Id) -> PaperOut:
        """One paper with its content and attachments (a confidential read, audited)."""
        return await papers.read_paper(work, paper_id)

    @patch("/papers/{paper_id:int}", opt={"action": "paper:write"}, summary="修改问题底稿")
    async def update_paper(self, work: CurrentWork, paper_id: Id,
                           data: JSONBody[PaperUpdate]) -> PaperOut:
        """Change a paper.

        A reviewed paper that changes goes back to draft (it must be reviewed
        again). A signed paper is frozen: a change needs ``revision_reason``
        (409 without it) and is recorded as a revision.
        """
        return await papers.update_paper(work, paper_id, data)

    @get("/papers/{paper_id:int}/revisions", opt={"action": "paper:read"},
         summary="问题底稿修订记录")
    async def list_revisions(self, work: CurrentWork, paper_id: Id, limit: Limit = 50,
                             offset: Offset = 0) -> RevisionPage:
        """Recorded changes of a signed paper, oldest first (audited)."""
        return await papers.list_revisions(work, paper_id, limit=limit, offset=offset)

    @post("/papers/{paper_id:int}/review", opt={"action": "paper:review"},
          summary="审核问题底稿（副组长）")
    async def review_paper(self, work: CurrentWork, paper_id: Id,
                           data: JSONBody[SignOff]) -> PaperOut:
        """A deputy leader (or the leader) of the inspection's own team reviews a draft paper.

        Whatever tenant role the account holds, anyone else, and the paper's
        author, is refused with 403.
        """
        return await papers.review_paper(work, paper_id, data.remark)

    @post("/papers/{paper_id:int}/sign", opt={"action": "paper:sign"},
          summary="签发问题底稿（组长）")
    async def sign_paper(self, work: CurrentWork, paper_id: Id,
                         data: JSONBody[SignOff]) -> PaperOut:
        """The inspection's own leader signs a reviewed paper; it is frozen from then on.

        Anyone else (an office admin who is not that leader included) is
        refused with 403.
        """
        return await papers.sign_paper(work, paper_id, data.remark)


def paper_handlers() -> list[Any]:
    """The controllers of working papers, their attachments and findings."""
    from core.web.api.attachments import AttachmentController
    from core.web.api.findings import FindingController

    return [PaperController, AttachmentController, FindingController]
