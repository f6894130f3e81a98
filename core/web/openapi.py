"""A truthful OpenAPI document: the error body the app really sends, and when.

Litestar describes errors as its own ``{status_code, detail}`` and lists only
the 400 of validation. The app answers every error with the body of
``core.web.errors`` and may refuse a request for reasons the signature does
not show (the guard, unknown ids, stage rules). ``declare_errors`` derives, at
app creation, the error answers each route can give from what the route
declares (its action, path parameters, inputs and method) and adds them to
the handler's ``responses``; ``StrictStructSchemaPlugin`` says in the schema
that a request struct refusing unknown fields refuses them
(``additionalProperties: false``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Litestar, MediaType, Response
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Operation, Reference, Schema
from litestar.routes import HTTPRoute

from core.authz.roles import SIGNED_IN_ACTIONS
from core.web.guard import PUBLIC

__all__ = [
    "ERROR_DESCRIPTIONS",
    "ErrorBody",
    "FieldErrorBody",
    "StrictStructSchemaPlugin",
    "declare_errors",
    "error_statuses",
    "schema_not_found_as_json",
]

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
"""Methods that change something (and may meet a conflict)."""


class FieldErrorBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One refused field: where it was sent and why (Chinese)."""

    field: str | None
    """The field's path (``persons[1].name``), or null when the whole request is meant."""
    source: str
    """Where the field was sent: ``body``, ``query``, ``path``, ``header`` or ``cookie``."""
    message: str
    """Why it was refused, in Chinese."""


class ErrorBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Every error answer of the API (4xx, and the 500 that should never come)."""

    status: int
    """The HTTP status, repeated."""
    message: str
    """What went wrong, in Chinese, for the user."""
    errors: list[FieldErrorBody]
    """The refused fields (empty when the refusal is not about one field)."""
    detail: str
    """The framework's or the handler's own text, for programmers."""


ERROR_DESCRIPTIONS = {
    400: "输入有误：参数、请求体或其字段不符合要求（errors 列出各字段及原因）",
    401: "未登录，或登录、API 令牌已失效",
    403: "无权执行此操作（角色、令牌所属机构或 CSRF 校验不符）",
    404: "机构或对象不存在",
    409: "与现有数据冲突：当前阶段或状态不允许此操作，或数据刚被他人修改",
    413: "提交的内容过大",
    415: "不支持的内容类型",
}
"""What each declared error status means, as the document says it."""


def _has_inputs(kwargs_model: Any) -> bool:
    """Whether a route reads anything the client chooses (so validation can refuse it)."""
    return bool(kwargs_model.expected_path_params or kwargs_model.expected_query_params
                or kwargs_model.expected_header_params or kwargs_model.expected_cookie_params
                or _has_body(kwargs_model))


def _has_body(kwargs_model: Any) -> bool:
    return bool(kwargs_model.expected_form_data or kwargs_model.expected_msgpack_data
                or kwargs_model.expected_data_dto
                or "data" in kwargs_model.expected_reserved_kwargs)


def _takes_json(handler: Any) -> bool:
    """Whether the handler's body is JSON (``core.web.json_body`` refuses other types)."""
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return False
    media = getattr(data.kwarg_definition, "media_type", RequestEncodingType.JSON)
    return bool(media == RequestEncodingType.JSON)


def error_statuses(method: str, route: HTTPRoute, handler: Any, kwargs_model: Any) -> set[int]:
    """The error statuses ``handler`` can answer for ``method`` on ``route``.

    400 when it reads parameters or a body; 401 unless public; 403 unless
    public and CSRF-exempt, or an action every signed-in account may take
    outside any tenant (and no unsafe method a session cookie could send);
    404 when the path names something (a tenant, an id); 409 for writes
    (stage and state rules, and the database's constraints when a
    concurrent write won); 413 with a body; 415 with a JSON body (any other
    content type is refused).
    """
    statuses: set[int] = set()
    action = handler.opt.get("action")
    if _has_inputs(kwargs_model):
        statuses.add(400)
    if action != PUBLIC:
        statuses.add(401)
        tenant_free = "tenant" not in route.path_parameters
        if not (tenant_free and action in SIGNED_IN_ACTIONS and method not in UNSAFE):
            statuses.add(403)
    elif method in UNSAFE and not handler.opt.get("csrf_exempt"):
        statuses.add(403)  # a session's CSRF check
    if route.path_parameters:
        statuses.add(404)
    if method in UNSAFE and action != PUBLIC:
        statuses.add(409)
    if _has_body(kwargs_model):
        statuses.add(413)
    if method in UNSAFE and _takes_json(handler):
        statuses.add(415)
    return statuses


