"""Extra fields of a special inspection's kind (专项巡察的补充字段): declared, validated, shown.

A plugin declares a ``msgspec.Struct`` per kind for its inspections and one
for their findings (hook ``xuncha_extra_fields``). Values are checked by
``msgspec.convert`` against every struct declared for the kind; a refusal
names ``extra.<field>`` and says why in Chinese. What is stored (the JSON
column ``extra``) is the converted values, defaults filled in. Pages and
exports read :func:`extra_fields` to label and format them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from enum import Enum
from typing import Any, Literal

import msgspec
import msgspec.inspect as mi

from core.contributions import ExtraFields
from core.errors import FieldError, Invalid
from core.plugins import Plugins

__all__ = ["ExtraField", "check_extra", "extra_fields", "extra_rows", "extra_text"]

On = Literal["inspection", "finding"]


class ExtraField(msgspec.Struct, frozen=True, kw_only=True):
    """One extra field as forms and exports show it.

    ``type`` is ``text``, ``integer``, ``number``, ``boolean``, ``date`` or
    ``choice`` (then ``choices`` holds the values); ``default`` is ``None``
    for a required field.
    """

    name: str
    label: str
    type: str
    required: bool
    choices: tuple[str, ...] = ()
    default: Any = None
    help: str = ""


_SCALARS: dict[type[Any], str] = {
    mi.StrType: "text", mi.IntType: "integer", mi.FloatType: "number",
    mi.BoolType: "boolean", mi.DateType: "date",
}


def _shape(info: Any) -> tuple[str, tuple[str, ...]]:
    if isinstance(info, mi.Metadata):
        return _shape(info.type)
    if isinstance(info, mi.UnionType):
        options = [t for t in info.types if not isinstance(t, mi.NoneType)]
        return _shape(options[0]) if len(options) == 1 else ("text", ())
    if isinstance(info, mi.LiteralType):
        return "choice", tuple(str(v) for v in info.values)
    if isinstance(info, mi.EnumType):
        return "choice", tuple(str(m.value) for m in info.cls)
    return _SCALARS.get(type(info), "text"), ()


def _field(field: mi.Field) -> ExtraField:
    meta = field.type.extra_json_schema or {} if isinstance(field.type, mi.Metadata) else {}
    kind, choices = _shape(field.type)
    default = None if field.default is msgspec.NODEFAULT else field.default
    return ExtraField(name=field.name, label=str(meta.get("title") or field.name), type=kind,
                      required=field.required, choices=choices,
                      default=default.value if isinstance(default, Enum) else default,
                      help=str(meta.get("description") or ""))


def _structs(plugins: Plugins, kind: str, on: On) -> list[type[msgspec.Struct]]:
    declared: list[ExtraFields] = plugins.gather_now("xuncha_extra_fields")
    return [d.struct for d in declared if d.kind == kind and d.on == on]


def extra_fields(plugins: Plugins, kind: str, on: On) -> list[ExtraField]:
    """The extra fields of ``kind``'s inspections (``on="inspection"``) or findings, in order."""
    out: list[ExtraField] = []
    for struct in _structs(plugins, kind, on):
        info = mi.type_info(struct)
        assert isinstance(info, mi.StructType)
        out += [_field(f) for f in info.fields]
    return out


def _number(text: str) -> str:
    return text[:-2] if text.endswith(".0") else text


_REASONS: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"Expected `(?:int|float)` >= (\S+)"), lambda m: f"不能小于 {_number(m[1])}"),
    (re.compile(r"Expected `(?:int|float)` <= (\S+)"), lambda m: f"不能大于 {_number(m[1])}"),
    (re.compile(r"Expected `str` of length >= (\d+)"), lambda m: f"长度不能少于 {m[1]} 个字符"),
    (re.compile(r"Expected `str` of length <= (\d+)"), lambda m: f"长度不能超过 {m[1]} 个字符"),
    (re.compile(r"Expected `str` matching"), lambda m: "格式不正确"),
    (re.compile(r"Invalid enum value"), lambda m: "不是可选的值"),
    (re.compile(r"Invalid RFC3339 encoded date"), lambda m: "日期应为 YYYY-MM-DD 格式"),
    (re.compile(r"Object missing required field"), lambda m: "为必填项"),
    (re.compile(r"Expected `int`"), lambda m: "应为整数"),
    (re.compile(r"Expected `float`"), lambda m: "应为数字"),
    (re.compile(r"Expected `bool`"), lambda m: "应为是或否"),
    (re.compile(r"Expected `date`"), lambda m: "应为日期（YYYY-MM-DD）"),
    (re.compile(r"Expected `str`"), lambda m: "应为文本"),
]


def _refusal(message: str, labels: Mapping[str, str]) -> FieldError:
    named = re.search(r"(?:missing required field `(.+?)`|at `\$\.([^`.\[]+))", message)
    name = (named[1] or named[2]) if named else ""
    reason = next((str(render(m)) for pattern, render in _REASONS
                   if (m := pattern.search(message))), "取值无效")
    label = labels.get(name, name)
    return FieldError(f"extra.{name}" if name else "extra", f"{label}{reason}")


def check_extra(plugins: Plugins, kind: str, on: On, values: Mapping[str, Any], *,
                lenient: bool = False) -> dict[str, Any]:
    """The values of ``kind``'s extra fields converted by their structs, ready to store.

    Args:
        plugins: the plugin manager.
        kind: the inspection kind.
        on: ``"inspection"`` or ``"finding"``.
        values: the submitted values (all fields, not only changed ones).
        lenient: accept text for numbers, flags and dates (form posts).

    Raises:
        Invalid: a field the kind does not declare, a missing required value
            or a value of the wrong type or range; each named ``extra.<field>``.
    """
    structs = _structs(plugins, kind, on)
    known = {f.name: f.label for f in extra_fields(plugins, kind, on)}
    unknown = [FieldError(f"extra.{k}", f"未知的补充字段：{k}") for k in values if k not in known]
    if unknown:
        raise Invalid(unknown)
    out: dict[str, Any] = {}
    for struct in structs:
        names = struct.__struct_fields__
        part = {k: v for k, v in values.items() if k in names}
        if lenient:
            part = {k: v for k, v in part.items() if v not in ("", None)}
        try:
            converted = msgspec.convert(part, struct, strict=not lenient)
        except msgspec.ValidationError as exc:
            raise Invalid([_refusal(str(exc), known)]) from None
        out.update(msgspec.to_builtins(converted))
    return out


def extra_text(field: ExtraField, value: Any) -> str:
    """A stored value as a person reads it (是/否, dates as YYYY-MM-DD, ``""`` when empty)."""
    if value is None or value == "":
        return ""
    if field.type == "boolean":
        return "是" if value else "否"
    if field.type == "number" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def extra_rows(fields: list[ExtraField], values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(label, text)`` of each extra field, in declaration order, for pages and exports."""
    return [(f.label, extra_text(f, values.get(f.name, f.default))) for f in fields]
