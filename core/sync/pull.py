"""Pulling a durable JetStream consumer and applying what arrives.

One :class:`Puller` per consumer: a county pulls its ``down_<county>``
consumer on the hub's ``down`` stream, a city its ``up_<city>`` consumer on
the ``up`` stream. Fetches use short timeouts, so when a link returns the
next fetch (within about a second) starts the catch-up. A message is
acknowledged only after its transaction committed; a failure leaves it (and
the rest of the batch) for redelivery, in order.

With several processes on one PostgreSQL deployment, each consumer is pulled
by the one process holding its lease (``pull:<consumer>``): several fetchers
of one consumer would each be safe (the inbox applies an event once) but
could apply two batches out of order. When the holder dies, what it had
fetched and not acknowledged is redelivered to the next holder after the
consumer's ``ack_wait``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from core.sync import codec, faults, retry

__all__ = ["Handler", "PullStats", "Puller"]

log = logging.getLogger(__name__)

FETCH_BATCH = 200
FETCH_TIMEOUT = 0.5
GATE_SECONDS = 1.0
"""How often a puller whose gate is closed (another process pulls) asks again."""

Handler = Callable[[list[tuple[Msg, codec.Incoming]]], Awaitable[list[str]]]
"""Applies decoded messages in one transaction; returns each one's status
(``applied``, ``duplicate``, ``stored``, ``rejected`` or ``skipped``)."""


@dataclass
class PullStats:
    """What a puller has done since it started."""

    applied: int = 0
    duplicates: int = 0
    stored: int = 0
    rejected: int = 0
    skipped: int = 0
    failures: int = 0
    last_applied_at: datetime | None = None
    last_error: str = ""


class Puller:
    """Fetches from one durable consumer and hands each message to ``handle``.

    Args:
        name: the durable consumer's name.
        stream: its stream.
        jetstream: returns the JetStream context of the sync domain.
        inbox_prefix: the connection's reply prefix (a county may only receive
            replies under its own).
        handle: applies one message and returns its status.
        gate: when given, fetches only while it answers True (this process
            holds the consumer's lease), so one process of a deployment pulls
            a consumer and applies its messages in order; the others wait,
            asking again every ``GATE_SECONDS``.
    """

    def __init__(self, name: str, stream: str, jetstream: Callable[[], JetStreamContext | None],
                 inbox_prefix: str, handle: Handler,
                 gate: Callable[[], Awaitable[bool]] | None = None) -> None:
        self.name = name
        self.gate = gate
        self.stream = stream
        self.jetstream = jetstream
        self.inbox_prefix = inbox_prefix
        self.handle = handle
        self.stats = PullStats()
        self._sub: Any = None

    async def _subscription(self) -> Any:
        if self._sub is None:
            js = self.jetstream()
            if js is None:
                raise ConnectionError("NATS 未连接")
            # Fails with NotFoundError until the consumer exists (the city creates it).
            await js.consumer_info(self.stream, self.name)
            self._sub = await js.pull_subscribe_bind(
                durable=self.name, stream=self.stream,
                inbox_prefix=(self.inbox_prefix + ".").encode(),
            )
        return self._sub

    async def _reset(self) -> None:
        sub, self._sub = self._sub, None
        if sub is not None:
            try:
                await sub.unsubscribe()
            except Exception:  # the connection may be gone; nothing to keep
                log.debug("unsubscribe failed", exc_info=True)

    async def run(self) -> None:
        """Fetch and apply until cancelled; then leave the consumer.

        Unsubscribing here lets the connection drain at once: a subscription
        left behind would hold its last (unread) fetch reply until the drain
        times out.
        """
        try:
            await self._fetch_and_apply()
        finally:
            await self._reset()

    async def _fetch_and_apply(self) -> None:
        failures = 0
        while True:
            if self.gate is not None and not await self.gate():
                await self._reset()
                await asyncio.sleep(GATE_SECONDS)
                continue
            try:
                sub = await self._subscription()
                messages = await sub.fetch(FETCH_BATCH, timeout=FETCH_TIMEOUT)
            except nats.errors.TimeoutError:
                failures = 0
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                self._note(exc, failures)
                await self._reset()
                await asyncio.sleep(retry.backoff(failures))
                continue
            failures = 0
            try:
                await self._apply_all(messages)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.stats.failures += 1
                self._note(exc, self.stats.failures, first=1)
                await asyncio.sleep(retry.backoff(self.stats.failures))

    def _note(self, exc: BaseException, failures: int, first: int = 3) -> None:
        self.stats.last_error = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, nats.js.errors.NotFoundError):
            self.stats.last_error = f"消费者 {self.name} 尚未建立（等待上级创建）"
        retry.report(log, failures, "sync %s: %s", self.name, self.stats.last_error, first=first)

    async def _apply_all(self, messages: list[Msg]) -> None:
        """Apply a fetched batch in one transaction; if that fails, one by one, so
        what can be applied is, and the first failure and everything after it
        come back later in order."""
        decoded = []
        for msg in messages:
            try:
                decoded.append((msg, codec.decode(msg.data)))
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                # Not an envelope at all: there is no id to keep it under.
                log.error("sync %s: dropped a message that is not an envelope on %s: %s",
                          self.name, msg.subject, exc)
                await msg.term()
        try:
            statuses = await self.handle(decoded)
        except Exception:
            if len(decoded) == 1:
                await _quietly(decoded[0][0].nak(delay=0.5))
                raise
            log.warning("sync %s: batch of %d failed, applying one by one", self.name,
                        len(decoded), exc_info=True)
            for index, item in enumerate(decoded):
                try:
                    [status] = await self.handle([item])
                except BaseException:
                    for msg, _ in decoded[index:]:
                        await _quietly(msg.nak(delay=0.5))
                    raise
                await item[0].ack()
                self._count(status)
            return
        faults.reached("pull.before_ack")
        for (msg, _), status in zip(decoded, statuses, strict=True):
            await msg.ack()
            self._count(status)
        repeats = statuses.count("duplicate")
        if repeats:
            log.info("sync %s: %d redelivered event(s) were applied before; acknowledged again",
                     self.name, repeats)

    def _count(self, status: str) -> None:
        stats = self.stats
        if status == "applied":
            stats.applied += 1
            stats.last_applied_at = datetime.now().astimezone()
        elif status == "duplicate":
            stats.duplicates += 1
        elif status == "stored":
            stats.stored += 1
        elif status == "rejected":
            stats.rejected += 1
        else:
            stats.skipped += 1


async def _quietly(awaitable: Awaitable[Any]) -> None:
    try:
        await awaitable
    except Exception:  # the message will be redelivered after ack_wait anyway
        log.debug("nak failed", exc_info=True)
