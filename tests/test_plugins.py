"""The plugin system, exercised with a real third-party plugin.

The sample plugin (``tests/sample_plugin``: 高标准农田建设专项巡察) implements
every hook. It is loaded with ``XUNCHA_PLUGINS`` into an app of its own, on a
database of its own, where tenants ``ta`` and ``ta.one`` enable it and ``tb``
disables it; entry point discovery and the ``xuncha`` command are tested too.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import click
import msgspec
import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.app import create_app
from core.contributions import RecusalConflict, TeamCandidate
from core.db import Database
from core.db.sql import table_info
from core.hookspecs import HOOK_NAMES
from core.inspection.tables import TeamMember
from core.plugins import PluginError, PluginInfo, Plugins
from core.runtime import runtime_of
from core.settings import Settings, load_settings
from core.tenancy.loader import sync_tree
from core.tenancy.model import TenantInfo
from core.testing.clients import AppClient
from tests.authz.conftest import new_actor
from tests.conftest import (
    RunDatabase,
    TenantTokens,
    make_settings,
    migrate_database,
    office_admin_tokens,
)
from tests.inspection.helpers import api, new_inspection, new_round, org_ids
from tests.plugin_fixtures import (
    SAMPLE_DIR,
    SAMPLE_MODULE,
    SAMPLE_NAME,
    forget_modules,
    run_xuncha,
    sample_tree,
    scratch_database,
    write_distribution,
)

pytestmark = pytest.mark.once_on("postgres")

Client = AsyncTestClient[Litestar]
NOTES = "/t/{}/sample/notes"


# -- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample() -> Iterator[ModuleType]:
    """The sample plugin module, importable for this module's tests only."""
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(SAMPLE_DIR))
        yield importlib.import_module(SAMPLE_MODULE)
    forget_modules(SAMPLE_MODULE)


@pytest.fixture(scope="module")
def sample_note(sample: ModuleType) -> Any:
    """The plugin's tenant-owned table class."""
    return importlib.import_module(f"{SAMPLE_MODULE}.tables").SampleNote


@pytest.fixture(scope="module")
def sample_test_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunDatabase]:
    with scratch_database(tmp_path_factory.mktemp("sample_db"), "sample") as test_db:
        yield test_db


@pytest.fixture(scope="module")
def sample_settings(
    tmp_path_factory: pytest.TempPathFactory, sample_test_db: RunDatabase, sample: ModuleType
) -> Settings:
    return make_settings(tmp_path_factory.mktemp("sample_home"), sample_test_db,
                         XUNCHA_PLUGINS=SAMPLE_MODULE)


@pytest.fixture(scope="module")
def sample_plugins(sample_settings: Settings) -> Plugins:
    return Plugins(sample_settings)


@pytest.fixture(scope="module")
async def sample_database(
    sample_settings: Settings, sample_plugins: Plugins
) -> AsyncIterator[Database]:
    """The scratch database, migrated with the plugin's table, tree loaded (admin role)."""
    await migrate_database(sample_settings, sample_plugins)
    admin = Database(sample_settings.database_admin_url)
    await admin.start()
    try:
        await sync_tree(admin, sample_tree())
        yield admin
    finally:
        await admin.stop()


@pytest.fixture(scope="module")
async def sample_tokens(sample_database: Database) -> dict[str, str]:
    return await office_admin_tokens(sample_database)


@pytest.fixture(scope="module")
async def sample_app(
    sample_settings: Settings, sample_plugins: Plugins, sample_database: Database,
    sample_tokens: dict[str, str],
) -> Litestar:
    return create_app(sample_settings, sample_plugins)


@pytest.fixture(scope="module")
async def sample_client(sample_app: Litestar,
                        sample_tokens: dict[str, str]) -> AsyncIterator[Client]:
    async with AppClient(sample_app) as test_client:
        test_client.auth = TenantTokens(sample_tokens, "ta")
        yield test_client


