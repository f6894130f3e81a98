"""Loading tenant trees from TOML: the demo tree, idempotence, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.db import Database
from core.tenancy.loader import TenantFileError, load_tree, sync_tree
from core.tenancy.model import OrgSpec, TenantSpec
from core.tenancy.tables import Org, OrgKind, TenantLevel
from tests.conftest import REPO


def test_demo_tree_is_a_real_city_with_six_counties() -> None:
    specs = load_tree(REPO / "tenants" / "demo")
    city = specs[0]
    assert (city.code, city.level) == ("zz", TenantLevel.city)
    assert "郑州" in city.name
    counties = [s for s in specs if s.parent == "zz"]
    assert len(counties) >= 6
    for county in counties:
        kinds = [o.kind for o in county.orgs]
        base = kinds.count(OrgKind.village) + kinds.count(OrgKind.community)
        assert 70 <= base <= 260, county.code
        assert OrgKind.township in kinds and OrgKind.department in kinds
        townships = {o.code for o in county.orgs if o.kind == OrgKind.township}
        assert all(o.parent in townships for o in county.orgs
                   if o.kind in (OrgKind.village, OrgKind.community))
    assert any(OrgKind.department in [o.kind for o in city.orgs] for _ in [0])


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"a.toml": 'code = "a"\nname = "甲"\nlevel = "town"\n'}, "level"),
        ({"a.toml": 'code = "A B"\nname = "甲"\nlevel = "city"\n'}, "code"),
        ({"a.toml": 'code = "a"\nname = "甲"\nlevel = "city"\ncolour = 1\n'}, "colour"),
        ({"a.toml": 'code = "a.b"\nname = "乙"\nlevel = "county"\n'}, "上级机构 parent"),
        ({"a.toml": 'code = "a"\nname = "乙"\nlevel = "city"\nparent = "a"\n'}, "自身"),
        ({"a.toml": 'code = "a"\nname = "甲"\nlevel = "city"\n',
          "b.toml": 'code = "a"\nname = "甲2"\nlevel = "city"\n'}, "重复"),
        ({"a.toml": 'code = "a"\nname = "甲"\nlevel = "city"\n'
                    '[[orgs]]\ncode = "V1"\nname = "村"\nkind = "village"\nparent = "T9"\n'},
         "orgs[0].parent"),
        ({"a.toml": 'code = "a"\nname = "甲"\nlevel = "city"\n'
                    '[[orgs]]\ncode = "V1"\nname = "村"\nkind = "farm"\n'}, "kind"),
        ({"a.toml": "code = = 1"}, "TOML"),
    ],
)
def test_bad_files_are_refused_with_the_place(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    for name, text in files.items():
        _write(tmp_path, name, text)
    with pytest.raises(TenantFileError) as caught:
        load_tree(tmp_path)
    assert expected in str(caught.value)


def test_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TenantFileError, match="未找到"):
        load_tree(tmp_path)


def test_a_county_may_name_a_parent_served_elsewhere(tmp_path: Path) -> None:
    # A county's own deployment loads only its file; its city is known by code.
    _write(tmp_path, "c.toml", 'code = "zz.c"\nname = "丙县"\nlevel = "county"\nparent = "zz"\n')
    [spec] = load_tree(tmp_path)
    assert spec.parent == "zz"


def test_cycles_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, "a.toml", 'code = "a"\nname = "甲"\nlevel = "city"\nparent = "b"\n')
    _write(tmp_path, "b.toml", 'code = "b"\nname = "乙"\nlevel = "city"\nparent = "a"\n')
    with pytest.raises(TenantFileError, match="循环"):
        load_tree(tmp_path)


async def test_sync_is_idempotent_and_deactivates_instead_of_deleting(database: Database) -> None:
    spec = TenantSpec(code="tz", name="测试县委巡察办", level=TenantLevel.county, orgs=[
        OrgSpec(code="T1", name="一镇", kind=OrgKind.township),
        OrgSpec(code="T1V1", name="一村", kind=OrgKind.village, parent="T1"),
        OrgSpec(code="T1V2", name="二村", kind=OrgKind.village, parent="T1"),
    ])
    first = await sync_tree(database, [spec])
    assert first.tenants_created == ["tz"] and first.orgs_created == 3
    again = await sync_tree(database, [spec])
    assert not again.changed
    assert "无变化" in again.summary()

    renamed = TenantSpec(code="tz", name="测试县委巡察办", level=TenantLevel.county, orgs=[
        OrgSpec(code="T1", name="一镇", kind=OrgKind.township),
        OrgSpec(code="T1V1", name="一村（更名）", kind=OrgKind.village, parent="T1"),
    ])
    changed = await sync_tree(database, [renamed])
    assert (changed.orgs_updated, changed.orgs_deactivated, changed.orgs_created) == (1, 1, 0)
    tenant_id = (await database.fetch('SELECT "id" FROM "tenant" WHERE "code" = '
                                      + database.dialect.mark(1), ["tz"]))[0]["id"]
    rows = {r["code"]: r for r in await database.tenant(tenant_id).list(Org, limit=None)}
    assert rows["T1V2"]["active"] is False  # kept, not deleted
    assert rows["T1V1"]["name"] == "一村（更名）"
    assert rows["T1V1"]["parent"] == rows["T1"]["id"]
