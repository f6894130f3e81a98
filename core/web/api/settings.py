"""Tenant settings API: the settings declared by ``xuncha_tenant_settings`` contributions and
which plugins are on, read by the tenant's people and changed by its office admin (the rules
and the audit are in :mod:`core.tenancy.preferences`)."""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, patch, put
from litestar.datastructures import State
from litestar.params import JSONBody

from core.contributions import TenantSetting
from core.plugins import CORE_PLUGIN, Plugins, enabled_for
from core.runtime import Runtime, runtime_of
from core.tenancy.model import TenantInfo
from core.tenancy.preferences import SettingView, save_plugins, save_settings, setting_views
from core.web.actor import actor_of
from core.web.deps import CurrentTenant

__all__ = ["PluginState", "PluginsIn", "SettingsController", "SettingsIn", "SettingsOut",
           "declared_settings", "plugin_states", "tenant_settings"]

_CHINESE = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fff()（）、·]*")

PluginName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class PluginState(msgspec.Struct, frozen=True, kw_only=True):
    """An installed plugin and whether it is on for the tenant."""

    name: str
    label: str
    enabled: bool


class SettingsOut(msgspec.Struct, frozen=True, kw_only=True):
    """The tenant's settings and plugins; ``plugins_source``: ``file`` or ``admin``."""

    settings: list[SettingView]
    plugins: list[PluginState]
    plugins_source: str


class SettingsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """New values by setting key; ``null`` goes back to the tenant file's value or the default."""

    values: Annotated[dict[Annotated[str, msgspec.Meta(max_length=64)], Any],
                      msgspec.Meta(max_length=100)]


class PluginsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The plugins to have on (the others off); ``null`` goes back to the tenant file's list."""

    enabled: Annotated[list[PluginName], msgspec.Meta(max_length=100)] | None


def plugin_label(plugins: Plugins, name: str) -> str:
    """A plugin's Chinese name: the Chinese words of its module's first docstring line."""
    module = plugins.pm.get_plugin(name)
    first = ((getattr(module, "__doc__", None) or "").strip().splitlines() or [""])[0]
    words = [w.strip("()（）") for w in _CHINESE.findall(first)]
    return max(words, key=len) if words else name


def declared_settings(runtime: Runtime, tenant: TenantInfo) -> list[TenantSetting]:
    """The settings the core and the tenant's enabled plugins declare."""
    return [setting for plugin, items in runtime.plugins.collect_now("xuncha_tenant_settings")
            if enabled_for(tenant.plugins, plugin) for setting in items]


def plugin_states(runtime: Runtime, tenant: TenantInfo) -> list[PluginState]:
    """Every installed plugin (not the core) and whether the tenant has it on."""
    return [PluginState(name=name, label=plugin_label(runtime.plugins, name),
                        enabled=enabled_for(tenant.plugins, name))
            for name in runtime.plugins.names if name != CORE_PLUGIN]


def tenant_settings(runtime: Runtime, tenant: TenantInfo) -> SettingsOut:
    """The answer of ``GET /settings`` (and what the settings page shows)."""
    source = "admin" if tenant.plugins != tenant.file_plugins else "file"
    return SettingsOut(settings=setting_views(tenant, declared_settings(runtime, tenant)),
                       plugins=plugin_states(runtime, tenant), plugins_source=source)


async def reloaded(runtime: Runtime, tenant: TenantInfo) -> TenantInfo:
    """The tenant as the registry knows it after a change (reloaded at once)."""
    runtime.tenants.invalidate()
    await runtime.tenants.refresh(force=True)
    return await runtime.tenants.get(tenant.code) or tenant


class SettingsController(Controller):
    """``/t/{tenant}/api/settings`` and ``/plugins``."""

    path = "/t/{tenant:str}/api"
    tags = ["机构设置"]

    @get("/settings", opt={"action": "tenant:read"}, summary="本机构设置和插件")
    async def read(self, state: State, tenant_info: CurrentTenant) -> SettingsOut:
        """Each setting with its value, default and source; each plugin, on or off."""
        return tenant_settings(runtime_of(state), tenant_info)

    @patch("/settings", opt={"action": "setting:manage"}, summary="修改本机构设置")
    async def change(self, request: Request[Any, Any, Any], state: State,
                     tenant_info: CurrentTenant, data: JSONBody[SettingsIn]) -> SettingsOut:
        """Set some settings (checked against their rules, audited)."""
        runtime = runtime_of(state)
        await save_settings(runtime.db, tenant_info,
                            declared_settings(runtime, tenant_info), data.values,
                            actor=actor_of(request), now=runtime.clock.now())
        return tenant_settings(runtime, await reloaded(runtime, tenant_info))

    @put("/plugins", opt={"action": "setting:manage"}, summary="设置本机构启用的插件")
    async def plugins(self, request: Request[Any, Any, Any], state: State,
                      tenant_info: CurrentTenant, data: JSONBody[PluginsIn]) -> SettingsOut:
        """Turn plugins on or off for this tenant (audited)."""
        runtime = runtime_of(state)
        known = [n for n in runtime.plugins.names if n != CORE_PLUGIN]
        await save_plugins(runtime.db, tenant_info, known, data.enabled,
                           actor=actor_of(request), now=runtime.clock.now())
        return tenant_settings(runtime, await reloaded(runtime, tenant_info))
