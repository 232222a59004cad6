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
from sqlalchemy import select

from crm.auth.scoping import campaign_condition
from crm.campaigns.models import Campaign
from crm.extensions import csrf, db

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


def page_args(default_size: int = 50, max_size: int = 200) -> tuple[int, int]:
    try:
        page = max(1, int(request.args.get("page", 1)))
        size = min(max_size, max(1, int(request.args.get("per_page", default_size))))
    except ValueError as exc:
        raise ApiError(422, "invalid", _("page and per_page must be whole numbers"),
                       {"page": _("must be a whole number")}) from exc
    return page, size


def api_campaign(campaign_id: int) -> Campaign:
    """The drive named in the URL if the user may see it, else a 404 (the same for both, no oracle)."""
    campaign = db.session.scalar(
        select(Campaign).where(Campaign.id == campaign_id, campaign_condition(current_user, Campaign.id))
    )
    if campaign is None:
        raise ApiError(404, "not_found", _("No such drive, or not one you may see."))
    return campaign


# ---- OpenAPI registry -------------------------------------------------------------------------

OPERATIONS: dict[tuple[str, str], dict] = {}
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
            for code in (401,) if not public else ():
                operation["responses"].setdefault(str(code), _response(code, ERROR))
            if body is not None:
                operation["requestBody"] = {"required": True, "content": {media_type: {"schema": body}}}
            if public:
                operation["security"] = []
            OPERATIONS[(path, method.lower())] = operation

        api.add_url_rule(rule, view.__name__, view, methods=methods)
        return view

    return decorator


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
        kind = "integer" if converter == "int" else "string"
        params.append({"name": name, "in": "path", "required": True, "schema": {"type": kind}})
    return params


def query(name: str, kind: str = "string", description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind}, "description": description}


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
