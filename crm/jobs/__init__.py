"""Background jobs: work that takes longer than a page may wait (imports, list builds, exports).

The queue is Huey: a SQLite file beside the database by default (no server to run), Redis or
PostgreSQL in production (`CRM_JOBS_URL`). `crm worker` runs the jobs; start as many as you like.
A job's state (status, progress, result) is a small JSON file in the job's own folder, next to its
input, so the web page and the API read progress without touching the database the job is
writing in one transaction.
"""
