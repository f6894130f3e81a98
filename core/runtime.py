"""What one running app holds: settings, plugins, database, tenants, NATS, the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.authz.policy import Authorizer
from core.clock import Clock
from core.db import Database
from core.db.stamps import StampReader
from core.identity.credentials import CredentialCache
from core.messaging.connection import Messaging
from core.plugins import Plugins
from core.settings import Settings
from core.tenancy.registry import TenantRegistry

__all__ = ["Runtime", "runtime_of"]


@dataclass
class Runtime:
    """The app's long-lived parts, kept in ``app.state.runtime``."""

    settings: Settings
    plugins: Plugins
    db: Database
    tenants: TenantRegistry
    messaging: Messaging
    authz: Authorizer
    clock: Clock = field(default_factory=Clock)
    #: Credentials resolved a moment ago (``core.identity.credentials``).
    credentials: CredentialCache = field(default_factory=CredentialCache)
    #: The sync service when it runs in this process (``core.sync.service``).
    sync: Any = None
    #: The data stamps, read once for the requests asking together (``core.db.stamps``).
    stamps: StampReader = field(init=False)

    def __post_init__(self) -> None:
        self.stamps = StampReader(self.db)


def runtime_of(state: Any) -> Runtime:
    """The runtime stored in the app state.

    Args:
        state: the web app's state (``app.state``); typed loosely so that the
            runtime, which the CLI and the sync service use too, needs no web import.
    """
    runtime: Runtime = state.runtime
    return runtime
