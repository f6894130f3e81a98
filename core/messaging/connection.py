"""The app's NATS connection: embedded server or an external one."""

from __future__ import annotations

import asyncio
import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext

from core.messaging.embedded import EmbeddedNats
from core.settings import Settings

__all__ = ["Messaging"]

log = logging.getLogger(__name__)


async def _log_error(exc: Exception) -> None:
    # nats-py's default callback prints a traceback for every failed attempt.
    log.warning("NATS: %s", exc or type(exc).__name__)


class Messaging:
    """Owns the NATS connection (and the embedded server when there is no URL)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.embedded: EmbeddedNats | None = None
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        #: JetStream of the domain holding the sync streams (the city hub's).
        self.sync_js: JetStreamContext | None = None

    @property
    def url(self) -> str:
        """The URL connected to (or to be connected to)."""
        if self.settings.nats_url:
            return self.settings.nats_url
        return self.embedded.url if self.embedded else ""

    async def start(self) -> None:
        """Start the embedded server if needed and connect.

        Raises:
            ConnectionError: NATS cannot be reached, with the URL and reason.
        """
        if not self.settings.nats_url:
            # Its own process group: a Ctrl-C reaches the app alone, which
            # drains its connection before stopping the server.
            self.embedded = EmbeddedNats(self.settings.nats_store_dir, self.settings.nats_port,
                                         own_group=True)
            try:
                self.embedded.start()
            except (RuntimeError, FileNotFoundError) as exc:
                raise ConnectionError(str(exc)) from exc
        try:
            # XUNCHA_NATS_URL may list several servers (a cluster), comma-separated.
            servers = [part.strip() for part in self.url.split(",") if part.strip()]
            self.nc = await asyncio.wait_for(nats.connect(
                servers, connect_timeout=3, allow_reconnect=True, max_reconnect_attempts=-1,
                reconnect_time_wait=0.5, name="xuncha", error_cb=_log_error,
                inbox_prefix=self.settings.nats_inbox_prefix, drain_timeout=2,
            ), timeout=5)
        except Exception as exc:
            await self.stop()
            reason = str(exc) or ("连接超时" if isinstance(exc, TimeoutError) else repr(exc))
            raise ConnectionError(f"无法连接 NATS（{self.url}）：{reason}") from exc
        self.js = self.nc.jetstream()
        self.sync_js = self.nc.jetstream(domain=self.settings.sync_domain or None)
        log.info("NATS connected at %s", self.url)

    async def ping(self) -> None:
        """Raise if NATS does not answer a round trip within 1 s."""
        if self.nc is None or not self.nc.is_connected:
            raise ConnectionError("NATS 未连接")
        await self.nc.flush(timeout=1)

    async def stop(self) -> None:
        """Close the connection and stop the embedded server."""
        if self.nc is not None:
            try:
                await self.nc.drain()
            except Exception:  # closing anyway; the server may be gone
                log.debug("NATS drain failed", exc_info=True)
            self.nc = None
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None
