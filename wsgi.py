"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi …`."""
import gc

from crm import create_app

app = create_app()
# What start-up built (modules, mappers, catalogues: some 350,000 objects) lives as long as the
# process: keep it out of the collector's full passes, which otherwise pause a big report for 0.1 s+.
gc.freeze()
