"""`crm worker`: run background jobs (start as many as the machine allows, on any machine)."""
from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from crm.cli import crm_cli
from crm.jobs import folders

jobs_cli = AppGroup("jobs", help="Background jobs' folders.")
crm_cli.add_command(jobs_cli)


@crm_cli.command("worker")
@click.option("--threads", default=1, show_default=True, help="Jobs this process runs at the same time.")
@with_appcontext
def worker_command(threads: int):
    """Run queued background jobs (imports, list builds, exports) until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    huey = current_app.extensions["jobs"][0]
    if huey.immediate:
        raise click.ClickException("CRM_JOBS_URL=immediate runs jobs in the web process; there is nothing to work on")
    click.echo(f"worker: taking jobs from {current_app.config['JOBS_URL'].split('@')[-1]}")
    # Poll an empty queue at least once a second (Huey backs off to 10 s by default): jobs are waited on.
    huey.create_consumer(workers=threads, worker_type="thread", periodic=False, max_delay=1.0).run()


@jobs_cli.command("purge")
@click.option("--older-than", "days", type=click.IntRange(min=0), default=None,
              help="Age in days (default: CRM_JOB_RETENTION_DAYS, 7).")
@with_appcontext
def purge(days: int | None):
    """Delete the folders (uploaded files, reports, exports) of jobs that ended more than DAYS days ago."""
    days = current_app.config["JOB_RETENTION_DAYS"] if days is None else days
    click.echo(f"purged {folders.purge(days)} job folders older than {days} days")
