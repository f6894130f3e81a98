"""County → city sync over real processes: throughput, latency and catch-up after an outage.

Topology (b) of issue 5, built by ``tests/sync/cluster.py``: a city hub and two
county leaf nats-servers configured by ``xuncha nats-config``, and the city and
the two county deployments each running ``xuncha sync run`` on a database of
its own. This process plays the offices: it commits up events of
``tests/sync/fault_plugin.py`` in county ``sc.a`` (straight into its database,
as ``xuncha serve`` would) and reads the city's inbox. Per backend, one run
prints:

1. events/s county → city applied, from the start of committing N events in
   the county's database to the last one in the city's inbox, against raw
   JetStream measured in the same run: a client on the county's leaf publishing
   N messages of the same size with ``publish_async`` and acks, across the
   domain into the hub's ``XUNCHA_UP`` stream, while a pull consumer on the hub
   fetches (200 at a time, as the city does) and acks them (target ≥ 0.3).
   Measured for ``tally.reported`` (applied as inbox row + replica: the sync
   path) and ``note.recorded`` (whose receiving hook also appends an audit
   entry, three more statements per event);
2. latency commit → applied, p50 and p99 (targets 50 ms / 250 ms): single
   events committed at a steady rate, from the commit to the city's
   ``received_at`` of that event;
3. after an outage (hub stopped, a backlog committed in the county, hub
   started), the time from the hub accepting connections again to the first
   backlog event applied (target ≤ 5 s) and to the whole backlog applied
   (target ≤ 60 s for 100,000)::

    .venv/bin/python tests/benchmarks/bench_sync.py [--backend sqlite|postgres|both]
        [--events 20000] [--backlog 100000] [--rate 100] [--seconds 10] [--event tally|note]

Not run by CI; see tests/benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

DEFAULT_PG_DSN = os.environ.get("XUNCHA_BENCH_PG_DSN",
                                "postgresql://postgres@127.0.0.1:5432/test")
EVENT_TYPES = {"tally": "tally.reported", "note": "note.recorded"}
"""The events of ``tests/sync/fault_plugin.py`` committed in the county: ``tally``
is applied as an inbox row and a replica; ``note`` also appends an audit entry
(the plugin's ``xuncha_sync_received``: three more statements per event)."""
RAW_CONSUMER = "bench_raw"
FETCH_BATCH = 200  # as core.sync.pull

TARGET_RATIO = 0.3
TARGET_P50_MS = 50.0
TARGET_P99_MS = 250.0
TARGET_FIRST_S = 5.0
TARGET_DRAIN_S = 60.0
TARGET_BACKLOG = 100_000


class BenchError(RuntimeError):
    """Setup failed or a figure could not be taken."""


@dataclass
class Result:
    """The figures of one backend."""

    backend: str
    kind: str = "tally"
    events: int = 0
    raw_per_s: float = 0.0
    ours_per_s: float = 0.0
    other_per_s: float = 0.0
    latency_n: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    backlog: int = 0
    hub_start_s: float = 0.0
    first_s: float = 0.0
    drain_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def other(self) -> str:
        return "note" if self.kind == "tally" else "tally"

    def checks(self) -> list[tuple[str, str, str, bool | None]]:
        """(figure, value, target, met or None when there is no target) rows."""
        raw = self.raw_per_s or float("inf")
        ratio, other = self.ours_per_s / raw, self.other_per_s / raw
        drain_target = TARGET_DRAIN_S * self.backlog / TARGET_BACKLOG
        return [
            ("raw JetStream publish+consume", f"{self.raw_per_s:,.0f} ev/s", "", None),
            (f"applied, {EVENT_TYPES[self.kind]}", f"{self.ours_per_s:,.0f} ev/s", "", None),
            ("  ratio to raw", f"{ratio:.2f}", f"≥ {TARGET_RATIO}", ratio >= TARGET_RATIO),
            (f"applied, {EVENT_TYPES[self.other]}", f"{self.other_per_s:,.0f} ev/s", "", None),
            ("  ratio to raw", f"{other:.2f}", "(info)", None),
            ("latency commit→applied p50", f"{self.p50_ms:.0f} ms", f"≤ {TARGET_P50_MS:.0f} ms",
             self.p50_ms <= TARGET_P50_MS),
            ("latency commit→applied p99", f"{self.p99_ms:.0f} ms", f"≤ {TARGET_P99_MS:.0f} ms",
             self.p99_ms <= TARGET_P99_MS),
            (f"drain {self.backlog:,} after outage", f"{self.drain_s:.1f} s",
             f"≤ {drain_target:.0f} s", self.drain_s <= drain_target),
            ("link return → first applied", f"{self.first_s:.2f} s", f"≤ {TARGET_FIRST_S:.0f} s",
             self.first_s <= TARGET_FIRST_S),
        ]

    @property
    def met(self) -> bool:
        return all(met is not False for *_, met in self.checks())


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _when(value: Any) -> float:
    """A ``received_at`` as read back (datetime on PostgreSQL, text on SQLite) → epoch s."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def _comm(proc: Path) -> str:
    try:
        return (proc / "comm").read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` (0 when gone), plus those of its children
    that ended when it is the PostgreSQL postmaster (its backends come and go)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rpartition(")")[2].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if _comm(Path(f"/proc/{fields[1]}")) != "postgres" and _comm(Path(f"/proc/{pid}")) == \
            "postgres":
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def _percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


class Bench:
    """One backend's run over a started cluster."""

    def __init__(self, net: Any, result: Result, kind: str, profile: str | None = None) -> None:
        self.net = net
        self.offices = net.offices
        self.county = net.counties["sc.a"]
        self.result = result
        self.kind = kind
        self.profile = profile
        self.next_id = 1

    # -- helpers ---------------------------------------------------------------

    def events(self, kind: str, n: int) -> list[Any]:
        """``n`` new events of ``kind`` (``tally`` or ``note``)."""
        from tests.sync.fault_plugin import NoteRecorded, TallyReported

        first, self.next_id = self.next_id, self.next_id + n
        if kind == "note":
            return [NoteRecorded(note_id=i, text=f"问题 {i}") for i in range(first, first + n)]
        return [TallyReported(tally_id=i, text=f"问题 {i}") for i in range(first, first + n)]

    def last_inbox_id(self) -> int:
        return self.offices.count(self.net.city,
                                  'SELECT COALESCE(MAX("id"), 0) AS n FROM "sync_inbox"')

    def received_since(self, kind: str, inbox_id: int) -> list[dict[str, Any]]:
        """(event_id, received_at) of the city's inbox rows of ``kind`` after ``inbox_id``."""
        return self.offices.rows(self.net.city, 'SELECT "event_id", "received_at" FROM '
                                 '"sync_inbox" WHERE "id" > {} AND "type" = {}',
                                 inbox_id, EVENT_TYPES[kind])

    def wait_applied(self, kind: str, mark: int, n: int, what: str, timeout: float) -> None:
        """Wait until ``n`` events of ``kind`` are in the city's inbox after id ``mark``.

        Polls the inbox's highest id (an index lookup) and counts only once it
        is far enough, so that polling barely loads the machine.
        """
        start, last_report = time.monotonic(), time.monotonic()
        while True:
            if self.last_inbox_id() >= mark + n:
                got = self.offices.count(self.net.city, 'SELECT COUNT(*) AS n FROM '
                                         '"sync_inbox" WHERE "id" > {} AND "type" = {}',
                                         mark, EVENT_TYPES[kind])
                if got >= n:
                    return
            now = time.monotonic()
            if now - start > timeout:
                logs = "\n".join(f"--- {d.label} ---\n{d.log_tail(15)}"
                                 for d in self.net.deployments)
                raise BenchError(f"timed out after {timeout:.0f} s waiting for {what} "
                                 f"({self.last_inbox_id() - mark}/{n} received)\n{logs}")
            if now - last_report > 15:
                _say(f"  … {what}: {self.last_inbox_id() - mark:,}/{n:,} received")
                last_report = now
            time.sleep(0.1)

    def quiet(self) -> None:
        """Nothing in flight: the county's outbox is empty and the city has it all."""
        self.net.wait("the county's outbox to empty",
                      lambda: self.offices.outbox(self.county) == 0, timeout=120)

    def warm(self) -> None:
        """One event of each kind through the whole path (the city is up and pulling)."""
        for kind in EVENT_TYPES:
            mark = self.last_inbox_id()
            self.offices.emit(self.county, "sc.a", self.events(kind, 1))
            self.wait_applied(kind, mark, 1, f"a first {EVENT_TYPES[kind]}", 60)

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by each process of the run (Linux ``/proc``)."""
        pids: dict[str, list[int]] = {"bench": [os.getpid()]}
        for deployment in self.net.deployments:
            if deployment.process is not None:
                pids[deployment.label] = [deployment.process.pid]
        for label, server in [("hub", self.net.hub), *self.net.leaves.items()]:
            if server.process is not None:
                pids[label if label == "hub" else f"leaf {label}"] = [server.process.pid]
        if self.result.backend == "postgres":
            pids["postgres"] = [int(p.name) for p in Path("/proc").iterdir()
                                if p.name.isdigit() and _comm(p) == "postgres"]
        return {label: sum(_cpu_seconds(pid) for pid in group) for label, group in pids.items()}

    @contextlib.contextmanager
    def cpu_report(self, phase: str) -> Iterator[None]:
        """Print what each process spent on CPU during ``phase`` (share of wall time)."""
        before, start = self.cpu(), time.monotonic()
        yield
        after, wall = self.cpu(), time.monotonic() - start
        shares = ", ".join(f"{label} {(after[label] - before.get(label, 0.0)) / wall:.0%}"
                           for label in after if after[label] - before.get(label, 0.0) > 0.005)
        _say(f"  CPU during {phase} ({wall:.1f} s; 100% = one core): {shares}")

    @contextlib.contextmanager
    def profiled(self, phase: str) -> Iterator[None]:
        """With ``--profile``: py-spy the city's and the county's process during ``phase``."""
        if not self.profile:
            yield
            return
        spy = shutil.which("py-spy")
        if spy is None:
            raise BenchError("--profile needs py-spy on the PATH (pip install py-spy)")
        spies = []
        for deployment in (self.net.city, self.county):
            out = f"{self.profile}.{self.result.backend}.{phase}.{deployment.label}.txt"
            spies.append(subprocess.Popen(
                [spy, "record", "--pid", str(deployment.process.pid), "--format", "raw",
                 "--rate", "200", "--nonblocking", "--output", out],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.result.notes.append(f"{phase} profiled with py-spy (slower)")
        try:
            yield
        finally:
            for process in spies:
                process.send_signal(signal.SIGINT)
            for process in spies:
                process.wait(30)

    # -- 1. throughput ---------------------------------------------------------

    def raw_baseline(self, n: int, body_size: int) -> None:
        """Publish ``n`` messages from the county's leaf into the hub stream and consume
        them on the hub, with the city's process stopped (its consumer reads ``up.>``)."""
        self.net.city.stop()
        try:
            elapsed, publish = self.offices.run(self._raw(n, body_size))
        finally:
            self.net.city.start()
        self.result.raw_per_s = n / elapsed
        _say(f"raw JetStream: {n:,} × {body_size} B published and consumed in {elapsed:.2f} s "
             f"({self.result.raw_per_s:,.0f}/s; publishing with acks alone took {publish:.2f} s)")

    async def _raw(self, n: int, body_size: int) -> tuple[float, float]:
        import nats
        from nats.js.api import AckPolicy, ConsumerConfig

        from core.sync.subjects import STREAM_UP

        env = self.county.nats_env
        root = "up.sc-a.bench"
        hub = await nats.connect(self.net.hub.url)
        leaf = await nats.connect(env["XUNCHA_NATS_URL"],
                                  inbox_prefix=env["XUNCHA_NATS_INBOX_PREFIX"])
        try:
            hub_js = hub.jetstream()
            leaf_js = leaf.jetstream(domain=env["XUNCHA_SYNC_DOMAIN"])
            await hub_js.add_consumer(STREAM_UP, ConsumerConfig(
                durable_name=RAW_CONSUMER, ack_policy=AckPolicy.EXPLICIT, ack_wait=5,
                max_ack_pending=10_000, filter_subject=f"{root}.>"))
            sub = await hub_js.pull_subscribe_bind(durable=RAW_CONSUMER, stream=STREAM_UP)
            body, stamp = b"x" * body_size, f"{time.time_ns():x}"

            async def publish() -> float:
                futures = [await leaf_js.publish_async(
                    f"{root}.tally.reported", body, headers={"Nats-Msg-Id": f"{stamp}-{i:08d}"})
                    for i in range(n)]
                await asyncio.gather(*futures)
                return time.perf_counter() - start

            async def consume() -> None:
                got = 0
                while got < n:
                    try:
                        messages = await sub.fetch(FETCH_BATCH, timeout=0.5)
                    except nats.errors.TimeoutError:
                        continue
                    for message in messages:
                        await message.ack()
                    got += len(messages)
                await hub.flush()

            start = time.perf_counter()
            publish_s, _ = await asyncio.gather(publish(), consume())
            elapsed = time.perf_counter() - start
            await sub.unsubscribe()
            await hub_js.delete_consumer(STREAM_UP, RAW_CONSUMER)
            await hub_js.purge_stream(STREAM_UP, subject=f"{root}.>")
            return elapsed, publish_s
        finally:
            await leaf.close()
            await hub.close()

    def body_size(self) -> int:
        """Bytes on the wire of one event of the run's kind."""
        from core.events import envelope
        from core.sync import codec

        [sample] = self.events(self.kind, 1)
        return len(codec.encode(envelope(sample, "sc.a", datetime.now(UTC)), "sc"))

    def throughput(self, kind: str, n: int) -> float:
        """Events of ``kind`` per second, from starting to commit ``n`` to the last applied."""
        self.quiet()
        mark = self.last_inbox_id()
        events = self.events(kind, n)
        with self.profiled(f"throughput-{kind}"), self.cpu_report(f"throughput ({kind})"):
            start = time.time()
            self.offices.emit(self.county, "sc.a", events, per_transaction=1000)
            committed = time.time() - start
            self.wait_applied(kind, mark, n, f"{n:,} × {EVENT_TYPES[kind]}", timeout=900)
        last = max(_when(r["received_at"]) for r in self.received_since(kind, mark))
        rate = n / (last - start)
        _say(f"county→city, {EVENT_TYPES[kind]}: {n:,} applied in {last - start:.2f} s "
             f"({rate:,.0f}/s; committing them took {committed:.2f} s)")
        return rate

    # -- 2. latency --------------------------------------------------------------

    def latency(self, rate: float, seconds: float) -> None:
        self.quiet()
        mark = self.last_inbox_id()
        n = max(1, round(rate * seconds))
        committed = self.offices.emit_paced(self.county, "sc.a", self.events(self.kind, n), rate)
        self.wait_applied(self.kind, mark, n, f"{n} paced events", timeout=120)
        received = {r["event_id"]: _when(r["received_at"])
                    for r in self.received_since(self.kind, mark)}
        ms = [(received[event_id] - at) * 1000 for event_id, at in committed]
        r = self.result
        r.latency_n, r.p50_ms, r.p99_ms, r.max_ms = (
            n, _percentile(ms, 0.5), _percentile(ms, 0.99), max(ms))
        _say(f"latency over {n} events at {rate:.0f}/s: p50 {r.p50_ms:.1f} ms, "
             f"p99 {r.p99_ms:.1f} ms, max {r.max_ms:.1f} ms, min {min(ms):.1f} ms")

    # -- 3. outage ---------------------------------------------------------------

    def outage(self, backlog: int) -> None:
        self.quiet()
        mark = self.last_inbox_id()
        hub = self.net.hub
        hub.stop()
        start = time.time()
        self.offices.emit(self.county, "sc.a", self.events(self.kind, backlog),
                          per_transaction=2000)
        committed = time.time() - start
        waiting = self.offices.outbox(self.county)
        if waiting != backlog:
            raise BenchError(f"{waiting} events in the outbox while the hub is down, "
                             f"not {backlog}: did some leave?")
        _say(f"hub down; {backlog:,} events committed in {committed:.1f} s and waiting in "
             "the county's outbox; starting the hub")
        started = time.time()
        hub.start()
        back = time.time()
        with self.profiled("drain"), self.cpu_report("drain"):
            self.wait_applied(self.kind, mark, backlog, f"the {backlog:,} backlog",
                              timeout=1800)
        times = [_when(r["received_at"]) for r in self.received_since(self.kind, mark)]
        r = self.result
        r.hub_start_s, r.backlog = back - started, backlog
        r.first_s, r.drain_s = min(times) - back, max(times) - back
        _say(f"hub accepting after {r.hub_start_s:.2f} s; first applied {r.first_s:.2f} s "
             f"later, all {backlog:,} {r.drain_s:.1f} s later "
             f"({backlog / max(r.drain_s, 1e-9):,.0f}/s)")


def run_backend(backend: str, args: argparse.Namespace) -> Result:
    """Build the cluster on ``backend`` and take every figure."""
    os.environ["XUNCHA_TEST_DB"] = backend
    os.environ["XUNCHA_TEST_PG_DSN"] = args.pg_dsn
    from tests.sync.cluster import cluster  # reads the two variables above

    result = Result(backend, kind=args.event, events=args.events)
    if args.tls:
        result.notes.append("leaf links over mutual TLS (the raw baseline crosses them too)")
    tmp = Path(tempfile.mkdtemp(prefix=f"xuncha-bench-sync-{backend}-"))
    try:
        links = " over mutual TLS" if args.tls else ""
        _say(f"{backend}: starting a hub, two leaves{links} and three `xuncha sync run` in {tmp}")
        with cluster(tmp, tls=args.tls) as net:
            bench = Bench(net, result, args.event, args.profile)
            bench.warm()
            bench.raw_baseline(args.events, bench.body_size())
            bench.warm()
            result.ours_per_s = bench.throughput(args.event, args.events)
            result.other_per_s = bench.throughput(result.other, args.events)
            bench.latency(args.rate, args.seconds)
            bench.outage(args.backlog)
    finally:
        if args.keep:
            _say(f"kept {tmp} (logs: */sync-*.log, */nats-server.log)")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return result


def print_table(results: Sequence[Result]) -> None:
    """Figures and targets, one block per backend."""
    print()
    print(f"{'backend':<9} {'figure':<32} {'value':>13}  {'target':<9} result")
    for r in results:
        for name, value, target, met in r.checks():
            verdict = "" if met is None else "met" if met else "NOT MET"
            print(f"{r.backend:<9} {name:<32} {value:>13}  {target:<9} {verdict}")
        print(f"{'':<9} ({r.events:,} events per throughput figure; latency and outage with "
              f"{EVENT_TYPES[r.kind]}; latency over {r.latency_n} events, max {r.max_ms:.0f} ms; "
              f"the hub took {r.hub_start_s:.2f} s to start)")
        for note in r.notes:
            print(f"{'':<9} note: {note}")
    print(flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--events", type=int, default=20_000,
                        help="events for the throughput figure (and the raw baseline)")
    parser.add_argument("--event", choices=tuple(EVENT_TYPES), default="tally",
                        help="event for the targets: tally (inbox and replica only, default) or "
                             "note (its receiving hook also appends an audit entry)")
    parser.add_argument("--backlog", type=int, default=TARGET_BACKLOG,
                        help="events committed while the hub is down")
    parser.add_argument("--rate", type=float, default=100.0,
                        help="events per second for the latency figure")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="seconds of paced events for the latency figure")
    parser.add_argument("--pg-dsn", default=DEFAULT_PG_DSN, help="PostgreSQL admin DSN")
    parser.add_argument("--profile", metavar="PREFIX",
                        help="py-spy the city's and the county's process during the throughput "
                             "and drain phases into PREFIX.<backend>.<phase>.<deployment>.txt")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (server and process logs)")
    parser.add_argument("--json", metavar="FILE", help=argparse.SUPPRESS)  # for --backend both
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--tls", action="store_true",
                        help="link the leaves to the hub with mutual TLS (nats-config --tls)")
    return parser.parse_args(argv)


