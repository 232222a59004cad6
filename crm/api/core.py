"""The /api/v1 blueprint: bearer-token or session sign-in, JSON errors, and the OpenAPI registry.

Each resource module (crm/<area>/api.py) adds its routes to `api` with the `@route` decorator,
which records the operation's OpenAPI description beside the view; /api/v1/openapi.json is built
from those records, and a test checks every route has one and every response matches it.
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from crm.auth.scoping import visible_campaign
from crm.campaigns.models import Campaign
from crm.extensions import csrf
from crm.web import MAX_ID

api = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api)


def blueprints():
    return [api]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    return jsonify({"error": {"code": code, "message": str(message), "fields": fields or {}}}), status


@api.errorhandler(ApiError)
def _api_error(error: ApiError):
    return error_response(error.status, error.code, error.message, error.fields)


@api.errorhandler(CSRFError)
def _csrf_error(error):
    return error_response(400, "csrf", _("The form has expired; reload the page and try again."))


@api.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@api.before_request
def _authenticate():
    if request.endpoint == "api.openapi":
        return None
    if not current_user.is_authenticated:
        return error_response(401, "unauthorized", _("Sign in or send a valid bearer token."))
    # A browser session (the offline client) must prove it is our page: CSRF on unsafe methods.
    if not g.get("token_auth") and request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    return None


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", _("The request body must be a JSON object."))
    return body


def int_query(name: str, required: bool = False) -> int | None:
    """A whole-number query argument from 0 to the largest id; absent is None, anything else is a 422."""
    value = request.args.get(name, "")
    if not value and not required:
        return None
    if not value.isdigit() or int(value) > MAX_ID:
        raise ApiError(422, "invalid", _("%(name)s must be a whole number from 0 to %(max)s", name=name, max=MAX_ID),
                       {name: _("must be a whole number from 0 to %(max)s", max=MAX_ID)})
    return int(value)


def page_args(default_size: int = 50, max_size: int = 200) -> tuple[int, int]:
    page, size = int_query("page"), int_query("per_page")
    return max(1, page or 1), min(max_size, max(1, default_size if size is None else size))


def api_campaign(campaign_id: int) -> Campaign:
    """The drive named in the URL if the user may see it, else a 404 (the same for both, no oracle)."""
    campaign = visible_campaign(campaign_id, current_user)
    if campaign is None:
        raise ApiError(404, "not_found", _("No such drive, or not one you may see."))
    return campaign


# ---- OpenAPI registry -------------------------------------------------------------------------

OPERATIONS: dict[tuple[str, str], dict] = {}
WEBHOOKS: dict[str, dict] = {}  # OpenAPI 3.1 `webhooks`: what the CRM posts to a subscribed endpoint
ID = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
SCHEMAS: dict[str, dict] = {}


def schema(name: str, body: dict) -> dict:
    """Register a named component schema and return a $ref to it."""
    SCHEMAS[name] = body
    return {"$ref": f"#/components/schemas/{name}"}


ERROR = schema(
    "Error",
    {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "fields"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }
        },
    },
)


def route(rule: str, methods: list[str], *, summary: str, responses: dict[int, dict],
          parameters: list[dict] | None = None, body: dict | None = None, public: bool = False,
          media_type: str = "application/json"):
    """Register an API view and its OpenAPI operation in one place (body: the request body's schema)."""

    def decorator(view):
        path = "/api/v1" + _openapi_path(rule)
        for method in methods:
            operation = {
                "summary": summary,
                "operationId": f"{view.__name__}_{method.lower()}",
                "parameters": (parameters or []) + _path_parameters(rule),
                "responses": {
                    str(code): _response(code, body_schema) for code, body_schema in responses.items()
                },
            }
            for code in _errors_every_route_may_answer(rule, public, body is not None):
                operation["responses"].setdefault(str(code), _response(code, ERROR))
            if body is not None:
                operation["requestBody"] = {"required": True, "content": {media_type: {"schema": body}}}
            if public:
                operation["security"] = []
            OPERATIONS[(path, method.lower())] = operation

        api.add_url_rule(rule, view.__name__, view, methods=methods)
        return view

    return decorator


def _errors_every_route_may_answer(rule: str, public: bool, has_body: bool) -> list[int]:
    """Answers that come from the shared layers rather than the view: sign-in, an id in the path that
    names nothing, a body that is not a JSON object, and text with a NUL character (422)."""
    codes = [422]
    if not public:
        codes.append(401)
    if "<" in rule:
        codes.append(404)
    if has_body:
        codes.append(400)
    return codes


def _response(code: int, body_schema: dict | None) -> dict:
    if body_schema is None and code >= 400:
        body_schema = ERROR
    if body_schema is None:
        return {"description": str(code)}
    return {"description": str(code), "content": {"application/json": {"schema": body_schema}}}


def _openapi_path(rule: str) -> str:
    import re

    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def _path_parameters(rule: str) -> list[dict]:
    import re

    params = []
    for converter, name in re.findall(r"<(?:([a-z]+):)?([a-z_]+)>", rule):
        kind = ID if converter == "int" else {"type": "string", "minLength": 1}
        params.append({"name": name, "in": "path", "required": True, "schema": kind})
    return params


def query(name: str, kind: str = "string", description: str = "") -> dict:
    """A query parameter; integers are what int_query accepts."""
    body = ID if kind == "integer" else {"type": kind}
    return {"name": name, "in": "query", "required": False, "schema": body, "description": description}


def openapi_document() -> dict:
    paths: dict[str, dict] = {}
    for (path, method), operation in sorted(OPERATIONS.items()):
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Campaign CRM API", "version": "1.0.0",
                 "description": "Field visits, referrals and progress of joint government–bank credit drives."},
        "servers": [{"url": "/"}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": paths,
        "webhooks": dict(sorted(WEBHOOKS.items())),
    }


def nullable(kind: str | dict) -> dict:
    """OpenAPI 3.1 (JSON Schema): a value of this type, or null."""
    if isinstance(kind, str):
        return {"type": [kind, "null"]}
    return {"anyOf": [kind, {"type": "null"}]}


def obj(properties: dict, required: list[str] | None = None) -> dict:
    """An object schema; by default every listed property is required, so the test checks them all."""
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def paged(items: dict) -> dict:
    return obj({"items": array(items), "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "total": {"type": "integer"}})
