"""The city's comparison of its counties on the shared app: a county's signed evaluation
reaches the city through the app's own sync service; the page draws an inline SVG."""

from __future__ import annotations

from typing import Any

from core.db import Database
from tests.conftest import ActingClient
from tests.inspection.helpers import Client, ok
from tests.plugins.evaluation.helpers import COUNTY, api, create, page, seeded, sign_off
from tests.sync.helpers import eventually

CITY = "ta"


async def test_the_city_compares_what_its_counties_signed_off(
        client: Client, database: Database, tenant_ids: dict[str, int],
        signer: ActingClient) -> None:
    made = await create(client, await seeded(database, tenant_ids))
    signed = await sign_off(client, signer, made["id"])

    async def arrived() -> dict[str, Any] | None:
        body = ok(await client.get(api(CITY, "counties")))
        county = next(c for c in body["counties"] if c["code"] == COUNTY)
        return county if any(r["source_id"] == signed["id"] for r in county["results"]) \
            else None

    county = await eventually(arrived, what="the signed evaluation at the city")
    assert county is not None and county["name"] == "甲一县委巡察办" and county["count"] >= 1
    assert sum(county["by_grade"].values()) == county["count"]
    shown = await client.get(page(CITY, "counties"))
    assert shown.status_code == 200 and "<svg" in shown.text and "甲一县委巡察办" in shown.text
    assert "各县（市、区）整改评估结果对比" in shown.text
    refused = await client.get(api(COUNTY, "counties"))
    assert refused.status_code == 403 and "下级巡察机构" in refused.text
    menu = await client.get(f"/t/{CITY}/")
    assert "整改评估汇总" in menu.text
