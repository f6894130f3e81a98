"""How long server-side stream sourcing across a leaf link takes to resume.

DESIGN.md ("Sync") says sourcing or mirroring from a leaf-domain stream into a
hub stream resumes 32-42 s after the link returns. This measures it once (or
``--rounds`` times) on loopback with the wheel's nats-server:

1. a hub (JetStream domain ``hub``) and a leaf (domain ``leaf``) whose
   leafnode connection goes through a TCP relay in this process, so the link
   can be cut and restored without restarting either server;
2. stream ``OUTBOX`` (``outbox.>``) on the leaf, stream ``AGG`` on the hub
   sourcing it through ``$JS.leaf.API``; one message proves sourcing works;
3. the relay drops the link for ``--outage`` seconds, during which messages
   go into ``OUTBOX`` on the leaf;
4. the relay lets the link back; the figure is the time from the hub seeing
   the leaf again (``/leafz``) to ``AGG`` holding every message.

    .venv/bin/python tests/benchmarks/bench_sourcing_stall.py [--outage 20 ...] [--rounds 1]

A round takes the outage plus the stall (up to about a minute). Not run by CI.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nats
from nats.js.api import ExternalStream, StreamConfig, StreamSource

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from core.messaging.embedded import EmbeddedNats, free_port


class Relay:
    """A TCP relay ``127.0.0.1:port`` -> ``127.0.0.1:target`` that can cut every connection."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.port = free_port()
        self.open = True
        self.writers: set[asyncio.StreamWriter] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.server: asyncio.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.open:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers -= {writer, up_writer}
        if task is not None:
            self.tasks.discard(task)

    def cut(self) -> None:
        """Close every relayed connection and refuse new ones."""
        self.open = False
        for writer in list(self.writers):
            transport = writer.transport
            transport.abort()
        self.writers.clear()

    def restore(self) -> None:
        """Accept connections again."""
        self.open = True

    async def stop(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def _leafs(monitor: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{monitor}/leafz", timeout=2) as response:
        return int(json.load(response).get("leafnodes", 0))


async def _wait(predicate, timeout: float, what: str, step: float = 0.05) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if await predicate():
            return time.monotonic()
        await asyncio.sleep(step)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


async def one_round(work: Path, outage: float, batch: int) -> float:
    """One cut-and-restore; returns seconds from the link's return to sourcing catching up."""
    hub_port, hub_leaf, monitor, leaf_port = free_port(), free_port(), free_port(), free_port()
    relay = Relay(hub_leaf)
    await relay.start()
    (work / "hub.conf").write_text(
        f'listen: "127.0.0.1:{hub_port}"\nhttp: "127.0.0.1:{monitor}"\n'
        f'jetstream {{ domain: "hub", store_dir: "{work / "hub-store"}" }}\n'
        # no_advertise: else the leaf learns the hub's own leafnode URL and
        # reconnects around the relay.
        f'leafnodes {{ listen: "127.0.0.1:{hub_leaf}", no_advertise: true }}\n',
        encoding="utf-8")
    (work / "leaf.conf").write_text(
        f'listen: "127.0.0.1:{leaf_port}"\n'
        f'jetstream {{ domain: "leaf", store_dir: "{work / "leaf-store"}" }}\n'
        f'leafnodes {{ remotes: [ {{ url: "nats-leaf://127.0.0.1:{relay.port}" }} ] }}\n',
        encoding="utf-8")
    hub = EmbeddedNats(work / "hub", config_file=work / "hub.conf")
    leaf = EmbeddedNats(work / "leaf", config_file=work / "leaf.conf")
    hub.start()
    leaf.start()
    try:
        async def link_up() -> bool:
            return await asyncio.to_thread(_leafs, monitor) == 1

        await _wait(link_up, 20, "the leaf link")
        hub_nc = await nats.connect(hub.url)
        leaf_nc = await nats.connect(leaf.url)
        hub_js, leaf_js = hub_nc.jetstream(), leaf_nc.jetstream()
        await leaf_js.add_stream(StreamConfig(name="OUTBOX", subjects=["outbox.>"]))
        await hub_js.add_stream(StreamConfig(name="AGG", sources=[StreamSource(
            name="OUTBOX", external=ExternalStream(api="$JS.leaf.API"))]))
        await leaf_js.publish("outbox.first", b"0")

        async def agg_has(count: int) -> bool:
            return (await hub_js.stream_info("AGG")).state.messages >= count

        await _wait(lambda: agg_has(1), 60, "the first sourced message")

        relay.cut()

        async def link_down() -> bool:
            return await asyncio.to_thread(_leafs, monitor) == 0

        await _wait(link_down, 20, "the link to drop")
        for i in range(batch):
            await leaf_js.publish(f"outbox.{i}", str(i).encode())
        await asyncio.sleep(outage)
        if await link_up() or await agg_has(2):
            raise RuntimeError("the link came back around the relay: the figure would be void")
        relay.restore()
        back = await _wait(link_up, 30, "the leaf link to return")
        caught_up = await _wait(lambda: agg_has(1 + batch), 180, "sourcing to resume", step=0.1)
        await hub_nc.close()
        await leaf_nc.close()
        return caught_up - back
    finally:
        leaf.stop()
        hub.stop()
        await relay.stop()


async def main_async(outages: list[float], rounds: int, batch: int) -> list[float]:
    figures = []
    for outage in outages:
        for n in range(rounds):
            work = Path(tempfile.mkdtemp(prefix="xuncha-sourcing-"))
            try:
                seconds = await one_round(work, outage, batch)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            figures.append(seconds)
            print(f"{outage:.0f} s outage, round {n + 1}: sourcing resumed {seconds:.1f} s "
                  f"after the leaf link returned ({batch} messages)", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage", type=float, nargs="+", default=[20.0],
                        help="seconds the link stays down (several: one series each)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds per outage")
    parser.add_argument("--batch", type=int, default=1000,
                        help="messages written during the outage")
    args = parser.parse_args()
    figures = asyncio.run(main_async(args.outage, args.rounds, args.batch))
    if len(figures) > 1:
        print(f"min {min(figures):.1f} s, max {max(figures):.1f} s over {len(figures)} rounds")


if __name__ == "__main__":
    main()
