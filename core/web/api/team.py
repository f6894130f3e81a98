"""Team API: form an inspection's team (巡察组); people may come from other tenants.

The rules (roles, recusal, authorisation on joining) live in
:mod:`core.inspection.team`. Approving a recusal exception needs a second
check of the request's account, which only the web layer can make: the
handler hands the service :func:`_may_override` for it.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.datastructures import State
from litestar.exceptions import PermissionDeniedException
from litestar.params import JSONBody

from core.inspection import team
from core.inspection.recusal import OVERRIDE_ACTION
from core.inspection.team import MemberIn, MemberOut, MemberPatch
from core.runtime import runtime_of
from core.web.deps import CurrentWork, Session
from core.web.params import Id

__all__ = ["TeamController"]

log = logging.getLogger(__name__)


async def _may_override(request: Request[Any, Any, Any]) -> None:
    """Refuse (403) unless the user may approve a recusal exception (office admin).

    The authorization layer's guard is imported lazily: until
    ``core.web.guard.require_action`` exists this fails closed (403).
    """
    try:
        from core.web.guard import require_action
    except ImportError as exc:
        log.warning("recusal override refused: the authorization guard is unavailable (%s)", exc)
        raise PermissionDeniedException("无法核验批准回避例外的权限，暂不能批准例外") from None
    await require_action(request, OVERRIDE_ACTION)


class TeamController(Controller):
    """The team of one inspection."""

    path = "/t/{tenant:str}/api/inspections/{inspection_id:int}/team"
    tags = ["巡察组"]

    @get("/", opt={"action": "inspection:read"}, summary="巡察组成员")
    async def list_team(self, session: Session, inspection_id: Id) -> list[MemberOut]:
        """The team: leader first, then deputies and members."""
        return await team.list_team(session, inspection_id)

    @post("/", opt={"action": "team:write"}, summary="加入巡察组")
    async def add_member(self, request: Request[Any, Any, Any], state: State,
                         work: CurrentWork, inspection_id: Id,
                         data: JSONBody[MemberIn]) -> MemberOut:
        """Add a person; after authorisation the person is authorised on joining.

        Recusal conflicts named by plugins refuse the person (409) unless the
        body carries ``recusal_override`` and the user may approve it.
        """
        runtime = runtime_of(state)

        async def approve() -> None:
            await _may_override(request)

        return await team.add_member(work, inspection_id, data, db=runtime.db,
                                     tenants=runtime.tenants, approve_override=approve)

    @patch("/{member_id:int}", opt={"action": "team:write"}, summary="修改巡察组成员")
    async def update_member(self, work: CurrentWork, inspection_id: Id, member_id: Id,
                            data: JSONBody[MemberPatch]) -> MemberOut:
        """Change a member's role, unit or recusal declaration."""
        return await team.update_member(work, inspection_id, member_id, data)

    @delete("/{member_id:int}", opt={"action": "team:write"}, summary="调离巡察组",
            status_code=200)
    async def remove_member(self, work: CurrentWork, inspection_id: Id,
                            member_id: Id) -> MemberOut:
        """Take a person off the team; an authorised person's access ends now."""
        return await team.remove_member(work, inspection_id, member_id)
