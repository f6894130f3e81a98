"""How ``core.plugins.Plugins`` calls hooks: pluggy's own semantics.

Each test loads the real plugin manager (core and built-ins) and adds small
plugin objects at run time: ``tryfirst``/``trylast`` order the calls, wrappers
wrap them, ``firstresult`` stops at the first answer, async implementations
are awaited in order, a hook called from synchronous code refuses awaitables,
a tenant's disabled plugins are never called and unknown hooks are refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Generator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
import pytest

from core.contributions import InspectionKind, MenuItem
from core.hookspecs import hookimpl, hookspec, may_be_async
from core.plugins import CORE_PLUGIN, PluginError, Plugins
from core.settings import load_settings
from core.tenancy.model import TenantInfo

CORE_KINDS = ["regular", "special", "mobile", "lookback", "elevated", "cross", "linked"]


def tenant(plugins: tuple[str, ...] = ("*",)) -> TenantInfo:
    return TenantInfo(id=1, code="x.county", name="某县委巡察办", region="某县",
                      level="county", parent_id=None, plugins=plugins, settings={})


def kind(code: str) -> InspectionKind:
    return InspectionKind(code=code, label=f"{code} 巡察")


@pytest.fixture
def plugins(tmp_path: Path) -> Iterator[Plugins]:
    """A plugin manager of its own (core and built-ins), for plugins added at run time."""
    yield Plugins(load_settings({"XUNCHA_HOME": str(tmp_path)}), load_entry_points=False)


class Kinds:
    """Contributes one inspection kind, with the given pluggy options."""

    def __init__(self, code: str, **opts: bool) -> None:
        self.code = code

        @hookimpl(**opts)
        def xuncha_inspection_kinds() -> list[InspectionKind]:
            return [kind(self.code)]

        self.xuncha_inspection_kinds = xuncha_inspection_kinds


# -- order ------------------------------------------------------------------------------------

def test_tryfirst_and_trylast_order_the_calls(plugins: Plugins) -> None:
    plugins.add(Kinds("last", trylast=True), "last")
    plugins.add(Kinds("plain_a"), "plain_a")
    plugins.add(Kinds("first", tryfirst=True), "first")
    plugins.add(Kinds("plain_b"), "plain_b")
    codes = [k.code for k in plugins.gather_now("xuncha_inspection_kinds")]
    # The core's implementations are tryfirst; a plugin's tryfirst goes before them
    # (registered later), plain ones follow, last registered first, and trylast ends.
    assert codes == ["first", *CORE_KINDS, "plain_b", "plain_a", "last"]
    # collect reports the same order, plugin by plugin.
    assert [name for name, _ in plugins.collect_now("xuncha_inspection_kinds")] == [
        "first", CORE_PLUGIN, "plain_b", "plain_a", "last"]


def test_the_core_answers_first_and_stops_last(plugins: Plugins) -> None:
    def impls(hook: str) -> dict[str, Any]:
        return {i.plugin_name: i for i in getattr(plugins.pm.hook, hook).get_hookimpls()}

    assert impls("xuncha_template_dirs")[CORE_PLUGIN].tryfirst
    assert impls("xuncha_startup")[CORE_PLUGIN].tryfirst
    assert impls("xuncha_shutdown")[CORE_PLUGIN].trylast
    dirs = plugins.gather_now("xuncha_template_dirs")
    assert dirs[0].parts[-3:] == ("core", "web", "templates")  # the core's layout wins


# -- wrappers ---------------------------------------------------------------------------------

class Wrapper:
    """A new-style wrapper: sees the results and adds one kind after them."""

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    @hookimpl(wrapper=True)
    def xuncha_inspection_kinds(self) -> Generator[None, list[list[InspectionKind]],
                                                   list[list[InspectionKind]]]:
        results = yield
        self.seen.append([k.code for items in results for k in items])
        return [*results, [kind("wrapped")]]


class OldWrapper:
    """An old-style hookwrapper: replaces the result through the outcome."""

    @hookimpl(hookwrapper=True)
    def xuncha_inspection_kinds(self) -> Generator[None, Any, None]:
        outcome = yield
        outcome.force_result([[kind("replaced")]])


def test_a_wrapper_wraps_the_call(plugins: Plugins) -> None:
    wrapper = Wrapper()
    plugins.add(Kinds("plain"), "plain")
    plugins.add(wrapper, "wrapper")
    codes = [k.code for k in plugins.gather_now("xuncha_inspection_kinds")]
    assert codes == [*CORE_KINDS, "plain", "wrapped"]
    assert wrapper.seen == [[*CORE_KINDS, "plain"]]  # it ran around the other implementations


async def test_an_old_style_hookwrapper_can_replace_the_result(plugins: Plugins) -> None:
    plugins.add(OldWrapper(), "old_wrapper")
    assert [k.code for k in await plugins.gather("xuncha_inspection_kinds")] == ["replaced"]


# -- firstresult ------------------------------------------------------------------------------

def pick_specs() -> ModuleType:
    """A throwaway hookspec module with a ``firstresult`` hook (and an async one)."""
    specs = ModuleType("pick_specs")

    @hookspec(firstresult=True)
    def xuncha_test_pick(tenant: TenantInfo) -> str | None:
        """The first plugin's answer."""

    @hookspec(firstresult=True)
    @may_be_async
    def xuncha_test_pick_async(tenant: TenantInfo) -> Awaitable[str | None] | str | None:
        """The first plugin's answer, possibly async."""

    specs.xuncha_test_pick = xuncha_test_pick  # type: ignore[attr-defined]
    specs.xuncha_test_pick_async = xuncha_test_pick_async  # type: ignore[attr-defined]
    return specs


