"""Redelivery after a restore, against a real nats-server: the consumer starts over."""

from __future__ import annotations

from typing import Any

import pytest
from nats.aio.client import Client

from core.ops.redeliver import redeliver
from core.sync.service import ensure_down_consumer, ensure_streams, ensure_up_consumer
from core.sync.subjects import STREAM_DOWN, STREAM_UP, down_consumer, up_consumer


async def _consume_all(js: Any, stream: str, durable: str, count: int) -> None:
    sub = await js.pull_subscribe_bind(durable=durable, stream=stream)
    try:
        got = 0
        while got < count:
            for msg in await sub.fetch(count - got, timeout=5):
                await msg.ack_sync()
                got += 1
    finally:
        await sub.unsubscribe()


@pytest.mark.parametrize("county", [True, False], ids=["county", "city"])
async def test_redeliver_starts_the_consumer_over(server: Any, county: bool) -> None:
    client = Client()
    await client.connect(server.url)
    try:
        js = client.jetstream()
        await ensure_streams(js)
        code = "rd.a" if county else "rd"
        stream, durable = ((STREAM_DOWN, down_consumer(code)) if county
                           else (STREAM_UP, up_consumer(code)))
        subject = "down.rd-a.p.notice.issued" if county else "up.rd-a.p.note.recorded"
        if county:
            await ensure_down_consumer(js, code)
        else:
            await ensure_up_consumer(js, code)
        before = (await js.consumer_info(stream, durable)).num_pending
        for index in range(4):
            await js.publish(subject, f"{index}".encode(), headers={
                "Nats-Msg-Id": f"rd-{county}-{index}"})
        total = before + 4
        await _consume_all(js, stream, durable, total)
        assert (await js.consumer_info(stream, durable)).num_pending == 0

        assert await redeliver(js, code, county=county) == durable
        info = await js.consumer_info(stream, durable)
        assert info.num_pending == total  # everything again, from the stream's start
        assert info.config.ack_wait is not None
        # Redelivering a consumer that does not exist yet just creates it.
        missing = "rd.none" if county else "rdnone"
        await redeliver(js, missing, county=county)
        name = down_consumer(missing) if county else up_consumer(missing)
        assert (await js.consumer_info(stream, name)).name == name
    finally:
        await client.close()
