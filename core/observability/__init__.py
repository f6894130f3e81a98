"""Metrics and their endpoint (Prometheus), for operators."""

__all__: list[str] = []
