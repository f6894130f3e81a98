"""Steps shared by the linkage tests on the shared app (city ``ta``, county ``ta.one``)."""

from __future__ import annotations

import itertools
import time
from typing import Any, TypeVar

from tests.inspection.helpers import Client, api, ok
from tests.sync.helpers import eventually

__all__ = ["CITY", "COUNTY", "OTHER", "eventually", "issue", "marker", "received"]

T = TypeVar("T")

CITY, COUNTY, OTHER = "ta", "ta.one", "tb"
_serial = itertools.count(1)


def marker(label: str) -> str:
    """A text no other test uses (titles are matched by it)."""
    return f"{label}{next(_serial)}-{time.monotonic_ns() % 10**8}"


async def issue(client: Client, tenant: str = CITY, **body: Any) -> dict[str, Any]:
    """A directive issued through the API (kind ``directive`` unless given)."""
    return ok(await client.post(api(tenant, "directives"),  # type: ignore[no-any-return]
                                json={"kind": "directive", **body}), 201)


async def received(client: Client, directive_id: int, county: str = COUNTY,
                   origin: str = CITY) -> dict[str, Any] | None:
    """The directive as the county lists it, or None before it arrived."""
    page = ok(await client.get(api(county, "directives"), params={"limit": 500}))
    return next((d for d in page["items"]
                 if d["id"] == directive_id and d["origin"] == origin), None)