def _terminate(signum: int, frame: FrameType | None) -> Any:
    raise KeyboardInterrupt(f"signal {signum}")


def _run_children(argv: Sequence[str]) -> list[Result]:
    """Each backend in a process of its own (the test helpers pick the backend at import)."""
    rest, skip = [], False
    for arg in argv:
        if skip or arg.startswith("--backend="):
            skip = False
            continue
        skip = arg == "--backend"
        if not skip:
            rest.append(arg)
    results = []
    for backend in ("sqlite", "postgres"):
        with tempfile.TemporaryDirectory(prefix="xuncha-bench-sync-") as folder:
            out = Path(folder) / "result.json"
            child = subprocess.Popen([sys.executable, __file__, *rest, "--backend", backend,
                                      "--json", str(out)])
            try:
                code = child.wait()
            except KeyboardInterrupt as exc:
                if "signal" in str(exc):  # SIGTERM: pass it on (Ctrl-C reached it already)
                    child.send_signal(signal.SIGTERM)
                child.wait()
                raise
            if code not in (0, 1) or not out.exists():
                raise BenchError(f"the {backend} run failed (exit {code})")
            results.append(Result(**json.loads(out.read_text(encoding="utf-8"))))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status (0, 1 missed with --strict, 2 failed)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        if args.backend == "both":
            results = _run_children(argv)
        else:
            results = [run_backend(args.backend, args)]
            if args.json:
                Path(args.json).write_text(json.dumps(asdict(results[0])), encoding="utf-8")
                return 0
    except (BenchError, AssertionError) as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; cleaned up", file=sys.stderr)
        return 130
    print_table(results)
    return 1 if args.strict and not all(r.met for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
