"""Prometheus metrics of a deployment (``prometheus_client``), on a port of their own.

``xuncha serve --metrics-port P`` (or ``XUNCHA_METRICS_PORT``) answers
``GET http://<metrics host>:P/metrics`` in the Prometheus text format:

- ``xuncha_http_requests_total{route, method, status}``: requests answered, by
  route template (``/t/{tenant}/api/audit/head``, never the raw path;
  ``<unmatched>`` for paths no route serves);
- ``xuncha_http_request_duration_seconds{route, method}``: their latency;
- ``xuncha_overdue_scan_duration_seconds``: how long each overdue scan took;
- ``xuncha_sync_*{tenant, role}``: outbox depth, the oldest waiting event,
  consumer backlog, lag and time of the last applied event, read at scrape
  time by :class:`core.sync.status.LinkReader`, the same reading
  ``xuncha sync status`` prints (no query runs on the request path).

The request path only increments counters in memory. With several worker
processes (``serve --workers N``) each worker writes its counters to files in
a directory of prometheus_client's multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR``, made afresh by ``serve`` at each start), and the
supervising process serves their sum on the one metrics port.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from core.settings import Settings
from core.sync.status import LinkReader, LinkReport

__all__ = ["MULTIPROC_ENV", "LinkCollector", "MetricsServer", "link_metrics",
           "multiprocess_dir", "start_metrics_server"]

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""The environment variable naming prometheus_client's multiprocess directory."""

SCRAPE_TIMEOUT_SECONDS = 10.0
"""How long a scrape waits for the link reading before reporting it failed."""

def _timestamp(value: Any) -> float:
    return float(value.timestamp())


def link_metrics(report: LinkReport | None) -> list[Metric]:
    """The ``xuncha_sync_*`` metric families of one link reading (None: it failed)."""
    up = GaugeMetricFamily("xuncha_sync_status_up",
                           "1 when the sync status could be read at this scrape")
    up.add_metric([], 0.0 if report is None else 1.0)
    if report is None:
        return [up]
    labels = ["tenant", "role"]
    nats = GaugeMetricFamily("xuncha_sync_nats_known",
                             "1 when the consumer backlog was read from NATS")
    nats.add_metric([], 0.0 if report.nats_note else 1.0)
    pending = GaugeMetricFamily("xuncha_sync_outbox_pending",
                                "Events committed but not yet stored by JetStream", labels=labels)
    oldest = GaugeMetricFamily("xuncha_sync_outbox_oldest_timestamp_seconds",
                               "When the oldest waiting event was written (Unix time)",
                               labels=labels)
    backlog = GaugeMetricFamily("xuncha_sync_consumer_pending",
                                "Messages of the tenant's consumer not yet applied here",
                                labels=[*labels, "consumer"])
    lag = GaugeMetricFamily("xuncha_sync_lag_seconds",
                            "From the last applied event's occurrence to its application",
                            labels=labels)
    applied = GaugeMetricFamily("xuncha_sync_last_applied_timestamp_seconds",
                                "When the last received event was applied (Unix time)",
                                labels=labels)
    for link in report.links:
        values = [link.tenant, link.role]
        pending.add_metric(values, float(link.outbox_pending))
        if link.outbox_oldest is not None:
            oldest.add_metric(values, _timestamp(link.outbox_oldest))
        if link.consumer_pending is not None:
            backlog.add_metric([*values, link.consumer], float(link.consumer_pending))
        if link.lag_seconds is not None:
            lag.add_metric(values, link.lag_seconds)
        if link.last_applied_at is not None:
            applied.add_metric(values, _timestamp(link.last_applied_at))
    return [up, nats, pending, oldest, backlog, lag, applied]


class LinkCollector(Collector):
    """Reads the link status at each scrape, on an event loop of its own.

    The HTTP server of ``prometheus_client`` calls :meth:`collect` in a thread;
    the reading (database and NATS, through :class:`LinkReader`, whose
    connections stay open between scrapes) runs on this collector's loop. A
    reading that fails or takes longer than ``timeout`` seconds is reported as
    ``xuncha_sync_status_up 0`` and its connections are opened afresh next time.

    Args:
        settings: the deployment's settings.
        timeout: seconds a scrape waits for the reading.
    """

    def __init__(self, settings: Settings, timeout: float = SCRAPE_TIMEOUT_SECONDS) -> None:
        self.reader = LinkReader(settings)
        self.timeout = timeout
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever,
                                        name="xuncha-metrics-links", daemon=True)
        self._thread.start()

    def collect(self) -> Iterable[Metric]:
        """The ``xuncha_sync_*`` families, read now."""
        with self._lock:
            future = asyncio.run_coroutine_threadsafe(self.reader.read(), self._loop)
            try:
                report: LinkReport | None = future.result(self.timeout)
            except Exception:
                future.cancel()
                log.warning("metrics: reading the sync status failed", exc_info=True)
                report = None
                with contextlib.suppress(Exception):
                    asyncio.run_coroutine_threadsafe(self.reader.close(),
                                                     self._loop).result(self.timeout)
        return link_metrics(report)

    def close(self) -> None:
        """Close the reader's connections and stop the loop."""
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self.reader.close(),
                                             self._loop).result(self.timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(self.timeout)


@dataclass
class MetricsServer:
    """The running metrics endpoint (see :func:`start_metrics_server`)."""

    server: Any
    thread: threading.Thread
    collector: LinkCollector
    registry: CollectorRegistry

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.server.server_port)

    def stop(self) -> None:
        """Stop answering and close the collector's connections."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(SCRAPE_TIMEOUT_SECONDS)
        self.registry.unregister(self.collector)
        self.collector.close()


def start_metrics_server(settings: Settings, multiprocess: Path | None = None) -> MetricsServer:
    """Serve ``/metrics`` on ``settings.metrics_host:settings.metrics_port`` in a thread.

    Args:
        settings: the deployment's settings.
        multiprocess: the multiprocess directory of the worker processes; None
            serves this process's own metrics (the single-process ``serve``).

    Raises:
        OSError: the port cannot be bound.
    """
    if multiprocess is None:
        registry = REGISTRY
    else:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(multiprocess))  # type: ignore[no-untyped-call]
    collector = LinkCollector(settings)
    registry.register(collector)
    try:
        server, thread = start_http_server(settings.metrics_port, settings.metrics_host,
                                           registry=registry)
    except OSError:
        registry.unregister(collector)
        collector.close()
        raise
    log.info("metrics served at http://%s:%d/metrics", settings.metrics_host,
             server.server_port)
    return MetricsServer(server=server, thread=thread, collector=collector, registry=registry)


@contextlib.contextmanager
def multiprocess_dir(home: Path) -> Iterator[Path]:
    """A fresh multiprocess directory under ``home``, named in the environment the
    worker processes inherit (``PROMETHEUS_MULTIPROC_DIR``), removed afterwards.

    prometheus_client wants it empty at start: files of a previous run would be
    summed with this one's.
    """
    home.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="metrics-", dir=home))
    before = os.environ.get(MULTIPROC_ENV)
    os.environ[MULTIPROC_ENV] = str(path)
    try:
        yield path
    finally:
        if before is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = before
        shutil.rmtree(path, ignore_errors=True)
