"""Fixtures of the rural_revitalization plugin's tests.

The ``xuncha_*`` fixtures come from the pytest plugin shipped with xuncha (a
migrated app on SQLite or, with ``XUNCHA_TEST_DB=postgres``, PostgreSQL; a
real nats-server; clients per role; the clock; an event recorder). Here the
tenant tree is overridden so that the city ``tb`` has not enabled the plugin.
"""

from __future__ import annotations

import pytest
from core.tenancy.model import TenantSpec
from core.testing.tree import OTHER_CITY, tree_without


@pytest.fixture(scope="session")
def xuncha_tree() -> list[TenantSpec]:
    """ta → ta.one enable every plugin; tb has not enabled rural_revitalization."""
    return tree_without("rural_revitalization", OTHER_CITY)
