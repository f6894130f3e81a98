"""The plugin manager: core, built-ins under ``plugins/``, entry points ``xuncha``.

Plugins are collected per implementation so the core knows which plugin
gave what (routes of a plugin refuse tenants that disabled it). Hook
implementations may return a value or an awaitable; unknown hooks are
rejected when the manager is built.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import threading
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, TypeVar

import pluggy

import core
from core import hookspecs
from core.settings import Settings

__all__ = [
    "CORE_PLUGIN",
    "PluginError",
    "PluginInfo",
    "Plugins",
    "await_me_maybe",
    "enabled_for",
]

CORE_PLUGIN = "core"
ENTRY_POINT_GROUP = "xuncha"
BUILTIN_GROUP = "xuncha.builtin"
T = TypeVar("T")


class PluginError(RuntimeError):
    """A plugin cannot be loaded; the message names the plugin and the reason."""


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """What ``xuncha plugins`` shows of one plugin."""

    name: str
    version: str
    source: str
    hooks: tuple[str, ...]


async def await_me_maybe(value: Any) -> Any:
    """Resolve ``value`` if it is awaitable, else return it."""
    if inspect.isawaitable(value):
        return await value
    return value


def _resolve_now(value: Any) -> Any:
    """Resolve an awaitable from synchronous code (even inside a running loop)."""
    if not inspect.isawaitable(value):
        return value
    result: list[Any] = []
    errors: list[BaseException] = []

    async def run(awaitable: Awaitable[Any]) -> None:
        result.append(await awaitable)

    def target() -> None:
        try:
            asyncio.run(run(value))
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


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
        self._check_unknown_hooks()

    def _register(self, module: Any, name: str, version: str, source: str) -> None:
        if name in self._disabled and name != CORE_PLUGIN:
            return
        if name in self._info:
            raise PluginError(f"插件名称重复：{name}（{source} 与 {self._info[name][1]}）")
        try:
            self.pm.register(module, name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"插件 {name} 无效：{exc}") from None
        self._info[name] = (version, source)

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

    def _check_unknown_hooks(self) -> None:
        for name in self._info:
            plugin = self.pm.get_plugin(name)
            for attr in dir(plugin):
                opts = self.pm.parse_hookimpl_opts(plugin, attr)
                if opts is not None and attr not in hookspecs.HOOK_NAMES:
                    raise PluginError(
                        f"插件 {name} 实现了未知的钩子 {attr}（可用钩子见 docs/plugins.md）"
                    )

    def add(self, plugin: Any, name: str, source: str = "运行时注册") -> None:
        """Register a plugin object at run time (embedding code and tests)."""
        self._register(plugin, name, _module_version(plugin), source)
        self._check_unknown_hooks()

    def remove(self, name: str) -> None:
        """Unregister a plugin added with ``add``."""
        self.pm.unregister(name=name)
        del self._info[name]

    @property
    def names(self) -> list[str]:
        """Names of the loaded plugins, core first."""
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

    def _impls(self, hook: str, tenant_plugins: Iterable[str] | None) -> list[Any]:
        caller = getattr(self.pm.hook, hook)
        # Registration order: core, then built-ins, entry points, extra modules.
        order = {name: i for i, name in enumerate(self._info)}
        impls = sorted(caller.get_hookimpls(), key=lambda i: order[i.plugin_name])
        if tenant_plugins is None:
            return impls
        allowed = list(tenant_plugins)
        return [i for i in impls if enabled_for(allowed, i.plugin_name)]

    @staticmethod
    def _call(impl: Any, kwargs: dict[str, Any]) -> Any:
        missing = [arg for arg in impl.argnames if arg not in kwargs]
        if missing:
            raise TypeError(
                f"hook {impl.function.__name__} of plugin {impl.plugin_name} needs "
                f"{', '.join(missing)}, which the caller did not pass"
            )
        return impl.function(*(kwargs[arg] for arg in impl.argnames))

    async def collect(
        self, hook: str, tenant_plugins: Iterable[str] | None = None, **kwargs: Any
    ) -> list[tuple[str, Any]]:
        """Call ``hook`` on each plugin (enabled for the tenant, if given).

        Returns:
            ``(plugin name, result)`` pairs; ``None`` results are left out.
        """
        out = []
        for impl in self._impls(hook, tenant_plugins):
            value = await await_me_maybe(self._call(impl, kwargs))
            if value is not None:
                out.append((impl.plugin_name, value))
        return out

    def collect_now(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """``collect`` for synchronous code (app construction, the CLI)."""
        out = []
        for impl in self._impls(hook, None):
            value = _resolve_now(self._call(impl, kwargs))
            if value is not None:
                out.append((impl.plugin_name, value))
        return out

    async def gather(
        self, hook: str, tenant_plugins: Iterable[str] | None = None, **kwargs: Any
    ) -> list[Any]:
        """All items of the lists returned by ``hook``, flattened in call order."""
        return [item for _, items in await self.collect(hook, tenant_plugins, **kwargs)
                for item in items]

    def gather_now(self, hook: str, **kwargs: Any) -> list[Any]:
        """``gather`` for synchronous code."""
        return [item for _, items in self.collect_now(hook, **kwargs) for item in items]


def _module_version(module: Any) -> str:
    return str(getattr(module, "__version__", core.__version__))
