"""Error responses: 4xx with a JSON body naming the field and the reason.

Messages are in Chinese for UI users; ``detail`` keeps the framework's own
text for programmers. Browsers asking for HTML get the same content as a
page on the layout. Nothing a client sends should produce a 500; if a bug
does, the body says so in Chinese and the traceback goes to the log.
"""

from __future__ import annotations

import logging
import re
import secrets
import sqlite3
from typing import Any
from urllib.parse import quote

import asyncpg
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect
from litestar.response.base import ASGIResponse
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import Receive, Scope, Send

from core.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    Invalid,
    NotFound,
    TooLarge,
    Unsupported,
)

__all__ = ["FIELD_LABELS", "FieldError", "InputError", "exception_handlers", "field_label",
           "field_of", "refusal_of", "status_of", "translate"]

log = logging.getLogger(__name__)

_STATUS_MESSAGES = {
    400: "请求有误",
    401: "请先登录",
    403: "无权访问",
    404: "未找到",
    405: "不支持该请求方法",
    409: "与现有数据冲突",
    413: "提交的内容过大",
    415: "不支持的内容类型",
    429: "请求过于频繁，请稍后再试",
}

_TYPES = {
    "str": "文本", "int": "整数", "float": "数字", "bool": "布尔值", "null": "空值",
    "object": "对象", "array": "数组", "bytes": "字节", "datetime": "日期时间",
    "date": "日期",
}

_PATTERNS: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"Expected `(.+?)`, got `(.+?)`"),
     lambda m: f"类型应为{_type(m[1])}，实际为{_type(m[2])}"),
    (re.compile(r"Object missing required field `(.+?)`"), lambda m: "缺少必填字段"),
    (re.compile(r"Object contains unknown field `(.+?)`"), lambda m: "包含未知字段"),
    (re.compile(r"Invalid enum value (.+)"), lambda m: f"取值无效：{m[1]}"),
    (re.compile(r"Expected `str` of length >= (\d+)"), lambda m: f"长度不能少于 {m[1]} 个字符"),
    (re.compile(r"Expected `str` of length <= (\d+)"), lambda m: f"长度不能超过 {m[1]} 个字符"),
    (re.compile(r"Expected `str` matching regex (.+)"), lambda m: "格式不正确"),
    (re.compile(r"Expected `(?:int|float)` >= (\S+)"), lambda m: f"不能小于 {m[1]}"),
    (re.compile(r"Expected `(?:int|float)` <= (\S+)"), lambda m: f"不能大于 {m[1]}"),
    (re.compile(r"Expected `(?:array|object)` of length <= (\d+)"), lambda m: f"最多 {m[1]} 项"),
    (re.compile(r"Expected `(?:array|object)` of length >= (\d+)"), lambda m: f"至少 {m[1]} 项"),
    (re.compile(r"Missing required (?:path|query|header|cookie) parameter"),
     lambda m: "缺少必填参数"),
    (re.compile(r"Invalid RFC3339 encoded date(?!time)"),
     lambda m: "输入无效：日期应为 YYYY-MM-DD 格式"),
    (re.compile(r"JSON is malformed|malformed", re.I), lambda m: "JSON 格式错误"),
    (re.compile(r"Input data was truncated"), lambda m: "JSON 不完整"),
]


FIELD_LABELS: dict[str, str] = {
    "title": "标题", "name": "名称", "code": "代码", "kind": "类型", "status": "状态",
    "year": "年份", "number": "编号", "summary": "摘要", "remark": "备注", "note": "说明",
    "description": "说明", "reason": "原因", "topic": "专项主题", "stage": "环节", "to": "目标",
    "step": "步骤", "term_id": "届次", "plan_id": "计划", "round_id": "轮次",
    "inspection_id": "巡察任务", "org_id": "被巡察单位", "org_ids": "被巡察单位",
    "paper_id": "问题底稿", "finding_id": "问题", "finding_ids": "问题", "clue_id": "问题线索",
    "item_id": "整改事项", "report_id": "整改报告", "directive_id": "部署",
    "township_id": "乡镇（街道）", "parent_id": "上级单位", "attachment_id": "附件",
    "token_id": "令牌", "member_id": "巡察组成员", "county": "县（市、区）",
    "start_date": "开始日期", "end_date": "结束日期", "due_date": "期限", "deadline": "完成期限",
    "paper_date": "底稿日期", "issued_on": "下发日期", "onsite_start": "进驻日期",
    "onsite_end": "撤离日期", "source": "来源", "category": "问题类别", "severity": "严重程度",
    "grade": "处置类别", "persons": "涉及人员", "position": "职务", "receiving_body": "承办机关",
    "outcome": "办理结果", "problem": "问题", "measures": "整改措施",
    "responsible_person": "责任人", "responsible_leader": "责任领导", "lead_office": "牵头部门",
    "scope": "范围", "withheld_reason": "不公开理由", "role": "角色", "person": "人员",
    "username": "用户名", "password": "密码", "file": "附件", "slot": "批次",
    "classification": "分类", "village_codes": "村（社区）代码", "targets": "对象",
    "entries": "条目", "materials": "佐证材料", "how_found": "发现方式",
    "revision_reason": "修改理由", "shared": "共享", "fix_now": "立行立改",
    "recusal_declared": "回避声明", "home_unit": "工作单位", "expires_in_days": "有效天数",
    "q": "搜索", "limit": "每页条数", "offset": "起始位置", "retention": "保管期限",
    "body": "承办机关", "org": "被巡察单位",
}
"""Chinese labels of the request fields, for error pages (the JSON keeps the field names)."""


