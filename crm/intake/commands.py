"""`crm intake purge`: delete public-form submissions older than the retention period."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from crm.cli import crm_cli
from crm.extensions import db
from crm.intake import operations

intake_cli = AppGroup("intake", help="QR self-applications.")
crm_cli.add_command(intake_cli)


@intake_cli.command("purge")
@click.option("--older-than", "days", type=click.IntRange(min=0), default=None,
              help="Age in days (default: CRM_INTAKE_RETENTION_DAYS, 180).")
@with_appcontext
def purge(days: int | None):
    """Delete the personal data of public-form submissions received more than DAYS days ago."""
    days = current_app.config["INTAKE_RETENTION_DAYS"] if days is None else days
    count = operations.purge(days)
    db.session.commit()
    click.echo(f"purged {count} submissions older than {days} days")