class Picker:
    def __init__(self, answer: str | None, calls: list[str], name: str, **opts: bool) -> None:
        @hookimpl(specname="xuncha_test_pick", **opts)
        def pick(tenant: TenantInfo) -> str | None:
            calls.append(name)
            return answer

        self.pick = pick


async def test_firstresult_stops_at_the_first_answer(plugins: Plugins) -> None:
    plugins.pm.add_hookspecs(pick_specs())
    calls: list[str] = []
    plugins.add(Picker("late", calls, "late", trylast=True), "late")
    plugins.add(Picker("plain", calls, "plain"), "plain")
    plugins.add(Picker(None, calls, "silent", tryfirst=True), "silent")
    assert plugins.call_now("xuncha_test_pick", tenant=tenant()) == "plain"
    assert calls == ["silent", "plain"]  # None is no answer; "late" is never called
    calls.clear()
    assert await plugins.call("xuncha_test_pick", ("*", "-plain"), tenant=tenant()) == "late"
    assert calls == ["silent", "late"]
    assert dict(plugins.collect_now("xuncha_test_pick", tenant=tenant())) == {
        "plain": "plain", "late": "late"}


async def test_firstresult_awaits_an_async_answer(plugins: Plugins) -> None:
    plugins.pm.add_hookspecs(pick_specs())

    class Slow:
        @hookimpl
        async def xuncha_test_pick_async(self, tenant: TenantInfo) -> str:
            await asyncio.sleep(0)
            return f"{tenant.name}：异步答复"

    plugins.add(Slow(), "slow")
    assert await plugins.call("xuncha_test_pick_async", tenant=tenant()) == "某县委巡察办：异步答复"
    with pytest.raises(TypeError, match="may be async"):
        plugins.call_now("xuncha_test_pick_async", tenant=tenant())


# -- async implementations --------------------------------------------------------------------

class AsyncMenu:
    """Async menu entries that record when their body runs."""

    def __init__(self, label: str, runs: list[str], **opts: bool) -> None:
        @hookimpl(**opts)
        async def xuncha_menu_items(tenant: TenantInfo) -> list[MenuItem]:
            runs.append(f"{label} start")
            await asyncio.sleep(0)  # a real suspension on the running loop
            runs.append(f"{label} end")
            return [MenuItem(label=label, path=label)]

        self.xuncha_menu_items = xuncha_menu_items


