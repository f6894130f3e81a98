"""系统管理 · 同步链路: where this tenant's link with the city (or its counties) stands.

The figures are those of ``xuncha sync status`` and of the metrics endpoint
(:func:`core.sync.status.link_status`): events waiting in the outbox, the
backlog of the durable consumer at NATS, the last event applied and its lag.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Template

from core.runtime import runtime_of
from core.sync.status import LinkStatus, link_status
from core.web.deps import CurrentWork
from core.web.pages.admin import admin_page
from core.web.pages.views import moment

__all__ = ["sync_pages"]

STALE_MINUTES = 30
"""An event waiting longer than this in the outbox marks the link as held up."""


def _row(status: LinkStatus, now: Any) -> dict[str, Any]:
    held = (status.outbox_oldest is not None
            and (now - status.outbox_oldest).total_seconds() > STALE_MINUTES * 60)
    return {
        "role": "县（市、区）→ 市级" if status.role == "county" else "市级 ← 各县（市、区）",
        "peer": status.peer or "（尚未收到）",
        "pending": status.outbox_pending,
        "oldest": moment(status.outbox_oldest),
        "error": status.outbox_error,
        "consumer": status.consumer,
        "backlog": "未知" if status.consumer_pending is None else str(status.consumer_pending),
        "applied": moment(status.last_applied_at),
        "event": status.last_event,
        "lag": "" if status.lag_seconds is None else f"{status.lag_seconds:.1f} 秒",
        "health": ("待发送事件积压" if held else
                   "发送出错，正在重试" if status.outbox_error else "正常"),
    }


@get("/t/{tenant:str}/admin/sync", opt={"action": "audit:head"}, include_in_schema=False)
async def sync_page(request: Request[Any, Any, Any], state: State,
                    work: CurrentWork) -> Template:
    """This tenant's sync link: outbox, consumer backlog, last applied event and lag."""
    runtime = runtime_of(state)
    [status] = await link_status(runtime.db, [work.tenant], runtime.messaging.sync_js)
    return await admin_page(request, state, work.tenant, "sync",
                            link=_row(status, work.clock.now()),
                            nats_known=status.consumer_pending is not None)


sync_pages = [sync_page]
