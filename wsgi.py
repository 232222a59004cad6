"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi …`."""
from crm import create_app, settle_collector

app = create_app()
settle_collector()
