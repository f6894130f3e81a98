"""Accounts of the evaluation tests: a leading-group member of ``ta.one`` who signs off."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from tests.conftest import ActingClient, acting_as


@pytest.fixture(scope="session")
async def signer(app: Litestar, client: AsyncTestClient[Litestar],
                 database: Database) -> ActingClient:
    """A leading-group member (领导小组) of ``ta.one``: may sign off, not score."""
    acting, _ = await acting_as(app, client, database, "leading_group", "ta.one")
    return acting
