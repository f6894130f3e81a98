"""The metrics the processes record (``prometheus_client``); see
:mod:`core.observability.export` for how they are served.

Recording is cheap (a counter in memory, or in a memory-mapped file in
multiprocess mode); nothing here touches the database.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = ["LATENCY", "REQUESTS", "SCAN_DURATION"]

REQUESTS = Counter("xuncha_http_requests", "HTTP requests answered",
                   ["route", "method", "status"])
LATENCY = Histogram("xuncha_http_request_duration_seconds",
                    "Time from a request's arrival to the end of its answer",
                    ["route", "method"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                             30.0))
SCAN_DURATION = Histogram("xuncha_overdue_scan_duration_seconds",
                          "Duration of one overdue scan of every tenant",
                          buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                                   120.0, 300.0))
