"""系统管理 · 机构设置: the tenant's settings (deadlines, rounds per year, ... declared by
``xuncha_tenant_settings`` contributions) and which plugins are on, shown to the tenant's
people and changed by its office admin (the services of :mod:`core.tenancy.preferences`,
which the settings API calls too)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Template

from core.errors import Invalid
from core.plugins import CORE_PLUGIN, enabled_for
from core.runtime import runtime_of
from core.tenancy.preferences import MAX_NUMBER, SettingView, save_plugins, save_settings
from core.web.api.settings import declared_settings, reloaded, tenant_settings
from core.web.deps import CurrentWork
from core.web.pages.admin import admin_page
from core.web.pages.forms import FormErrors, done, form_errors, parse_form
from core.work import Work

__all__ = ["PluginsForm", "setting_pages"]

SOURCE_LABELS = {"default": "默认值", "file": "机构配置文件", "admin": "本页修改"}


PluginName = Annotated[str, msgspec.Meta(max_length=64)]


class PluginsForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The plugins the form showed, those checked among them, or back to the file's list.

    Plugins the form did not show keep their state (one installed since the page was
    loaded, or a form posted empty).
    """

    shown: list[PluginName] = []
    enabled: list[PluginName] = []
    reset: bool = False


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _hint(setting: SettingView) -> str:
    """The rule of a setting and where its value comes from, shown before submit."""
    default = (("是" if setting.default else "否") if isinstance(setting.default, bool)
               else dict(setting.choices).get(_shown(setting.default), _shown(setting.default)))
    unit = f" {setting.unit}" if setting.unit and setting.kind != "choice" else ""
    hint = f"当前取值来源：{SOURCE_LABELS[setting.source]}；默认值：{default}{unit}"
    if setting.kind in ("int", "float"):
        low = setting.minimum if setting.minimum is not None else 0
        high = setting.maximum if setting.maximum is not None else MAX_NUMBER
        hint += f"；范围 {_shown(float(low))}-{_shown(float(high))}"
    return hint


async def _page(request: Request[Any, Any, Any], state: State, work: Work, *,
                status: int = 200, errors: FormErrors | None = None, failed: str = "",
                given: dict[str, str] | None = None) -> Template:
    runtime = runtime_of(state)
    current = tenant_settings(runtime, work.tenant)
    settings = [{**msgspec.structs.asdict(s), "shown": (given or {}).get(s.key, _shown(s.value)),
                 "label": s.label + (f"（{s.unit}）" if s.unit and s.kind != "choice" else ""),
                 "hint": _hint(s), "minimum": s.minimum if s.minimum is not None else 0,
                 "maximum": s.maximum if s.maximum is not None else MAX_NUMBER}
                for s in current.settings]
    return await admin_page(request, state, work.tenant, "settings", status=status,
                            settings=settings, plugins=current.plugins,
                            plugins_source=SOURCE_LABELS[current.plugins_source],
                            errors=errors, failed=failed)


def _url(work: Work) -> str:
    return f"/t/{work.tenant.code}/admin/settings"


@get("/t/{tenant:str}/admin/settings", opt={"action": "tenant:read"},
     include_in_schema=False)
async def settings_page(request: Request[Any, Any, Any], state: State,
                        work: CurrentWork) -> Template:
    """The tenant's settings and plugins (the office admin may change them)."""
    return await _page(request, state, work)


@post("/t/{tenant:str}/admin/settings", opt={"action": "setting:manage"},
      include_in_schema=False, status_code=200)
async def settings_save(request: Request[Any, Any, Any], state: State,
                        work: CurrentWork) -> Response[Any] | Template:
    """Save the settings the form changed; a blank goes back to the file's or the default."""
    runtime = runtime_of(state)
    form = await request.form()
    given = {str(k)[:64]: str(v)[:200] for k, v in form.items() if k != "_csrf"}
    current = {s.key: s for s in tenant_settings(runtime, work.tenant).settings}
    values: dict[str, Any] = {}
    for key, text in given.items():
        shown = current.get(key)
        if shown is None:
            values[key] = text  # unknown: the service refuses it
        elif not text.strip():
            if shown.source == "admin":
                values[key] = None
        elif text.strip() != _shown(shown.value):
            values[key] = text
    try:
        await save_settings(runtime.db, work.tenant, declared_settings(runtime, work.tenant),
                            values, actor=work.actor, now=work.clock.now())
    except Invalid as exc:
        errors = form_errors(exc, list(current))
        return await _page(request, state, work, status=errors.status, errors=errors,
                           failed="settings", given=given)
    await reloaded(runtime, work.tenant)
    return done(request, _url(work))


@post("/t/{tenant:str}/admin/plugins", opt={"action": "setting:manage"},
      include_in_schema=False, status_code=200)
async def plugins_save(request: Request[Any, Any, Any], state: State,
                       work: CurrentWork) -> Response[Any] | Template:
    """Turn plugins on or off for the tenant, or go back to its file's list."""
    runtime = runtime_of(state)
    known = [n for n in runtime.plugins.names if n != CORE_PLUGIN]
    try:
        data = await parse_form(request, PluginsForm)
        if data.reset:
            wanted: list[str] | None = None
        else:
            shown = set(data.shown)
            now_on = {n for n in known if enabled_for(work.tenant.plugins, n)}
            wanted = [n for n in known if n not in shown and n in now_on]
            wanted += [n for n in data.enabled if n in shown or n not in known]
        await save_plugins(runtime.db, work.tenant, known, wanted,
                           actor=work.actor, now=work.clock.now())
    except Invalid as exc:
        errors = form_errors(exc, PluginsForm)
        return await _page(request, state, work, status=errors.status, errors=errors,
                           failed="plugins")
    await reloaded(runtime, work.tenant)
    return done(request, _url(work))


setting_pages: list[Any] = [settings_page, settings_save, plugins_save]
"""The tenant settings page and its form posts."""

