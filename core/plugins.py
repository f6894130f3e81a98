"""The plugin manager: core, built-ins under ``plugins/``, entry points ``xuncha``.

pluggy calls the hooks, so ``tryfirst``/``trylast``, wrappers and
``firstresult`` mean what pluggy documents. A tenant's hook calls go through
``pm.subset_hook_caller`` without the plugins the tenant has not enabled.
Results of async implementations are awaited on the running loop, in call
order; hooks not marked ``may_be_async`` in :mod:`core.hookspecs` are called
from synchronous code (app and CLI construction) and must answer
synchronously. Where the core must know which plugin gave a result (a
plugin's routes refuse tenants that disabled it), ``collect`` calls each
plugin through a subset caller of its own.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

import pluggy

import core
from core import hookspecs
from core.settings import Settings

__all__ = [
    "CORE_PLUGIN",
    "PluginError",
    "PluginInfo",
    "Plugins",
    "enabled_for",
]

CORE_PLUGIN = "core"
ENTRY_POINT_GROUP = "xuncha"
BUILTIN_GROUP = "xuncha.builtin"
_UNKNOWN_HOOK = re.compile(r"unknown hook '(?P<hook>[^']+)'")


class PluginError(RuntimeError):
    """A plugin cannot be loaded or broke a hook's rules; the message names the plugin."""


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """What ``xuncha plugins`` shows of one plugin."""

    name: str
    version: str
    source: str
    hooks: tuple[str, ...]


def enabled_for(tenant_plugins: Iterable[str], plugin: str) -> bool:
    """Whether a tenant's plugin list enables ``plugin``.

    The list holds names, ``"*"`` for all, and ``"-name"`` to exclude one;
    the core is always enabled.
    """
    names = set(tenant_plugins)
    if plugin == CORE_PLUGIN:
        return True
    if "-" + plugin in names:
        return False
    return "*" in names or plugin in names


