"""Building the app's ``Authorizer`` from the plugins, and keeping processes in step."""

from __future__ import annotations

import logging
import os
from typing import Any

from core.authz.policy import CHANGED_SUBJECT, Authorizer, effective_rules
from core.db import Database
from core.plugins import Plugins

__all__ = ["build_authorizer", "follow_changes"]

log = logging.getLogger(__name__)


def build_authorizer(db: Database, plugins: Plugins) -> Authorizer:
    """An ``Authorizer`` with every declared action and the default rules of all plugins."""
    declared = plugins.collect_now("xuncha_permissions")
    own = {name: {p.action for p in perms} for name, perms in declared}
    actions = {action for names in own.values() for action in names}
    rules = effective_rules(plugins.collect_now("xuncha_default_policies"), own)
    return Authorizer(db, actions, rules)


async def follow_changes(authorizer: Authorizer, nc: Any) -> Any:
    """Announce this process's policy changes on NATS and reload on others'.

    Returns the subscription (unsubscribe at shutdown). A plain NATS message
    suffices: a process that misses one (link down) still reloads at start,
    and changes are rare.
    """
    me = f"{os.getpid()}:{id(authorizer)}".encode()

    async def on_message(msg: Any) -> None:
        if msg.data != me:
            await authorizer.reload()

    async def announce() -> None:
        if nc is not None and nc.is_connected:
            await nc.publish(CHANGED_SUBJECT, me)

    authorizer.on_change.append(announce)
    return await nc.subscribe(CHANGED_SUBJECT, cb=on_message) if nc is not None else None
