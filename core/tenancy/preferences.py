"""The office admin's tenant settings and plugin enablement, over the tenant's file.

A tenant's settings come from the defaults declared by ``xuncha_tenant_settings``
contributions (:class:`core.contributions.TenantSetting`), then its TOML file,
then what the office admin set in the browser (``tenant_preference``, which
``tenants sync`` leaves alone). The same goes for which plugins are on. Each
value is checked against its setting's rule before anything is written, all
refusals at once, by field; each change is audited in the tenant's chain.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from core.audit import chain
from core.contributions import TenantSetting
from core.db import Database
from core.db.sql import table_info
from core.errors import FieldError, Invalid
from core.plugins import enabled_for
from core.tenancy.model import TenantInfo
from core.tenancy.tables import TenantPreference

__all__ = [
    "MAX_NUMBER",
    "SettingView",
    "check_setting",
    "save_plugins",
    "save_settings",
    "setting_views",
]

MAX_NUMBER = 100000
"""Largest number a setting without its own ``maximum`` takes."""
MAX_TEXT = 200


class SettingView(msgspec.Struct, frozen=True, kw_only=True):
    """A setting as the settings page and API show it."""

    key: str
    label: str
    unit: str
    kind: str
    """``int``, ``float``, ``bool``, ``choice`` or ``text``."""
    value: Any
    default: Any
    source: str
    """Where the value comes from: ``default``, ``file`` (the tenant's TOML) or ``admin``."""
    minimum: float | None = None
    maximum: float | None = None
    choices: list[tuple[str, str]] = msgspec.field(default_factory=list)


def _kind(setting: TenantSetting) -> str:
    if setting.choices:
        return "choice"
    if isinstance(setting.default, bool):
        return "bool"
    if isinstance(setting.default, int):
        return "int"
    if isinstance(setting.default, float):
        return "float"
    return "text"


def _bounds(setting: TenantSetting) -> tuple[float, float]:
    low = setting.minimum if setting.minimum is not None else 0
    high = setting.maximum if setting.maximum is not None else MAX_NUMBER
    return low, high


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def check_setting(setting: TenantSetting, raw: Any) -> Any:
    """``raw`` (a form's text or a JSON value) as the setting's value.

    Raises:
        Invalid: the value breaks the setting's rule (Chinese, on the setting's key).
    """
    kind = _kind(setting)
    text = raw.strip() if isinstance(raw, str) else raw
    if kind == "bool":
        if isinstance(text, bool):
            return text
        if text in ("true", "on", "1", "是"):
            return True
        if text in ("false", "off", "0", "否"):
            return False
        raise Invalid.on(setting.key, "应为“是”或“否”")
    if kind == "choice":
        allowed = [value for value, _ in setting.choices]
        if text not in allowed:
            raise Invalid.on(setting.key, "应为以下之一：" + "、".join(
                label for _, label in setting.choices))
        return text
    if kind == "text":
        if not isinstance(text, str):
            raise Invalid.on(setting.key, "应为文本")
        if not text:
            raise Invalid.on(setting.key, "不能为空")
        if len(text) > MAX_TEXT:
            raise Invalid.on(setting.key, f"长度不能超过 {MAX_TEXT} 个字符")
        return text
    try:
        if isinstance(text, bool):
            raise ValueError
        number = float(text) if kind == "float" else _whole(text)
    except (TypeError, ValueError):
        raise Invalid.on(setting.key, "应为整数" if kind == "int" else "应为数字") from None
    if not math.isfinite(number):
        raise Invalid.on(setting.key, "应为数字")
    low, high = _bounds(setting)
    if not low <= number <= high:
        raise Invalid.on(setting.key, f"应在 {_number(low)} 到 {_number(high)} 之间"
                         + (f"（单位：{setting.unit}）" if setting.unit else ""))
    return number


def _whole(value: Any) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.lstrip("-").isdigit() and len(value) <= 12:
        return int(value)
    raise ValueError(value)


async def _preference(db: Database, tenant_id: int) -> dict[str, Any] | None:
    rows = await db.fetch('SELECT "id", "settings", "plugins" FROM "tenant_preference" '
                          f'WHERE "tenant" = {db.dialect.mark(1)}', [tenant_id])
    return table_info(TenantPreference).decode(rows[0]) if rows else None


async def _store(db: Database, tenant_id: int, existing: dict[str, Any] | None,
                 values: dict[str, Any], actor: str, now: datetime) -> None:
    info = table_info(TenantPreference)
    stamped = {**values, "updated_by": actor[:64], "updated_at": now}
    if existing is None:
        names = ["tenant", *stamped]
        args = [tenant_id, *(info.encode(k, v) for k, v in stamped.items())]
        await db.fetch(db.dialect.insert(info, names, 1), args)
    else:
        sql, args = db.dialect.update(info, stamped, {"id": existing["id"]})
        await db.fetch(sql, args)


def setting_views(tenant: TenantInfo, declared: Sequence[TenantSetting]) -> list[SettingView]:
    """The tenant's settings among ``declared``: value, default and where the value comes from.

    ``tenant`` is as the registry loaded it (the admin's values merged over its file's).
    """
    views = []
    for setting in declared:
        value = tenant.settings.get(setting.key, setting.default)
        if setting.key in tenant.admin_settings:
            source = "admin"
        elif setting.key in tenant.file_settings:
            source = "file"
        else:
            source = "default"
        views.append(SettingView(key=setting.key, label=setting.label, unit=setting.unit,
                                 kind=_kind(setting), value=value, default=setting.default,
                                 source=source, minimum=setting.minimum,
                                 maximum=setting.maximum, choices=list(setting.choices)))
    return views


async def save_settings(db: Database, tenant: TenantInfo, declared: Sequence[TenantSetting],
                        values: Mapping[str, Any], *, actor: str, now: datetime
                        ) -> dict[str, list[Any]]:
    """Set the admin's values of some settings; ``None`` (or a blank) drops the admin's
    value, so the file's or the default applies again.

    Returns:
        The changed keys with their effective values before and after.

    Raises:
        Invalid: an unknown key or a value breaking its rule (every one, by key);
            nothing is written then.
    """
    by_key = {s.key: s for s in declared}
    errors: list[FieldError] = []
    checked: dict[str, Any] = {}
    for key, raw in values.items():
        setting = by_key.get(key)
        if setting is None:
            errors.append(FieldError(key[:64], "没有这个设置项"))
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            checked[key] = None
            continue
        try:
            checked[key] = check_setting(setting, raw)
        except Invalid as exc:
            errors.extend(exc.errors)
    if errors:
        raise Invalid(errors)
    async with db.transaction():
        existing = await _preference(db, tenant.id)
        own = dict(existing["settings"]) if existing else {}
        for key, value in checked.items():
            if value is None:
                own.pop(key, None)
            else:
                own[key] = value
        base = {s.key: s.default for s in declared} | tenant.file_settings
        before = {k: tenant.settings.get(k, base.get(k)) for k in checked}
        after = {k: own.get(k, base.get(k)) for k in checked}
        changed = {k: [before[k], after[k]] for k in checked
                   if before[k] != after[k] or (k in own) != (k in tenant.admin_settings)}
        if not changed:
            return {}
        await _store(db, tenant.id, existing, {"settings": own}, actor, now)
        await chain.append(db.tenant(tenant.id), actor=actor, action="tenant.settings",
                           object_type="tenant", object_id=tenant.code,
                           detail={"changed": changed})
    return changed


async def save_plugins(db: Database, tenant: TenantInfo, known: Sequence[str],
                       enabled: Sequence[str] | None, *, actor: str, now: datetime
                       ) -> tuple[str, ...]:
    """Turn the tenant's plugins on or off: ``enabled`` names the ones on (the others of
    ``known`` are off; plugins installed later are on), ``None`` goes back to the file.

    Returns:
        The tenant's plugin list as stored (``("*", "-name", ...)``) or the file's.

    Raises:
        Invalid: a name that is no installed plugin (on ``plugins``); nothing is written.
    """
    if enabled is not None:
        unknown = sorted(set(enabled) - set(known))
        if unknown:
            raise Invalid.on("plugins", "没有这个插件：" + "、".join(n[:64] for n in unknown))
    stored = (None if enabled is None
              else ["*", *(f"-{name}" for name in known if name not in set(enabled))])
    def on(plugins: Sequence[str]) -> set[str]:
        return {name for name in known if enabled_for(plugins, name)}

    async with db.transaction():
        existing = await _preference(db, tenant.id)
        current = existing["plugins"] if existing else None
        unchanged = (current is None if stored is None
                     else on(stored) == on(tenant.plugins))
        if unchanged:  # nothing to write, nothing to audit
            return tuple(current) if current is not None else tenant.file_plugins
        await _store(db, tenant.id, existing, {"plugins": stored}, actor, now)
        await chain.append(db.tenant(tenant.id), actor=actor, action="tenant.plugins",
                           object_type="tenant", object_id=tenant.code,
                           detail={"plugins": stored, "before": list(tenant.plugins)})
    return tuple(stored) if stored is not None else tenant.file_plugins