def field_label(field: str | None) -> str:
    """A field path in Chinese where its names are known: ``persons[1].name`` is
    "涉及人员第 2 项·名称"; an unknown name is kept as it is."""
    if not field:
        return "请求"
    parts = []
    for part in field.split("."):
        match = re.fullmatch(r"(\w+)((?:\[\d+\])*)", part)
        if not match:
            parts.append(part)
            continue
        text = FIELD_LABELS.get(match[1], match[1])
        for index in re.findall(r"\[(\d+)\]", match[2]):
            text += f"第 {int(index) + 1} 项"
        parts.append(text)
    return "·".join(parts)


def _type(name: str) -> str:
    base = name.split(" ")[0].split("|")[0].strip()
    return _TYPES.get(base, name)


def translate(message: str) -> str:
    """A Chinese rendering of a validation message from msgspec or litestar."""
    for pattern, render in _PATTERNS:
        match = pattern.search(message)
        if match:
            return str(render(match))
    return "输入无效"


def field_of(message: str, key: str | None) -> str | None:
    """The field a message is about: ``$.a.b`` paths and named fields win over the key."""
    at = re.search(r"at `\$\.?(.*?)`", message)
    path = at[1] if at and at[1] else ""
    named = re.search(r"(?:missing required|unknown) field `(.+?)`", message)
    if named:
        if not path and key and key != "data":
            path = key  # litestar names the nested object (``persons[1]``) in the key
        return f"{path}.{named[1]}" if path else named[1]
    if path:
        return path
    return key


class InputError(Invalid):
    """A handler's or page's own refusal of its input, with the status it chooses.

    Services raise the domain errors of :mod:`core.errors`; this is for checks
    that only the web layer makes (a query parameter, a form's shape). It is
    answered like them.
    """

    def __init__(self, errors: list[FieldError], status_code: int = 400) -> None:
        super().__init__(errors)
        self.status_code = status_code


_DOMAIN_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (Conflict, 409), (TooLarge, 413), (Unsupported, 415), (Invalid, 400), (NotFound, 404),
    (Forbidden, 403))


def status_of(exc: DomainError) -> int:
    """The HTTP status that answers a refusal."""
    if isinstance(exc, InputError):
        return exc.status_code
    return next((code for kind, code in _DOMAIN_STATUS if isinstance(exc, kind)), 400)


def refusal_of(exc: DomainError) -> tuple[list[str], int]:
    """The Chinese messages a form shows for a refusal, and the page's status."""
    return [e.message for e in exc.errors] or [exc.message], status_of(exc)


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    if "/api/" in request.url.path or request.url.path.startswith(("/schema", "/healthz")):
        return False
    return "text/html" in request.headers.get("accept", "")


_TENANT_PATH = re.compile(r"^/t/([^/]+)/")


