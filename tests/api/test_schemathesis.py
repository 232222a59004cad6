"""Schemathesis over the whole OpenAPI document (issue 14 "Done means"): for every operation, generated
requests from an admin and from an account manager get no server error and a response that conforms to
the document (status code, content type, body schema).

Time budget: MAX_EXAMPLES per operation and per user keeps the module near a minute per database.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from crm.api.core import openapi_document
from crm.areas import area_modules
from crm.auth.operations import create_token
from crm.extensions import db

MAX_EXAMPLES = 8

area_modules("api")  # each adds its operations to the document when imported
schema = schemathesis.openapi.from_dict(openapi_document())
schema.config.update(base_url="http://localhost", headers={"Accept-Encoding": "identity"})
# The shared input layer refuses a NUL character in any text with a 422 (documented on every operation);
# generating NULs would only exercise that one answer.
schema.config.generation.allow_x00 = False


@pytest.fixture
def isolated_app(app):
    def isolated(environ, start_response):
        """Each request in its own app context (and database session), as in production."""
        db.session.commit()
        with app.app_context():
            return list(app(environ, start_response))

    return isolated


@pytest.fixture
def bearer_headers(world):
    headers = []
    for name in ("admin", "am_a1"):
        _token, plain = create_token(world.users[name], "schemathesis")
        headers.append({"Authorization": f"Bearer {plain}"})
    db.session.commit()
    return headers


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.generate], suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_for_admin_and_account_manager(case, isolated_app, bearer_headers):
    case.operation.schema.app = isolated_app  # picks the WSGI transport; the app is a session fixture
    for headers in bearer_headers:
        case.call_and_validate(headers=headers, app=isolated_app, excluded_checks=[positive_data_acceptance])
