"""Check an API response against the OpenAPI document: `from tests.api.openapi_check import assert_matches`.

assert_matches(response, "GET", "/api/v1/merchants/{credit_code}") fails when the operation or its
status code is not documented, or when the body does not match the documented schema
(JSON Schema draft 2020-12, "#/components/schemas/…" references resolved against the document).
"""
from __future__ import annotations

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from crm.api.core import openapi_document

DOCUMENT_URI = "urn:crm:openapi"


def _pointer(*parts: str) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def assert_matches(response, method: str, path_template: str) -> None:
    document = openapi_document()
    operation = document["paths"].get(path_template, {}).get(method.lower())
    assert operation is not None, f"{method} {path_template} is not in the OpenAPI document"
    status = str(response.status_code)
    documented = operation["responses"].get(status)
    assert documented is not None, (
        f"{method} {path_template} answered {status}, which is not documented "
        f"(documented: {', '.join(sorted(operation['responses']))})"
    )
    if "content" not in documented:
        assert not response.get_data(), f"{method} {path_template} {status} documents no body but sent one"
        return
    body = response.get_json(silent=True)
    assert body is not None, f"{method} {path_template} {status} did not answer JSON"
    pointer = _pointer("paths", path_template, method.lower(), "responses", status, "content", "application/json",
                       "schema")
    registry = Registry().with_resource(DOCUMENT_URI, Resource(contents=document, specification=DRAFT202012))
    validator = Draft202012Validator({"$ref": f"{DOCUMENT_URI}#{pointer}"}, registry=registry,
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, f"{method} {path_template} {status}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in errors[:5])