async def _layout(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The layout's context for an error page: who is signed in, the menu and the switcher.

    An error raised by the router (no route for the path, or not for the
    method) comes before the identity middleware: the request's credentials
    are read here, so the page shows the account (not 登录) and its tenants.
    The menu is shown for the tenant of the path when the account may open
    its desk there; an anonymous visitor sees neither.
    """
    from core.runtime import runtime_of
    from core.web.guard import present_in
    from core.web.middleware import identify
    from core.web.pages.layout import page_context

    runtime = runtime_of(request.app.state)
    if "user" not in request.scope:
        user, _ = await identify(runtime, request.headers.get("authorization"),
                                 request.headers.get("cookie"))
        request.scope["user"] = user
    user = request.scope.get("user")
    if user is None:
        return {"tenant": None, "menu": [], "switcher": []}
    match = _TENANT_PATH.match(request.url.path)
    tenant = await runtime.tenants.get(match[1]) if match else None
    if tenant is not None and not await present_in(runtime, user, tenant):
        tenant = None
    return await page_context(request.app.state, tenant, connection=request)


class _ErrorPage(ASGIResponse):
    """``error.html`` on the layout, rendered when sent (the layout's context is async)."""

    def __init__(self, request: Request[Any, Any, Any], body: dict[str, Any],
                 headers: dict[str, str]) -> None:
        super().__init__(status_code=body["status"], media_type=MediaType.HTML,
                         headers=headers)
        self._request, self._body, self._extra = request, body, headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = self._request
        try:
            context = await _layout(request)
        except Exception:  # the error page itself must not fail: show it bare
            log.exception("layout of an error page failed")
            context = {"tenant": None, "menu": [], "switcher": []}
        engine = request.app.template_engine
        assert engine is not None
        html = engine.get_template("error.html").render(
            **context, error=self._body, request=request)
        page = ASGIResponse(body=html, status_code=self._body["status"],
                            media_type=MediaType.HTML, headers=self._extra)
        await page(scope, receive, send)


class _ErrorPageResponse(Response[Any]):
    """A response whose ASGI form is :class:`_ErrorPage`."""

    def __init__(self, request: Request[Any, Any, Any], body: dict[str, Any]) -> None:
        super().__init__(content=b"", status_code=body["status"], media_type=MediaType.HTML)
        self._request, self._body = request, body

    def to_asgi_response(self, app: Any, request: Request[Any, Any, Any],
                         **kwargs: Any) -> ASGIResponse:
        """The page, with the headers set on this response (e.g. ``Allow``)."""
        return _ErrorPage(self._request, self._body, dict(self.headers))


def _respond(
    request: Request[Any, Any, Any], status: int, message: str, errors: list[dict[str, Any]],
    detail: str,
) -> Response[Any]:
    body = {"status": status, "message": message, "errors": errors, "detail": detail}
    if _wants_html(request):
        # People read the fields by their Chinese labels; the JSON keeps the names.
        labelled = [{**e, "label": field_label(e.get("field"))} for e in errors]
        if labelled and message.startswith("输入有误："):
            message = "输入有误：" + "；".join(f"{e['label']}：{e['message']}" for e in labelled)
        return _ErrorPageResponse(request, {**body, "message": message, "errors": labelled})
    return Response(content=body, status_code=status, media_type=MediaType.JSON)


def _validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        raw = str(item.get("message", "")) if isinstance(item, dict) else str(item)
        key = item.get("key") if isinstance(item, dict) else None
        errors.append({
            "field": field_of(raw, key),
            "source": item.get("source", "body") if isinstance(item, dict) else "body",
            "message": translate(raw),
        })
    if not errors:
        errors.append({"field": None, "source": "body", "message": translate(str(exc.detail))})
    summary = "；".join(f"{e['field'] or '请求'}：{e['message']}" for e in errors)
    return _respond(request, 400, f"输入有误：{summary}", errors, str(exc.detail))


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status == 401 and _wants_html(request) and request.method == "GET":
        # A browser without a valid sign-in goes to the sign-in page, and back after.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"/login?next={quote(target, safe='')}")
    default = _STATUS_MESSAGES.get(status, "请求失败")
    detail = str(exc.detail)
    # Our own handlers raise with Chinese details; keep those as the message.
    message = detail if re.search(r"[\u4e00-\u9fff]", detail) else default
    response = _respond(request, status, message, [], detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _domain(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    """A refusal (:mod:`core.errors`): the message alone, or "输入有误" and the fields."""
    status = status_of(exc)
    errors = [{"field": e.field, "source": e.source, "message": e.message} for e in exc.errors]
    if not errors:
        return _respond(request, status, exc.message, [], exc.message)
    summary = "；".join(f"{e['field']}：{e['message']}" for e in errors)
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return _respond(request, status, f"输入有误：{summary}", errors, detail)


def _conflict(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # A uniqueness check lost a race with a concurrent write: the database's
    # constraint caught it, and the client may simply retry.
    log.info("integrity conflict on %s %s: %r", request.method, request.url.path, exc)
    return _respond(request, 409, "与现有数据冲突（可能刚被他人修改），请刷新后重试", [],
                    "integrity conflict")


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # The body names no exception (it would tell an attacker what broke); a reference
    # ties the answer to the log line that does.
    reference = secrets.token_hex(6)
    log.error("unhandled error %s on %s %s", reference, request.method, request.url.path,
              exc_info=exc)
    return _respond(
        request, HTTP_500_INTERNAL_SERVER_ERROR, "服务器内部错误，已记录日志，请联系运维人员",
        [], f"internal error, reference {reference}",
    )


exception_handlers: dict[Any, Any] = {
    sqlite3.IntegrityError: _conflict,
    asyncpg.exceptions.IntegrityConstraintViolationError: _conflict,
    ValidationException: _validation,
    DomainError: _domain,
    HTTPException: _http,
    Exception: _internal,
}
