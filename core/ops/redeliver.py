"""Delivering a tenant's incoming events again from the stream, after its restore.

A restored tenant lacks what it received after its backup, while its durable
consumer has moved past those events. Recreating the consumer from the start
of the stream delivers everything again; the restored inbox (``sync_inbox``,
unique per event) acknowledges what was applied before the backup without
applying it again, and applies the rest, each once. The streams and
consumers belong to the city's NATS domain: a county cannot create or widen
its own consumer, so this runs at the city (``xuncha redeliver``).
"""

from __future__ import annotations

import contextlib

import nats.js.errors
from nats.js import JetStreamContext

from core.sync.service import ensure_down_consumer, ensure_up_consumer
from core.sync.subjects import STREAM_DOWN, STREAM_UP, down_consumer, up_consumer

__all__ = ["redeliver"]


async def redeliver(js: JetStreamContext, code: str, *, county: bool) -> str:
    """Recreate the consumer through which tenant ``code`` receives, from the stream's start.

    Args:
        js: the JetStream context of the sync domain (the city's).
        code: the tenant's code.
        county: whether it is a county (it receives through ``down_<county>``)
            or a city (through ``up_<city>``).

    Returns:
        The consumer's name.
    """
    stream, name = ((STREAM_DOWN, down_consumer(code)) if county
                    else (STREAM_UP, up_consumer(code)))
    # Never created: the new one starts from the beginning anyway.
    with contextlib.suppress(nats.js.errors.NotFoundError):
        await js.delete_consumer(stream, name)
    if county:
        await ensure_down_consumer(js, code)
    else:
        await ensure_up_consumer(js, code)
    return name