async def test_async_implementations_are_awaited_in_call_order(plugins: Plugins) -> None:
    runs: list[str] = []
    plugins.add(AsyncMenu("甲", runs), "menu_a")
    plugins.add(AsyncMenu("乙", runs, tryfirst=True), "menu_b")
    labels = [m.label for m in await plugins.gather("xuncha_menu_items", tenant=tenant())]
    # 乙 is tryfirst, before the core's 首页; 甲 comes after the core's entries.
    assert labels[0] == "乙" and labels.index("首页") < labels.index("甲")
    # One after the other, in pluggy's order: never interleaved.
    assert runs == ["乙 start", "乙 end", "甲 start", "甲 end"]
    pairs = await plugins.collect("xuncha_menu_items", tenant=tenant())
    assert pairs[0][0] == "menu_b"
    assert [m.label for m in dict(pairs)["menu_a"]] == ["甲"]


async def test_a_failing_async_implementation_leaves_no_coroutine_behind(
        plugins: Plugins) -> None:
    runs: list[str] = []

    class Broken:
        @hookimpl(tryfirst=True)
        async def xuncha_menu_items(self) -> list[MenuItem]:
            raise RuntimeError("菜单生成失败")

    plugins.add(Broken(), "broken")
    plugins.add(AsyncMenu("甲", runs), "menu_a")
    with pytest.raises(RuntimeError, match="菜单生成失败"):
        await plugins.gather("xuncha_menu_items", tenant=tenant())
    assert runs == []  # the later coroutine was closed, not run (and no warning is left)


def test_a_hook_that_may_be_async_is_not_called_from_sync_code(plugins: Plugins) -> None:
    with pytest.raises(TypeError, match="xuncha_menu_items may be async"):
        plugins.gather_now("xuncha_menu_items", tenant=tenant())
    with pytest.raises(TypeError, match="xuncha_coverage_targets may be async"):
        plugins.collect_now("xuncha_coverage_targets", tenant=tenant())


# -- synchronous hooks refuse awaitables ------------------------------------------------------

def test_an_async_def_of_a_synchronous_hook_is_refused_at_load(plugins: Plugins) -> None:
    class AsyncKinds:
        @hookimpl
        async def xuncha_inspection_kinds(self) -> list[InspectionKind]:
            return [kind("async")]

    before = plugins.names
    with pytest.raises(PluginError) as caught:
        plugins.add(AsyncKinds(), "async_kinds")
    assert str(caught.value).startswith(
        "插件 async_kinds 的钩子 xuncha_inspection_kinds 必须是同步函数")
    assert plugins.names == before  # not left half-registered
    assert "async" not in {k.code for k in plugins.gather_now("xuncha_inspection_kinds")}


def test_an_async_def_of_a_synchronous_hook_is_refused_by_settings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "async_routes_plugin.py").write_text(
        "from core.hookspecs import hookimpl\n\n"
        "@hookimpl\n"
        "async def xuncha_routes():\n"
        "    return []\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    settings = load_settings({"XUNCHA_HOME": str(tmp_path),
                              "XUNCHA_PLUGINS": "async_routes_plugin"})
    try:
        with pytest.raises(PluginError, match="插件 async_routes_plugin 的钩子 xuncha_routes "
                                              "必须是同步函数"):
            Plugins(settings, load_entry_points=False)
    finally:
        import sys

        sys.modules.pop("async_routes_plugin", None)


class SneakyKinds:
    """A plain function of a synchronous hook that returns an awaitable anyway."""

    def __init__(self, awaitable: Any = None) -> None:
        self.made: list[Any] = []
        self.awaitable = awaitable

    @hookimpl
    def xuncha_inspection_kinds(self) -> Any:
        made = self.awaitable or self._later()
        self.made.append(made)
        return made

    async def _later(self) -> list[InspectionKind]:
        return [kind("later")]


async def test_an_awaitable_from_a_synchronous_hook_is_refused(plugins: Plugins) -> None:
    sneaky = SneakyKinds()
    plugins.add(sneaky, "sneaky")
    expected = "插件 sneaky 的钩子 xuncha_inspection_kinds 必须是同步函数"
    with pytest.raises(PluginError, match=expected):
        plugins.gather_now("xuncha_inspection_kinds")
    with pytest.raises(PluginError, match=expected):
        plugins.collect_now("xuncha_inspection_kinds")
    # Also when awaited code calls it: the hook is synchronous wherever it is called.
    with pytest.raises(PluginError, match=expected):
        await plugins.gather("xuncha_inspection_kinds")
    # The refused coroutines (each call, and each call that found the culprit) were
    # closed, never run.
    assert len(sneaky.made) == 5 and all(c.cr_frame is None for c in sneaky.made)


