"""``core.pagination.Page``: one generic page type, readable in the OpenAPI document."""

from __future__ import annotations

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.pagination import Page


class Row(msgspec.Struct, kw_only=True):
    id: int
    name: str


def test_a_page_decodes_and_checks_its_items() -> None:
    raw = b'{"items":[{"id":1,"name":"\xe5\x8e\xbf\xe5\xa7\x94"}],"total":3,"limit":1,"offset":0}'
    page = msgspec.json.decode(raw, type=Page[Row])
    assert page == Page(items=[Row(id=1, name="县委")], total=3, limit=1, offset=0)
    assert msgspec.json.encode(page) == raw
    with pytest.raises(msgspec.ValidationError, match=r"\$\.items\[0\]\.id"):
        msgspec.json.decode(b'{"items":[{"id":"x","name":""}],"total":1,"limit":1,"offset":0}',
                            type=Page[Row])


def test_the_repr_names_the_item_type_without_its_module() -> None:
    assert repr(Page[Row]) == "core.pagination.Page[Row]"
    assert Page[Row] == Page[Row] and hash(Page[Row]) == hash(Page[Row])


async def test_openapi_names_every_page_after_its_item(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    schemas = response.json()["components"]["schemas"]
    pages = sorted(name for name in schemas if name.startswith("Page"))
    assert pages == [
        "Page_ActionOut_", "Page_CityClueOut_", "Page_ClueOut_", "Page_DirectiveOut_",
        "Page_DisclosureOut_", "Page_FindingOut_", "Page_InspectionOut_", "Page_ItemOut_",
        "Page_OrgOut_", "Page_PaperBrief_", "Page_ReportOut_", "Page_RevisionOut_",
        "Page_RoundOut_", "Page_SharedFindingOut_", "Page_TokenInfo_",
    ]
    found = schemas["Page_InspectionOut_"]
    assert found["required"] == ["items", "limit", "offset", "total"]
    # (Another ``InspectionOut`` exists, so litestar spells this one's module out.)
    assert found["properties"]["items"]["items"] == {
        "$ref": "#/components/schemas/core_inspection_inspections_InspectionOut"}
    # No page is left as a hand-written struct of its own.
    assert not [name for name in schemas if name.endswith("Page")]
