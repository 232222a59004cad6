import pytest


@pytest.fixture(autouse=True)
def english_request(app):
    """Operations translate their messages, which needs a request; tests read them in English."""
    with app.test_request_context("/?lang=en"):
        yield