def test_any_awaitable_from_a_synchronous_hook_is_refused(plugins: Plugins) -> None:
    loop = asyncio.new_event_loop()
    try:
        future = loop.create_future()  # awaitable, but no coroutine of the plugin
        plugins.add(SneakyKinds(future), "futures")
        with pytest.raises(PluginError, match="插件 futures 的钩子 xuncha_inspection_kinds"):
            plugins.collect_now("xuncha_inspection_kinds")
        # pluggy's results do not say who gave it: found by calling each plugin alone.
        with pytest.raises(PluginError, match="插件 futures 的钩子 xuncha_inspection_kinds"):
            plugins.gather_now("xuncha_inspection_kinds")
    finally:
        loop.close()


# -- per-tenant enablement --------------------------------------------------------------------

class Recording:
    """Records each call of its implementations (a plain one and a wrapper)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    @hookimpl
    async def xuncha_on_event(self, event: Any, tenant: TenantInfo) -> str:
        self.calls.append(f"on_event {tenant.code}")
        return "handled"

    @hookimpl(wrapper=True)
    def xuncha_menu_items(self, tenant: TenantInfo) -> Generator[None, Any, Any]:
        self.calls.append(f"wrap menu {tenant.code}")
        return (yield)


async def test_a_tenant_that_disabled_a_plugin_never_calls_it(plugins: Plugins) -> None:
    recording = Recording()
    plugins.add(recording, "recording")
    enabled, disabled = tenant(("*",)), tenant(("*", "-recording"))
    only_core = tenant(("linkage",))
    assert await plugins.call("xuncha_on_event", disabled.plugins, event=None,
                              tenant=disabled) == []
    assert await plugins.collect("xuncha_on_event", only_core.plugins, event=None,
                                 tenant=only_core) == []
    await plugins.gather("xuncha_menu_items", disabled.plugins, tenant=disabled)
    assert recording.calls == []  # neither its implementation nor its wrapper
    assert await plugins.call("xuncha_on_event", enabled.plugins, event=None,
                              tenant=enabled) == ["handled"]
    await plugins.gather("xuncha_menu_items", enabled.plugins, tenant=enabled)
    assert recording.calls == ["on_event x.county", "wrap menu x.county"]
    # The subset caller is pluggy's, without the disabled plugin.
    caller = plugins.hook("xuncha_on_event", disabled.plugins)
    assert isinstance(caller, pluggy.HookCaller)
    assert "recording" not in {i.plugin_name for i in caller.get_hookimpls()}
    assert "recording" in {i.plugin_name
                           for i in plugins.hook("xuncha_on_event").get_hookimpls()}


async def test_removing_a_plugin_forgets_its_cached_callers(plugins: Plugins) -> None:
    recording = Recording()
    plugins.add(recording, "recording")
    everyone = tenant(("*",))
    assert await plugins.call("xuncha_on_event", everyone.plugins, event=None,
                              tenant=everyone) == ["handled"]
    plugins.remove("recording")
    assert await plugins.call("xuncha_on_event", everyone.plugins, event=None,
                              tenant=everyone) == []
    assert recording.calls == ["on_event x.county"]


# -- unknown hooks ----------------------------------------------------------------------------

def test_an_unknown_hook_added_at_run_time_is_refused_by_check_pending(
        plugins: Plugins) -> None:
    class Typo:
        @hookimpl
        def xuncha_inspection_kind(self) -> list[InspectionKind]:
            return [kind("typo")]

    before = plugins.names
    with pytest.raises(PluginError) as caught:
        plugins.add(Typo(), "typo")
    assert str(caught.value) == ("插件 typo 实现了未知的钩子 xuncha_inspection_kind"
                                 "（可用钩子见 docs/plugins.md）")
    assert plugins.names == before


def test_an_optional_unknown_hook_is_allowed_as_pluggy_says(plugins: Plugins) -> None:
    class Optional:
        @hookimpl(optionalhook=True)
        def xuncha_future_hook(self) -> list[str]:
            return ["later"]

    plugins.add(Optional(), "optional")
    assert "optional" in plugins.names
