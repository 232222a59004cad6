"""An app of its own on a second database, for tests whose subprocesses (workers, schedulers) share that
database with the test."""
from __future__ import annotations

from contextlib import contextmanager

from crm import create_app
from crm.extensions import db


@contextmanager
def app_on(url: str, **config):
    """An app on the database at `url` with its schema created; `config` adds to the test settings."""
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None, **config})
    with other.app_context():
        db.create_all()
        try:
            yield other
        finally:
            db.session.remove()
            db.engine.dispose()
