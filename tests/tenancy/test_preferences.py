"""The office admin's settings and plugins: checked by each setting's rule, kept over the
tenant file (``tenants sync`` leaves them), merged by the registry, audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from core.audit.tables import AuditEntry
from core.contributions import TenantSetting
from core.db import Database
from core.errors import Invalid
from core.plugins import Plugins
from core.tenancy.loader import sync_tree
from core.tenancy.model import TenantInfo
from core.tenancy.preferences import check_setting, save_plugins, save_settings, setting_views
from core.tenancy.registry import TenantRegistry
from tests.conftest import TEST_TREE

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
CODE = "ta.one"


@pytest.fixture()
async def registry(database: Database, plugins: Plugins) -> AsyncIterator[TenantRegistry]:
    """A registry of the test tenants; ta.one's preferences are dropped afterwards."""
    defaults = {s.key: s.default for s in plugins.gather_now("xuncha_tenant_settings")}
    registry = TenantRegistry(database, defaults)
    yield registry
    await database.fetch('DELETE FROM "tenant_preference"')


def declared(plugins: Plugins) -> list[TenantSetting]:
    return list(plugins.gather_now("xuncha_tenant_settings"))


async def tenant(registry: TenantRegistry) -> TenantInfo:
    await registry.refresh(force=True)
    found = await registry.get(CODE)
    assert found is not None
    return found


@pytest.mark.parametrize(("setting", "raw", "value"), [
    (TenantSetting(key="d", label="期限", default=10, minimum=1, maximum=60), " 15 ", 15),
    (TenantSetting(key="d", label="期限", default=10), 0, 0),
    (TenantSetting(key="r", label="比例", default=0.5, maximum=1), "0.25", 0.25),
    (TenantSetting(key="b", label="开关", default=False), "true", True),
    (TenantSetting(key="c", label="截止", default="a", choices=(("a", "甲"), ("b", "乙"))),
     "b", "b"),
    (TenantSetting(key="t", label="称谓", default="巡察组"), " 巡察小组 ", "巡察小组"),
])
def test_values_are_checked_and_converted(setting: TenantSetting, raw: object,
                                          value: object) -> None:
    assert check_setting(setting, raw) == value


@pytest.mark.parametrize(("setting", "raw", "reason"), [
    (TenantSetting(key="d", label="期限", default=10, minimum=1, maximum=60, unit="天"), "0",
     "应在 1 到 60 之间（单位：天）"),
    (TenantSetting(key="d", label="期限", default=10), "十", "应为整数"),
    (TenantSetting(key="d", label="期限", default=10), "1.5", "应为整数"),
    (TenantSetting(key="d", label="期限", default=10), True, "应为整数"),
    (TenantSetting(key="d", label="期限", default=10), "100001", "应在 0 到 100000 之间"),
    (TenantSetting(key="r", label="比例", default=0.5), "nan", "应为数字"),
    (TenantSetting(key="b", label="开关", default=False), "maybe", "应为“是”或“否”"),
    (TenantSetting(key="c", label="截止", default="a", choices=(("a", "甲"), ("b", "乙"))),
     "z", "应为以下之一：甲、乙"),
    (TenantSetting(key="t", label="称谓", default="x"), "x" * 201, "不能超过 200 个字符"),
    (TenantSetting(key="t", label="称谓", default="x"), 5, "应为文本"),
])
def test_bad_values_are_refused_in_chinese(setting: TenantSetting, raw: object,
                                           reason: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_setting(setting, raw)
    assert [e.field for e in caught.value.errors] == [setting.key]
    assert reason in caught.value.message


async def test_settings_override_the_file_survive_a_sync_and_are_audited(
        database: Database, plugins: Plugins, registry: TenantRegistry,
        tenant_ids: dict[str, int]) -> None:
    before = await tenant(registry)
    changed = await save_settings(database, before, declared(plugins),
                                  {"rounds_per_year": "4", "team_access_until": "report_signed"},
                                  actor="admin.x", now=NOW)
    assert changed == {"rounds_per_year": [3, 4],
                       "team_access_until": ["withdrawn", "report_signed"]}
    await sync_tree(database, TEST_TREE)  # the tenant file again: the admin's values stay
    after = await tenant(registry)
    assert after.settings["rounds_per_year"] == 4
    views = {v.key: v for v in setting_views(after, declared(plugins))}
    assert (views["rounds_per_year"].source, views["term_years"].source) == ("admin", "default")
    again = await save_settings(database, after, declared(plugins),
                                {"rounds_per_year": 4}, actor="admin.x", now=NOW)
    assert again == {}
    back = await save_settings(database, after, declared(plugins),
                               {"rounds_per_year": None}, actor="admin.x", now=NOW)
    assert back == {"rounds_per_year": [4, 3]}
    assert (await tenant(registry)).settings["rounds_per_year"] == 3
    entries = await database.tenant(tenant_ids[CODE]).list(
        AuditEntry, {"action": "tenant.settings"}, order_by=("seq",), limit=None)
    assert [(e["actor"], e["detail"]["changed"]) for e in entries][-2:] == [
        ("admin.x", {"rounds_per_year": [3, 4],
                     "team_access_until": ["withdrawn", "report_signed"]}),
        ("admin.x", {"rounds_per_year": [4, 3]})]


async def test_bad_settings_change_nothing(database: Database, plugins: Plugins,
                                           registry: TenantRegistry) -> None:
    before = await tenant(registry)
    with pytest.raises(Invalid) as caught:
        await save_settings(database, before, declared(plugins),
                            {"rounds_per_year": "0", "term_years": "6", "nope": "1"},
                            actor="admin.x", now=NOW)
    assert sorted(e.field for e in caught.value.errors) == ["nope", "rounds_per_year"]
    after = await tenant(registry)
    assert after.settings["term_years"] == 5


async def test_plugins_on_and_off_then_back_to_the_file(
        database: Database, plugins: Plugins, registry: TenantRegistry,
        tenant_ids: dict[str, int]) -> None:
    known = [n for n in plugins.names if n != "core"]
    assert "village_coverage" in known
    before = await tenant(registry)
    same = await save_plugins(database, before, known, known, actor="admin.x", now=NOW)
    assert same == ("*",)  # every plugin on, as the file says: nothing written
    assert (await tenant(registry)).file_plugins == (await tenant(registry)).plugins
    stored = await save_plugins(database, before, known,
                                [n for n in known if n != "village_coverage"],
                                actor="admin.x", now=NOW)
    assert stored == ("*", "-village_coverage")
    after = await tenant(registry)
    assert after.plugins == ("*", "-village_coverage")
    with pytest.raises(Invalid) as caught:
        await save_plugins(database, after, known, ["made_up"],
                           actor="admin.x", now=NOW)
    assert caught.value.errors[0].field == "plugins"
    await save_plugins(database, after, known, None, actor="admin.x",
                       now=NOW)
    assert (await tenant(registry)).plugins == ("*",)
    entries = await database.tenant(tenant_ids[CODE]).list(
        AuditEntry, {"action": "tenant.plugins", "actor": "admin.x"}, order_by=("seq",),
        limit=None)
    assert [e["detail"]["plugins"] for e in entries] == [["*", "-village_coverage"], None]
