"""`crm reports refresh`: recompute rollup snapshots now, rather than waiting for the scheduler."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from crm.campaigns.models import Campaign
from crm.cli import crm_cli
from crm.extensions import db
from crm.reports import snapshots
from crm.reports.periods import PeriodError, period_choices

reports_cli = AppGroup("reports", help="Progress rollups.")
crm_cli.add_command(reports_cli)


@reports_cli.command("refresh")
@click.option("--campaign", "campaign_id", type=int, default=None, help="One drive (default: every drive).")
@click.option("--period", "code", default=None, help="One period: 2025Q3, 2025-07 or all (default: every one).")
@with_appcontext
def refresh(campaign_id: int | None, code: str | None):
    """Recompute the rollup snapshots of a drive's periods (after a bulk import, say)."""
    stmt = select(Campaign).order_by(Campaign.id)
    if campaign_id is not None:
        stmt = stmt.where(Campaign.id == campaign_id)
    campaigns = db.session.scalars(stmt).all()
    if not campaigns:
        raise click.ClickException(f"no drive {campaign_id}")
    for campaign in campaigns:
        for each in [code] if code else period_choices(campaign):
            try:
                snapshot = snapshots.refresh(campaign, each)
            except PeriodError as err:
                raise click.ClickException(str(err)) from err
            click.echo(f"drive {campaign.id} {each}: {snapshot.seconds:.2f} s")
