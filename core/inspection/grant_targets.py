"""The workflow's objects that per-inspection grants and liaison scopes cover.

Registered from ``core.builtin`` through ``xuncha_grant_targets``, the same
hook plugins use for their own objects: a path holding ``{paper_id}`` touches
that working paper, whose ``inspection_id`` and ``org_id`` decide who else
than the office may open it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.contributions import GrantTarget
from core.db import TenantSession
from core.inspection.tables import (
    Attachment,
    Clue,
    Disclosure,
    Finding,
    RectificationItem,
    RectificationReport,
    TeamMember,
    WorkingPaper,
)

__all__ = ["WORKFLOW_GRANT_TARGETS", "attachment_owners"]


async def attachment_owners(session: TenantSession, attachment_id: int) -> Mapping[str, Any] | None:
    """The inspection and org of an attachment: those of the working paper holding it."""
    attachment = await session.get(Attachment, attachment_id)
    paper = attachment and await session.get(WorkingPaper, int(attachment["owner_id"]))
    if not paper:
        return None
    return {"inspection_id": paper["inspection_id"], "org_id": paper["org_id"]}


WORKFLOW_GRANT_TARGETS = [
    GrantTarget(path_param="paper_id", table=WorkingPaper),
    GrantTarget(path_param="finding_id", table=Finding),
    GrantTarget(path_param="clue_id", table=Clue),
    GrantTarget(path_param="item_id", table=RectificationItem),
    GrantTarget(path_param="report_id", table=RectificationReport),
    GrantTarget(path_param="disclosure_id", table=Disclosure),
    GrantTarget(path_param="member_id", table=TeamMember),
    GrantTarget(path_param="attachment_id", resolve=attachment_owners),
]
"""The core's grant targets, in the order a path naming two of them is decided."""