def declare_errors(app: Litestar) -> None:
    """Add the error answers of every route handler of ``app`` to its ``responses``.

    Run before the OpenAPI document is first built (it is built on first
    request for it). A status a handler declares itself is kept.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, kwargs_model) in route.route_handler_map.items():
            if method == "OPTIONS" or not handler.resolve_include_in_schema():
                continue
            declared = dict(handler.responses or {})
            for status in sorted(error_statuses(method, route, handler, kwargs_model)):
                declared.setdefault(status, ResponseSpec(
                    data_container=ErrorBody, description=ERROR_DESCRIPTIONS[status],
                    generate_examples=False))
            handler.responses = declared
            if _body_optional(handler):
                handler.operation_class = _optional_body_operation(handler.operation_class)


_ITEM_LIMITS = {"min_length": "min_length", "max_length": "max_length", "pattern": "pattern",
                "ge": "minimum", "le": "maximum", "gt": "exclusive_minimum",
                "lt": "exclusive_maximum"}
"""msgspec constraints of a list's items and the Schema attribute saying each."""


def _list_items(field_type: Any) -> Any:
    """The item type of a (possibly optional or annotated) list or set field, or None."""
    while isinstance(field_type, msgspec.inspect.Metadata):
        field_type = field_type.type
    if isinstance(field_type, msgspec.inspect.UnionType):
        lists = [t for t in field_type.types if _list_items(t) is not None]
        return _list_items(lists[0]) if len(lists) == 1 else None
    if isinstance(field_type, msgspec.inspect.ListType | msgspec.inspect.SetType
                  | msgspec.inspect.FrozenSetType | msgspec.inspect.VarTupleType):
        return field_type.item_type
    return None


def _array_schemas(schema: Any) -> list[Schema]:
    if not isinstance(schema, Schema):
        return []
    found = [schema] if isinstance(schema.items, Schema) else []
    for option in schema.one_of or []:
        found += _array_schemas(option)
    return found


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Struct schemas as strict as msgspec's decoding of them.

    ``additionalProperties: false`` when the struct refuses unknown fields
    (``forbid_unknown_fields=True``); and the constraints of a list's items
    (``list[Annotated[str, Meta(min_length=1)]]``), which litestar leaves out.
    """

    def to_openapi_schema(self, field_definition: Any, schema_creator: Any) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        struct = field_definition.type_
        config = getattr(struct, "__struct_config__", None)
        if config is not None and config.forbid_unknown_fields:
            schema.additional_properties = False
        info = msgspec.inspect.type_info(struct)
        for field in getattr(info, "fields", ()):
            item = _list_items(field.type)
            while isinstance(item, msgspec.inspect.Metadata):
                item = item.type
            if item is None or not schema.properties:
                continue
            limits = {target: getattr(item, name) for name, target in _ITEM_LIMITS.items()
                      if getattr(item, name, None) is not None}
            for array in _array_schemas(schema.properties.get(field.encode_name)):
                for target, value in limits.items():
                    setattr(array.items, target, value)
        return schema


def _optional_body_operation(base: type[Operation]) -> type[Operation]:
    """``base`` whose request body is optional: the handler's ``data`` has a default, so a
    request without a body is served."""
    @dataclass
    class OptionalBodyOperation(base):  # type: ignore[valid-type,misc]
        def __post_init__(self) -> None:
            if self.request_body is not None and not isinstance(self.request_body, Reference):
                self.request_body.required = False

    return OptionalBodyOperation


def _body_optional(handler: Any) -> bool:
    data = handler.parsed_fn_signature.parameters.get("data")
    return data is not None and data.has_default


async def schema_not_found_as_json(response: Response[Any]) -> Response[Any]:
    """``after_request`` of the schema router: its unknown paths answer with the API's
    error body (litestar's own answer is an HTML page)."""
    if response.status_code != 404:
        return response
    body = ErrorBody(status=404, message="未找到", errors=[], detail="Not Found")
    return Response(content=body, status_code=404, media_type=MediaType.JSON)