@pytest.fixture(scope="module")
async def tenants(sample_app: Litestar, sample_client: Client) -> dict[str, TenantInfo]:
    return {t.code: t for t in await runtime_of(sample_app.state).tenants.all()}


@pytest.fixture
def scratch_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Write a one-file plugin module to a temporary folder and name it."""
    names: list[str] = []

    def write(name: str, source: str) -> Settings:
        (tmp_path / f"{name}.py").write_text(source, encoding="utf-8")
        names.append(name)
        return load_settings({"XUNCHA_HOME": str(tmp_path), "XUNCHA_PLUGINS": name})

    monkeypatch.syspath_prepend(str(tmp_path))
    yield write
    for name in names:
        forget_modules(name)


def sample_info(plugins: Plugins) -> PluginInfo:
    return next(i for i in plugins.info() if i.name == SAMPLE_NAME)


# -- loading --------------------------------------------------------------------------------

def test_sample_plugin_implements_every_hook(sample_plugins: Plugins) -> None:
    info = sample_info(sample_plugins)
    assert info.hooks == tuple(sorted(HOOK_NAMES))
    assert info.version == "0.3.0"
    assert info.source == f"模块 {SAMPLE_MODULE}"
    assert sample_plugins.names[0] == "core" and sample_plugins.names[-1] == SAMPLE_NAME


def test_unknown_hook_is_rejected_naming_plugin_and_hook(scratch_plugin: Any) -> None:
    settings = scratch_plugin("typo_plugin", (
        "from core.hookspecs import hookimpl\n\n"
        "PLUGIN_NAME = 'typo'\n\n"
        "@hookimpl\n"
        "def xuncha_not_a_hook():\n"
        "    return []\n"
    ))
    with pytest.raises(PluginError) as caught:
        Plugins(settings)
    assert "插件 typo" in str(caught.value)
    assert "未知的钩子 xuncha_not_a_hook" in str(caught.value)


def test_wrong_argument_name_is_rejected(scratch_plugin: Any) -> None:
    settings = scratch_plugin("wrong_arg_plugin", (
        "from core.hookspecs import hookimpl\n\n"
        "@hookimpl\n"
        "def xuncha_menu_items(tenant_info):\n"
        "    return []\n"
    ))
    with pytest.raises(PluginError) as caught:
        Plugins(settings)
    message = str(caught.value)
    assert message.startswith("插件 wrong_arg_plugin 无效")
    assert "xuncha_menu_items" in message and "tenant_info" in message


def test_missing_plugin_module_is_a_clear_error(tmp_path: Path) -> None:
    settings = load_settings({"XUNCHA_HOME": str(tmp_path),
                              "XUNCHA_PLUGINS": "xuncha_no_such_plugin"})
    with pytest.raises(PluginError, match="无法导入插件模块 xuncha_no_such_plugin"):
        Plugins(settings)


def test_entry_point_plugins_are_discovered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample: ModuleType
) -> None:
    write_distribution(tmp_path)
    monkeypatch.syspath_prepend(str(SAMPLE_DIR))
    monkeypatch.syspath_prepend(str(tmp_path))
    plugins = Plugins(load_settings({"XUNCHA_HOME": str(tmp_path)}))
    info = sample_info(plugins)
    assert info.version == "0.3.0"
    assert "入口点" in info.source and SAMPLE_MODULE in info.source
    assert info.hooks == tuple(sorted(HOOK_NAMES))
    # The installed plugin's hooks take part like any other.
    kinds = {k.code for k in plugins.gather_now("xuncha_inspection_kinds")}
    assert {"regular", "farmland"} <= kinds


def test_disabled_plugins_are_not_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample: ModuleType
) -> None:
    write_distribution(tmp_path)
    monkeypatch.syspath_prepend(str(SAMPLE_DIR))
    monkeypatch.syspath_prepend(str(tmp_path))
    plugins = Plugins(load_settings({"XUNCHA_HOME": str(tmp_path),
                                     "XUNCHA_DISABLED_PLUGINS": SAMPLE_NAME}))
    assert SAMPLE_NAME not in plugins.names
    assert "farmland" not in {k.code for k in plugins.gather_now("xuncha_inspection_kinds")}


# -- calling hooks --------------------------------------------------------------------------

async def test_collect_and_gather_honour_tenant_enablement(
    sample_plugins: Plugins, tenants: dict[str, TenantInfo]
) -> None:
    ta, tb = tenants["ta"], tenants["tb"]
    assert tb.plugins == ("*", "-sample")
    menu_a = await sample_plugins.gather("xuncha_menu_items", ta.plugins, tenant=ta)
    menu_b = await sample_plugins.gather("xuncha_menu_items", tb.plugins, tenant=tb)
    # Call order between plugins is the plugin manager's business: compare as sets.
    core_menu = [m.label for m in menu_b]  # both cities: the same core entries
    assert core_menu[:4] == ["首页", "被巡察对象", "巡察轮次", "整改台账"]
    assert "下级巡察机构" in core_menu
    assert {m.label for m in menu_a} == {*core_menu, "高标准农田"}
    assert menu_a[0].label == "首页"  # the core's implementations are tryfirst
    county = tenants["ta.one"]
    called = await sample_plugins.collect("xuncha_coverage_targets", county.plugins,
                                          tenant=county)
    assert SAMPLE_NAME in [name for name, _ in called]  # besides built-in village_coverage
    refused = await sample_plugins.collect("xuncha_coverage_targets", tb.plugins, tenant=tb)
    assert SAMPLE_NAME not in [name for name, _ in refused]
    # Without a tenant list every plugin is called.
    everyone = await sample_plugins.gather("xuncha_menu_items", tenant=tb)
    assert {m.label for m in everyone} == {*core_menu, "高标准农田"}


async def test_awaitable_results_are_resolved(
    sample_plugins: Plugins, tenants: dict[str, TenantInfo]
) -> None:
    county, city = tenants["ta.one"], tenants["ta"]
    # xuncha_coverage_targets is a coroutine in the sample plugin.
    collected = [(name, targets) for name, targets in await sample_plugins.collect(
        "xuncha_coverage_targets", tenant=county) if name == SAMPLE_NAME]
    assert [(name, [t.code for t in targets]) for name, targets in collected] == [
        (SAMPLE_NAME, ["farmland_villages"])
    ]
    assert dict(await sample_plugins.collect("xuncha_coverage_targets", tenant=city))[
        SAMPLE_NAME] == []


def test_a_hook_that_may_be_async_is_refused_from_sync_code(sample_plugins: Plugins) -> None:
    county = TenantInfo(id=1, code="x.county", name="某县委巡察办", region="某县",
                        level="county", parent_id=None, plugins=("*",), settings={})
    with pytest.raises(TypeError, match="xuncha_coverage_targets may be async"):
        sample_plugins.collect_now("xuncha_coverage_targets", tenant=county)


async def test_implementations_may_take_a_subset_of_arguments(
    sample_plugins: Plugins, tenants: dict[str, TenantInfo]
) -> None:
    def argnames(hook: str) -> tuple[str, ...]:
        impls = getattr(sample_plugins.pm.hook, hook).get_hookimpls()
        return tuple(next(i for i in impls if i.plugin_name == SAMPLE_NAME).argnames)

    assert argnames("xuncha_menu_items") == ()
    assert argnames("xuncha_startup") == ("app",)
    assert argnames("xuncha_on_event") == ("event", "tenant")
    ta = tenants["ta"]
    # Called with the full argument set, the narrower implementation still answers.
    menu = await sample_plugins.gather("xuncha_menu_items", ta.plugins, tenant=ta)
    assert any(item.path == "sample" for item in menu)


async def test_sample_recusal_conflicts_for_enabling_tenants(
    sample_plugins: Plugins, tenants: dict[str, TenantInfo]
) -> None:
    ta, tb = tenants["ta"], tenants["tb"]
    orgs = [{"id": 5, "code": "D001", "name": "甲市财政局", "kind": "department"}]

    async def conflicts(person: str, tenant: TenantInfo) -> list[Any]:
        candidate = TeamCandidate(person=person, name="李某", home_tenant="ta.one")
        # The built-in talent pool answers from its tables through ``work``; this asks the
        # sample plugin alone (with every other plugin the tenant enabled).
        return await sample_plugins.gather("xuncha_recusal_conflicts",
                                           [*tenant.plugins, "-talent_pool"],
                                           person=candidate, inspection={"id": 1},
                                           orgs=orgs, tenant=tenant, work=None)

    assert await conflicts("conflict-li", ta) == [RecusalConflict(
        reason="李某近三年内曾在甲市财政局工作", org_id=5, rule="worked_there_within_3_years")]
    assert await conflicts("li", ta) == []
    assert await conflicts("conflict-li", tb) == []  # tb disabled the plugin


async def test_event_handler_sees_events_of_enabling_tenants(
    sample: ModuleType, sample_plugins: Plugins, tenants: dict[str, TenantInfo]
) -> None:
    event_type = sample.NoteRecorded
    received: list[tuple[str, Any]] = sample.RECEIVED
    received.clear()
    ta, tb = tenants["ta"], tenants["tb"]
    event = event_type(tenant="ta.one", note_id=7, title="张庄村灌溉渠未完工", village="张庄村")
    answers = await sample_plugins.collect("xuncha_on_event", ta.plugins, event=event, tenant=ta)
    assert answers == [(SAMPLE_NAME, "甲市委巡察办 已收到现场记录：张庄村灌溉渠未完工")]
    assert received == [("ta", event)]
    # A tenant that disabled the plugin: the handler is not called.
    assert await sample_plugins.collect("xuncha_on_event", tb.plugins, event=event,
                                        tenant=tb) == []

    class Other(msgspec.Struct, tag="other.thing.done.v1"):
        name: str

    # Not its type: the handler returns None, which collect leaves out.
    assert await sample_plugins.collect("xuncha_on_event", ta.plugins, event=Other(name="x"),
                                        tenant=ta) == []
    assert received == [("ta", event)]


def test_event_types_carry_tags_and_declare_their_direction(sample_plugins: Plugins) -> None:
    from core.sync.codec import catalog

    types = {t.__struct_config__.tag: t for t in sample_plugins.gather_now("xuncha_event_types")}
    assert "inspection.stage_changed" in types
    event_type = types["farmland_note.recorded"]
    event = event_type(tenant="ta", note_id=1, title="渠道破损")
    wire = msgspec.json.encode(event)
    assert b'"type":"farmland_note.recorded"' in wire
    assert msgspec.json.decode(wire, type=event_type) == event
    known = catalog(sample_plugins)
    assert known.plugin_of["farmland_note.recorded"] == SAMPLE_NAME
    assert known.direction_of["farmland_tally.updated"] == "up"


async def test_a_county_note_and_its_tally_reach_the_city(
        sample: ModuleType, sample_client: Client) -> None:
    import asyncio

    created = await sample_client.post(NOTES.format("ta.one"), json={"title": "渠道未衬砌"})
    assert created.status_code == 201, created.text
    expected = {("ta", "ta.one", "farmland_note.recorded"),
                ("ta", "ta.one", "farmland_tally.updated")}
    for _ in range(1200):  # up to a minute on a loaded machine
        if expected <= set(sample.FROM_COUNTIES):
            break
        await asyncio.sleep(0.05)
    assert expected <= set(sample.FROM_COUNTIES)
    assert "ta.one" in sample.TICKS and "tb" not in sample.TICKS  # tb disabled the plugin


def test_contributions_of_the_sample_plugin(sample_plugins: Plugins) -> None:
    kinds = {k.code: k for k in sample_plugins.gather_now("xuncha_inspection_kinds")}
    assert kinds["farmland"].needs_topic and kinds["farmland"].label == "高标准农田建设专项巡察"
    categories = {c.code: c for c in sample_plugins.gather_now("xuncha_finding_categories")}

    def root(code: str) -> str:
        parent = categories[code].parent
        return root(parent) if parent else code

    assert categories["farmland"].parent == "village_policy"
    assert root("farmland_funds") == "village_policy"
    assert all(c.parent is None or c.parent in categories for c in categories.values())
    subjects = dict(sample_plugins.collect_now("xuncha_sync_subjects"))
    assert [(s.direction, s.entity, s.verbs) for s in subjects[SAMPLE_NAME]] == [
        ("up", "farmland_note", ("recorded",)), ("up", "farmland_tally", ("updated",))]
    indicators = sample_plugins.gather_now("xuncha_evaluation_indicators")
    assert {(i.code, i.subject, i.weight) for i in indicators} >= {
        ("farmland_rectified", "unit", 20.0)
    }
    apps = sample_plugins.gather_now("xuncha_piccolo_apps")  # core first (tryfirst)
    assert apps[0] == "core.piccolo_app"
    assert {f"{SAMPLE_MODULE}.piccolo_app", "plugins.village_coverage.piccolo_app"} <= set(apps)
    template_dirs = sample_plugins.gather_now("xuncha_template_dirs")
    assert template_dirs[0].parts[-3:] == ("core", "web", "templates")  # core's layout wins


def test_every_route_action_is_a_declared_permission(sample_plugins: Plugins) -> None:
    declared = {p.action for p in sample_plugins.gather_now("xuncha_permissions")}
    routes = dict(sample_plugins.collect_now("xuncha_routes"))[SAMPLE_NAME]
    actions = {route.opt["action"] for route in routes}
    assert actions == {"sample_note:read", "sample_note:write"}
    assert actions <= declared
    policies = [p for name, items in sample_plugins.collect_now("xuncha_default_policies")
                if name == SAMPLE_NAME for p in items]
    assert policies and {p.action for p in policies} <= actions
    assert {p.effect for p in policies} == {"allow"}


def test_cli_commands_are_added_to_the_group(sample_plugins: Plugins) -> None:
    group = click.Group("xuncha")
    sample_plugins.collect_now("xuncha_cli_commands", cli=group)
    assert "sample-hello" in group.commands
    result = CliRunner().invoke(group, ["sample-hello", "--name", "第一巡察组"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "高标准农田专项巡察插件 0.3.0 向第一巡察组问好"


# -- the running app ------------------------------------------------------------------------

async def test_migration_creates_the_tenant_owned_table(
    sample_database: Database, sample_note: Any
) -> None:
    assert table_info(sample_note).tenant_owned
    if sample_database.postgres:
        rows = await sample_database.fetch(
            "SELECT column_name AS name FROM information_schema.columns "
            "WHERE table_name = 'sample_note'"
        )
    else:
        rows = await sample_database.fetch('PRAGMA table_info("sample_note")')
    assert {"id", "tenant_id", "title", "village"} <= {r["name"] for r in rows}
    if sample_database.postgres:
        (rls,) = await sample_database.fetch(
            "SELECT relrowsecurity AS enabled, (SELECT COUNT(*) FROM pg_policies "
            "WHERE tablename = 'sample_note') AS policies "
            "FROM pg_class WHERE relname = 'sample_note'"
        )
        assert rls["enabled"] and rls["policies"] == 1


async def test_route_works_for_an_enabling_tenant(sample_client: Client) -> None:
    created = await sample_client.post(NOTES.format("ta"),
                                       json={"title": "灌溉渠道损毁未修复", "village": "张庄村"})
    assert created.status_code == 201, created.text
    note = created.json()
    assert note["title"] == "灌溉渠道损毁未修复" and note["village"] == "张庄村"
    listed = await sample_client.get(NOTES.format("ta"), params={"village": "张庄村"})
    assert listed.status_code == 200
    assert note in listed.json()
    one = await sample_client.get(f"{NOTES.format('ta')}/{note['id']}")
    assert one.status_code == 200 and one.json() == note


async def test_route_answers_403_in_chinese_for_a_disabling_tenant(
    sample_client: Client, sample_database: Database, sample_note: Any,
    tenants: dict[str, TenantInfo],
) -> None:
    listed = await sample_client.get(NOTES.format("tb"))
    assert listed.status_code == 403
    assert listed.json()["message"] == "本机构未启用插件 sample"
    created = await sample_client.post(NOTES.format("tb"), json={"title": "不应写入"})
    assert created.status_code == 403
    assert await sample_database.tenant(tenants["tb"].id).count(sample_note) == 0
    page = await sample_client.get("/t/tb/sample", headers={"Accept": "text/html"})
    assert page.status_code == 403 and "本机构未启用插件 sample" in page.text


async def test_notes_are_tenant_isolated(sample_client: Client) -> None:
    secret = await sample_client.post(NOTES.format("ta"), json={"title": "甲市专项巡察底稿"})
    assert secret.status_code == 201
    secret_id = secret.json()["id"]
    own = await sample_client.post(NOTES.format("ta.one"), json={"title": "甲一县现场记录"})
    assert own.status_code == 201
    titles_b = [n["title"] for n in (await sample_client.get(NOTES.format("ta.one"))).json()]
    assert "甲一县现场记录" in titles_b and "甲市专项巡察底稿" not in titles_b
    titles_a = [n["title"] for n in (await sample_client.get(NOTES.format("ta"))).json()]
    assert "甲市专项巡察底稿" in titles_a and "甲一县现场记录" not in titles_a
    stolen = await sample_client.get(f"{NOTES.format('ta.one')}/{secret_id}")
    assert stolen.status_code == 404
    assert stolen.json()["message"] == "现场记录不存在"


async def test_invalid_note_is_refused_in_chinese(sample_client: Client) -> None:
    response = await sample_client.post(NOTES.format("ta"), json={"title": "", "extra": 1})
    assert response.status_code == 400
    assert response.json()["message"].startswith("输入有误")


async def test_menu_shows_the_plugin_only_where_enabled(sample_client: Client) -> None:
    home_a = await sample_client.get("/t/ta/")
    assert home_a.status_code == 200
    assert '<a href="/t/ta/sample">高标准农田</a>' in home_a.text
    home_b = await sample_client.get("/t/tb/")
    assert home_b.status_code == 200
    assert "高标准农田" not in home_b.text and ">首页<" in home_b.text


async def test_plugin_page_renders_its_template(sample_client: Client) -> None:
    await sample_client.post(NOTES.format("ta.one"), json={"title": "李庄村田间道路硬化不达标"})
    page = await sample_client.get("/t/ta.one/sample")
    assert page.status_code == 200
    html = page.text
    assert "<h1>高标准农田建设专项巡察</h1>" in html
    assert "李庄村田间道路硬化不达标" in html
    assert '<html lang="zh-CN">' in html  # extends the core layout


async def test_plugin_to_dos_reach_the_desk_only_where_enabled(sample_client: Client) -> None:
    title = "王庄村机耕路未按设计施工（待补充村名）"
    made = await sample_client.post(NOTES.format("ta.one"), json={"title": title})
    assert made.status_code == 201, made.text
    desk = (await sample_client.get("/t/ta.one/")).text
    assert 'id="desk-sample_notes_without_village"' in desk and title in desk
    assert "待补充所在村的农田记录" in desk
    other = (await sample_client.get("/t/tb/")).text  # tb disabled the plugin
    assert "desk-sample_notes_without_village" not in other


async def test_a_plugin_refuses_targets_through_the_target_check(
        sample_client: Client) -> None:
    round_ = await new_round(sample_client, "ta.one")
    body = {"round_id": round_["id"], "kind": "farmland", "topic": "高标准农田建设",
            "org_ids": await org_ids(sample_client, "ta.one", "D001")}
    before = (await sample_client.get(api("ta.one", "inspections"))).json()["total"]
    held = await sample_client.post(NOTES.format("ta.one"), json={"title": "暂缓农田巡察"})
    assert held.status_code == 201, held.text
    refused = await sample_client.post(api("ta.one", "inspections"), json=body)
    assert refused.status_code == 409, refused.text
    assert [(e["field"], e["message"]) for e in refused.json()["errors"]] == [
        ("org_ids", "本机构已登记“暂缓农田巡察”，暂不能安排农田专项巡察")]
    assert (await sample_client.get(api("ta.one", "inspections"))).json()["total"] == before
    regular = await sample_client.post(api("ta.one", "inspections"),
                                       json={**body, "kind": "regular", "topic": ""})
    assert regular.status_code == 201, regular.text


async def test_tenant_settings_default_comes_from_the_plugin(sample_client: Client) -> None:
    settings = (await sample_client.get("/t/ta.one/api/tenant")).json()["settings"]
    assert settings["farmland_recheck_days"] == 15
    assert settings["rectification_report_months"] == 3  # the tenant's own value


async def test_evaluation_indicators_of_the_enabled_plugins(sample_client: Client) -> None:
    def by_subject(body: dict[str, Any]) -> dict[str, Any]:
        # the unit scope; the evaluation plugin's office indicators are a scope of their own
        return {g["subject"]: g for g in body["subjects"] if g["scope"] == "unit"}

    enabled = await sample_client.get("/t/ta/api/evaluation/indicators")
    assert enabled.status_code == 200, enabled.text
    groups = by_subject(enabled.json())
    unit = groups["unit"]
    assert [(i["code"], i["weight"], i["plugin"]) for i in unit["indicators"]][-1] == (
        "farmland_rectified", 20.0, SAMPLE_NAME)
    # The core's 100 points plus the plugin's 20: the caller is told, in Chinese.
    assert unit["total"] == 120.0 and not unit["balanced"]
    assert unit["message"] == ("被巡察单位整改成效指标的权重合计为 120 分，应为 100 分："
                               "请调整本机构启用插件的指标权重")
    team = groups["team"]
    assert team["total"] == 10.0
    assert team["message"].startswith("巡察组工作成效指标的权重合计为 10 分")
    assert enabled.json()["message"] == f"{unit['message']}；{team['message']}"
    # tb disabled the plugin: the core's indicators alone, summing to 100.
    disabled = await sample_client.get("/t/tb/api/evaluation/indicators")
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["message"] is None
    only = by_subject(disabled.json())
    assert list(only) == ["unit"] and only["unit"]["balanced"]
    assert {i["plugin"] for i in only["unit"]["indicators"]} == {"core"}


async def test_schema_lists_the_plugin_routes(sample_client: Client) -> None:
    paths = (await sample_client.get("/schema")).json()["paths"]
    assert "/t/{tenant}/sample/notes" in paths
    assert "/t/{tenant}/sample/notes/{note_id}" in paths


async def _grant_scene(app: Litestar, client: Client, database: Database,
                       tenants: dict[str, TenantInfo], note: Any) -> dict[str, Any]:
    """Two inspections of ta.one (of D001 and of T01), a note of each, a member of each
    team (accounts of ta, authorised now) and a unit liaison of D001."""
    tenant_ids = {code: t.id for code, t in tenants.items()}
    session = database.tenant(tenant_ids["ta.one"])
    now = runtime_of(app.state).clock.now()
    scene: dict[str, Any] = {}
    for key, code in (("mine", "D001"), ("other", "T01")):
        inspection = await new_inspection(client, "ta.one", codes=(code,))
        (org_id,) = await org_ids(client, "ta.one", code)
        (scene[f"{key}_note"],) = await session.insert(note, [{
            "title": f"{code}现场记录", "inspection_id": inspection["id"], "org_id": org_id}])
        member = await new_actor(app, client, database, tenant_ids, "ta.one", home="ta")
        await session.insert(TeamMember, [{
            "inspection_id": inspection["id"], "person": member.username, "name": "交叉组员",
            "home_tenant": "ta", "role": "member", "recusal_declared": True,
            "authorized_at": now - timedelta(days=1)}])
        scene[f"{key}_member"] = member
    scene["liaison"] = await new_actor(app, client, database, tenant_ids, "ta.one",
                                       "unit_liaison", home="ta.one", org="D001")
    return scene


async def test_plugin_objects_open_to_their_inspection_team_and_org_liaison(
    sample_app: Litestar, sample_client: Client, sample_database: Database,
    tenants: dict[str, TenantInfo], sample_note: Any,
) -> None:
    scene = await _grant_scene(sample_app, sample_client, sample_database, tenants,
                               sample_note)
    url = NOTES.format("ta.one") + "/{}"
    mine, other = url.format(scene["mine_note"]), url.format(scene["other_note"])
    for actor, opened, refused in ((scene["mine_member"], mine, other),
                                   (scene["other_member"], other, mine),
                                   (scene["liaison"], mine, other)):
        response = await actor.get(opened)
        assert response.status_code == 200, response.text
        assert response.json()["id"] in (scene["mine_note"], scene["other_note"])
        denied = await actor.get(refused)
        assert denied.status_code == 403 and denied.json()["message"] == "无权执行此操作"
        # A note list names no inspection: team places and liaison scopes do not open it.
        assert (await actor.get(NOTES.format("ta.one"))).status_code == 403
        # A team place opens reading, not what the team role is not given.
        wrote = await actor.post(NOTES.format("ta.one"), json={"title": "不应写入"})
        assert wrote.status_code == 403
    # An id out of range is a missing note, not an overflow, refused like one out of reach.
    for note_id in (2**31, 2**63):
        missing = await scene["mine_member"].get(url.format(note_id))
        assert missing.status_code == 403, missing.text
        assert missing.json()["message"] == "无权执行此操作"


async def test_startup_and_shutdown_hooks_run(
    sample_settings: Settings, sample_plugins: Plugins, sample_database: Database,
    sample_tokens: dict[str, str],
) -> None:
    app = create_app(sample_settings, sample_plugins)
    async with AppClient(app) as client:
        client.auth = TenantTokens(sample_tokens, "ta")
        assert app.state.sample_lifecycle == ["startup"]
        assert (await client.get(NOTES.format("ta"))).status_code == 200
    assert app.state.sample_lifecycle == ["startup", "shutdown"]


# -- the xuncha command ---------------------------------------------------------------------

def test_xuncha_plugins_lists_the_sample_plugin(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "pa.toml").write_text(
        'code = "pa"\nname = "丙市委巡察办"\nlevel = "city"\n', encoding="utf-8")
    (tree / "pb.toml").write_text(
        'code = "pb"\nname = "丁市委巡察办"\nlevel = "city"\nplugins = ["*", "-sample"]\n',
        encoding="utf-8")
    synced = run_xuncha(tmp_path, "tenants", "sync", str(tree), XUNCHA_PLUGINS=SAMPLE_MODULE)
    assert synced.returncode == 0, synced.stderr
    shown = run_xuncha(tmp_path, "plugins", XUNCHA_PLUGINS=SAMPLE_MODULE)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    start = lines.index(f"sample 0.3.0（模块 {SAMPLE_MODULE}）")
    assert lines[start + 1] == "  钩子：" + ", ".join(sorted(HOOK_NAMES))
    assert lines[start + 2] == "  启用机构：pa"
    assert lines[0].startswith("core ") and "  启用机构：全部机构" in lines


def test_xuncha_runs_the_plugin_cli_command(tmp_path: Path) -> None:
    result = run_xuncha(tmp_path, "sample-hello", "--name", "县委巡察办",
                        XUNCHA_PLUGINS=SAMPLE_MODULE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "高标准农田专项巡察插件 0.3.0 向县委巡察办问好"
    listed = run_xuncha(tmp_path, "--help", XUNCHA_PLUGINS=SAMPLE_MODULE)
    assert "sample-hello" in listed.stdout
    without = run_xuncha(tmp_path, "--help")
    assert without.returncode == 0 and "sample-hello" not in without.stdout