class Plugins:
    """The loaded plugins of one process.

    Args:
        settings: provides extra plugin modules and disabled plugins.
        load_entry_points: load third-party plugins from the entry point group.
    """

    def __init__(self, settings: Settings, load_entry_points: bool = True) -> None:
        self.pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
        self.pm.add_hookspecs(hookspecs)
        self._info: dict[str, tuple[str, str]] = {}
        self._disabled = set(settings.disabled_plugins)
        self._callers: dict[tuple[str, tuple[str, ...]], pluggy.HookCaller] = {}
        from core import builtin

        self._register(builtin, CORE_PLUGIN, core.__version__, "core")
        self._register_builtins()
        if load_entry_points:
            self._register_entry_points()
        for module_name in settings.plugins:
            try:
                module = importlib.import_module(module_name)
            except ImportError as exc:
                raise PluginError(
                    f"XUNCHA_PLUGINS: 无法导入插件模块 {module_name}：{exc}"
                ) from None
            name = getattr(module, "PLUGIN_NAME", module_name.rsplit(".", 1)[-1])
            self._register(module, name, _module_version(module), f"模块 {module_name}")
        self._check_pending()

    # -- loading ----------------------------------------------------------------------------

    def _register(self, module: Any, name: str, version: str, source: str) -> None:
        if name in self._disabled and name != CORE_PLUGIN:
            return
        if name in self._info:
            raise PluginError(f"插件名称重复：{name}（{source} 与 {self._info[name][1]}）")
        try:
            self.pm.register(module, name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"插件 {name} 无效：{exc}") from None
        try:
            self._check_synchronous(name)
        except PluginError:
            self.pm.unregister(name=name)
            raise
        self._info[name] = (version, source)
        self._callers.clear()

    def _register_builtins(self) -> None:
        # The packages under plugins/ are declared in the project's pyproject.toml, so
        # the core names none of them (the import contract "core never imports plugins").
        for ep in sorted(entry_points(group=BUILTIN_GROUP), key=lambda ep: ep.name):
            module = ep.load()
            self._register(module, ep.name, _module_version(module), "内置")

    def _register_entry_points(self) -> None:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in self._disabled:
                continue
            try:
                module = ep.load()
            except Exception as exc:
                raise PluginError(f"插件 {ep.name} 加载失败（{ep.value}）：{exc}") from None
            version = ep.dist.version if ep.dist else _module_version(module)
            self._register(module, ep.name, version, f"入口点 {ep.value}")

    def _check_synchronous(self, name: str) -> None:
        """Refuse ``async def`` implementations of hooks called from synchronous code."""
        for caller in self.pm.get_hookcallers(self.pm.get_plugin(name)) or []:
            if caller.spec is None or self._may_be_async(caller.name):
                continue
            for impl in caller.get_hookimpls():
                function = impl.function
                if impl.plugin_name == name and (inspect.iscoroutinefunction(function)
                                                 or inspect.isasyncgenfunction(function)):
                    raise PluginError(_sync_only(name, caller.name))

    def _check_pending(self) -> None:
        """pluggy's check that every implementation has a hookspec, in Chinese."""
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            name = self.pm.get_name(exc.plugin) or repr(exc.plugin)
            found = _UNKNOWN_HOOK.search(str(exc))
            hook = found["hook"] if found else str(exc)
            raise PluginError(
                f"插件 {name} 实现了未知的钩子 {hook}（可用钩子见 docs/plugins.md）"
            ) from None

    def add(self, plugin: Any, name: str, source: str = "运行时注册") -> None:
        """Register a plugin object at run time (embedding code and tests)."""
        self._register(plugin, name, _module_version(plugin), source)
        try:
            self._check_pending()
        except PluginError:
            self.remove(name)
            raise

    def remove(self, name: str) -> None:
        """Unregister a plugin added with ``add``."""
        self.pm.unregister(name=name)
        del self._info[name]
        self._callers.clear()

    @property
    def names(self) -> list[str]:
        """Names of the loaded plugins, core first (registration order)."""
        return list(self._info)

    def info(self) -> list[PluginInfo]:
        """Name, version, source and implemented hooks of each plugin."""
        out = []
        for name, (version, source) in self._info.items():
            hooks = tuple(
                sorted(h.name for h in self.pm.get_hookcallers(self.pm.get_plugin(name)) or [])
            )
            out.append(PluginInfo(name=name, version=version, source=source, hooks=hooks))
        return out

    # -- calling hooks ----------------------------------------------------------------------

    def hook(self, hook: str, tenant_plugins: Iterable[str] | None = None) -> pluggy.HookCaller:
        """pluggy's caller of ``hook``, without the plugins a tenant has not enabled.

        Args:
            hook: the hook's name.
            tenant_plugins: the tenant's plugin list (``TenantInfo.plugins``);
                ``None`` calls every loaded plugin.
        """
        if tenant_plugins is None:
            caller: pluggy.HookCaller = getattr(self.pm.hook, hook)
            return caller
        allowed = tuple(tenant_plugins)
        key = (hook, allowed)
        found = self._callers.get(key)
        if found is None:
            removed = [self.pm.get_plugin(name) for name in self._info
                       if not enabled_for(allowed, name)]
            found = self._callers[key] = self.pm.subset_hook_caller(hook, removed)
        return found

    def _only(self, hook: str, name: str) -> pluggy.HookCaller:
        """The caller of ``hook`` that calls only plugin ``name``."""
        key = (hook, ("=" + name,))  # cannot clash with a tenant list ("=" is no name)
        caller = self._callers.get(key)
        if caller is None:
            others = [self.pm.get_plugin(other) for other in self._info if other != name]
            caller = self._callers[key] = self.pm.subset_hook_caller(hook, others)
        return caller

    def _may_be_async(self, hook: str) -> bool:
        spec = getattr(self.pm.hook, hook).spec
        return spec is not None and bool(getattr(spec.function, "xuncha_async", False))

    def _firstresult(self, hook: str) -> bool:
        spec = getattr(self.pm.hook, hook).spec
        return spec is not None and bool(spec.opts.get("firstresult"))

    def _answering(self, hook: str, tenant_plugins: Iterable[str] | None) -> list[str]:
        """Plugins whose (non-wrapper) implementations answer ``hook``, in call order."""
        caller = self.hook(hook, tenant_plugins)
        # pluggy calls the implementations from the end of get_hookimpls() backwards.
        return [impl.plugin_name for impl in reversed(caller.get_hookimpls())
                if not (impl.wrapper or impl.hookwrapper)]

    def answering(self, hook: str, tenant_plugins: Iterable[str] | None = None) -> list[str]:
        """The plugins (of those a tenant enabled, if given) that implement ``hook``.

        Tells "no plugin of this tenant answers" apart from "the plugins answered
        nothing", e.g. to say that appraisals are not recorded in a tenant at all.
        """
        return self._answering(hook, tenant_plugins)

    def _refuse_awaitables(self, hook: str, values: list[Any], plugin: str | None,
                           tenant_plugins: Iterable[str] | None, kwargs: dict[str, Any]) -> None:
        """Raise when a synchronous hook gave an awaitable, naming the plugin that did."""
        if not any(inspect.isawaitable(v) for v in values):
            return
        _close(values)
        raise PluginError(_sync_only(plugin or self._blame(hook, tenant_plugins, kwargs), hook))

    def _blame(self, hook: str, tenant_plugins: Iterable[str] | None,
               kwargs: dict[str, Any]) -> str:
        """The plugin that answers ``hook`` with an awaitable, found by calling each alone.

        Only on the way to an error: pluggy's results do not say which plugin gave them.
        """
        answering = self._answering(hook, tenant_plugins)
        for name in answering:
            outcome = self._only(hook, name)(**kwargs)
            values = [outcome] if self._firstresult(hook) else list(outcome)
            _close(values)
            if any(inspect.isawaitable(v) for v in values):
                return name
        return "、".join(answering)  # it answered differently the second time

    async def _settle(self, hook: str, outcome: list[Any], plugin: str | None,
                      tenant_plugins: Iterable[str] | None,
                      kwargs: dict[str, Any]) -> list[Any]:
        """Await the awaitables among ``outcome`` in order; ``None`` results are left out."""
        if not self._may_be_async(hook):
            self._refuse_awaitables(hook, outcome, plugin, tenant_plugins, kwargs)
            return [value for value in outcome if value is not None]
        out = []
        for i, value in enumerate(outcome):
            if inspect.isawaitable(value):
                try:
                    value = await value
                except BaseException:
                    _close(outcome[i + 1:])
                    raise
            if value is not None:
                out.append(value)
        return out

    async def call(
        self, hook: str, tenant_plugins: Iterable[str] | None = None, **kwargs: Any
    ) -> Any:
        """Call ``hook`` through pluggy (for the plugins a tenant enabled, if given).

        Returns:
            The non-``None`` results in call order, awaitables awaited; for a
            ``firstresult`` hook, the first non-``None`` result (or ``None``).
        """
        outcome = self.hook(hook, tenant_plugins)(**kwargs)
        if self._firstresult(hook):
            settled = await self._settle(hook, [outcome], None, tenant_plugins, kwargs)
            return settled[0] if settled else None
        return await self._settle(hook, list(outcome), None, tenant_plugins, kwargs)

    def call_now(self, hook: str, **kwargs: Any) -> Any:
        """``call`` for synchronous code; only for hooks that must be synchronous.

        Raises:
            PluginError: a plugin answered with an awaitable.
            TypeError: ``hook`` may be async, so synchronous code cannot call it.
        """
        self._refuse_async_hook(hook)
        outcome = self.hook(hook)(**kwargs)
        if self._firstresult(hook):
            self._refuse_awaitables(hook, [outcome], None, None, kwargs)
            return outcome
        values = list(outcome)
        self._refuse_awaitables(hook, values, None, None, kwargs)
        return [value for value in values if value is not None]

    def _refuse_async_hook(self, hook: str) -> None:
        if self._may_be_async(hook):
            raise TypeError(f"hook {hook} may be async: await plugins.call/collect/gather")

    async def collect(
        self, hook: str, tenant_plugins: Iterable[str] | None = None, **kwargs: Any
    ) -> list[tuple[str, Any]]:
        """Call ``hook`` plugin by plugin, in pluggy's call order, to know who answered.

        Each plugin is called through a subset caller of its own, so its own
        wrappers wrap it; use ``call`` or ``gather`` when the plugin does not matter.

        Returns:
            ``(plugin name, result)`` pairs; ``None`` results are left out.
        """
        out: list[tuple[str, Any]] = []
        for name in self._answering(hook, tenant_plugins):
            outcome = self._only(hook, name)(**kwargs)
            values = [outcome] if self._firstresult(hook) else list(outcome)
            settled = await self._settle(hook, values, name, tenant_plugins, kwargs)
            out.extend((name, value) for value in settled)
        return out

    def collect_now(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """``collect`` for synchronous code; only for hooks that must be synchronous."""
        self._refuse_async_hook(hook)
        out: list[tuple[str, Any]] = []
        for name in self._answering(hook, None):
            outcome = self._only(hook, name)(**kwargs)
            values = [outcome] if self._firstresult(hook) else list(outcome)
            self._refuse_awaitables(hook, values, name, None, kwargs)
            out.extend((name, value) for value in values if value is not None)
        return out

    async def gather(
        self, hook: str, tenant_plugins: Iterable[str] | None = None, **kwargs: Any
    ) -> list[Any]:
        """All items of the lists returned by ``hook``, flattened in call order."""
        return [item for items in await self.call(hook, tenant_plugins, **kwargs)
                for item in items]

    def gather_now(self, hook: str, **kwargs: Any) -> list[Any]:
        """``gather`` for synchronous code; only for hooks that must be synchronous."""
        return [item for items in self.call_now(hook, **kwargs) for item in items]


def _close(values: Iterable[Any]) -> None:
    """Close the coroutines among ``values`` that will never be awaited (no warning leaks)."""
    for value in values:
        close = getattr(value, "close", None)
        if inspect.isawaitable(value) and callable(close):
            close()


def _sync_only(plugin: str, hook: str) -> str:
    return (f"插件 {plugin} 的钩子 {hook} 必须是同步函数（它在构建应用或命令行时被同步调用），"
            "不能是 async def 或返回可等待对象")


def _module_version(module: Any) -> str:
    return str(getattr(module, "__version__", core.__version__))
