"""The OpenAPI document tells the truth about errors and unknown fields.

It is a valid OpenAPI 3.1 document; every operation lists the error
answers its route can give (derived from the route: parameters or a body ->
400, guarded -> 401/403, a path naming something -> 404, writes -> 409, a
body -> 413, a JSON body -> 415), each with the body the app really sends; request structs that
refuse unknown fields say ``additionalProperties: false``; and a real error
answer validates against the declared error schema.
"""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema_rs
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from schemathesis.specs.openapi.definitions import OPENAPI_31

from core.web.openapi import ERROR_DESCRIPTIONS
from tests.hostile.conftest import OWN, Served

pytestmark = pytest.mark.hostile

Client = AsyncTestClient[Litestar]
ERROR = {"$ref": "#/components/schemas/ErrorBody"}
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
async def document(client: Client) -> dict[str, Any]:
    """The document as the app serves it (to the shared client, an office admin)."""
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, operation) for path, item in doc["paths"].items()
            for method, operation in item.items() if method in METHODS]


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    jsonschema_rs.validator_for(OPENAPI_31).validate(document)
    for name, schema in document["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name
    assert len(_operations(document)) > 90


def test_every_operation_lists_its_errors_with_the_real_body(document: dict[str, Any]) -> None:
    wrong = []
    for method, path, operation in _operations(document):
        responses = operation["responses"]
        expected = set()
        if operation.get("parameters") or operation.get("requestBody"):
            expected.add("400")
        if path != "/healthz":
            expected.add("401")
        if "{" in path:
            expected.add("404")
        if path.startswith("/t/{tenant}"):
            expected.add("403")
        if method != "GET" and path.startswith("/t/{tenant}"):
            expected.add("409")
        content = operation.get("requestBody", {}).get("content", {})
        if content:
            expected.add("413")
        if "application/json" in content:
            expected.add("415")
        errors = {code for code in responses if code.startswith("4")}
        if not expected <= errors:
            wrong.append(f"{method} {path}: missing {sorted(expected - errors)}")
        for code in errors:
            content = responses[code].get("content", {})
            if content.get("application/json", {}).get("schema") != ERROR:
                wrong.append(f"{method} {path} {code}: {content}")
            if responses[code]["description"] != ERROR_DESCRIPTIONS[int(code)]:
                wrong.append(f"{method} {path} {code}: {responses[code]['description']}")
    assert not wrong, "\n".join(wrong)
    health = document["paths"]["/healthz"]["get"]["responses"]["503"]
    assert health["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Health"}, "a degraded health answer is no error body"


def test_the_error_schema_is_the_apps_error_body(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    body = schemas["ErrorBody"]
    assert body["required"] == ["detail", "errors", "message", "status"]
    assert body["additionalProperties"] is False
    assert body["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/FieldErrorBody"}
    field = schemas["FieldErrorBody"]
    assert field["required"] == ["field", "message", "source"]
    assert "status_code" not in str(document["paths"]), "litestar's own error body is gone"


def test_request_bodies_refuse_unknown_fields(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    bodies = 0
    for method, path, operation in _operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema is None:
            continue
        refs = [schema, *schema.get("oneOf", [])]
        for ref in (r["$ref"] for r in refs if "$ref" in r):
            bodies += 1
            target = schemas[ref.rsplit("/", 1)[1]]
            assert target.get("additionalProperties") is False, (method, path, ref)
    assert bodies > 40


def test_list_items_keep_their_limits(document: dict[str, Any]) -> None:
    """``list[Annotated[str, Meta(min_length=1)]]``: the items' limits are in the schema."""
    schemas = document["components"]["schemas"]
    codes = schemas["village_coverage_directives_DirectiveIn"]["properties"]
    assert codes["village_codes"]["items"] == {"type": "string", "minLength": 1,
                                               "maxLength": 64}


def test_an_optional_body_is_not_required(document: dict[str, Any]) -> None:
    scan = document["paths"]["/t/{tenant}/api/rectification/scan"]["post"]
    assert scan["requestBody"]["required"] is False
    create = document["paths"]["/t/{tenant}/api/inspections"]["post"]
    assert create["requestBody"]["required"] is True


def test_real_error_answers_match_the_declared_schema(document: dict[str, Any],
                                                      served_app: Served) -> None:
    """Errors from the running server (each status the document declares) validate."""
    schemas = document["components"]["schemas"]
    resolved = {**schemas["ErrorBody"], "$defs": schemas}
    validator = jsonschema_rs.validator_for(msgspec.json.decode(msgspec.json.encode(
        resolved).replace(b"#/components/schemas/", b"#/$defs/")))
    base, own = served_app.url, served_app.own
    t = f"{base}/t/{OWN}/api"
    with httpx.Client(headers=served_app.headers("office_staff"), timeout=30) as http:
        answers = [
            (400, http.post(f"{t}/inspections", json={"__probe__": 1})),
            (401, httpx.get(f"{t}/inspections", timeout=30)),
            (403, http.get(f"{t}/role-grants")),
            (404, http.get(f"{t}/inspections/{served_app.foreign['inspection_id']}")),
            (404, http.get(f"{base}/schema/nothing-here")),
            (409, http.post(f"{t}/inspections/{own['inspection_id']}/stage",
                            json={"to": "planned"})),
            (413, http.post(f"{t}/inspections", content=b"{" + b" " * (11 * 2**20) + b"}",
                            headers={"Content-Type": "application/json"})),
            (415, http.post(f"{t}/inspections", content=b"{}",
                            headers={"Content-Type": "text/plain"})),
        ]
    for status, response in answers:
        assert response.status_code == status, (status, response.text[:300])
        body = response.json()
        validator.validate(body)
        assert body["status"] == status
