"""`crm campaigns sync-template DRIVE`: bring a drive made from a template to the template's current rules."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from crm.campaigns.models import Campaign
from crm.campaigns.rule_changes import sync_template, template_differences
from crm.cli import crm_cli
from crm.extensions import db

campaigns_cli = AppGroup("campaigns", help="Drives.")
crm_cli.add_command(campaigns_cli)


def _campaign(ref: str) -> Campaign:
    """A drive by id or by its exact name."""
    campaign = db.session.get(Campaign, int(ref)) if ref.isdigit() else \
        db.session.scalar(select(Campaign).where(Campaign.name == ref).order_by(Campaign.id).limit(1))
    if campaign is None:
        raise click.BadParameter(f"no drive {ref!r}", param_hint="DRIVE")
    return campaign


def _shown(value) -> str:
    return "(none)" if value is None else str(value)


@campaigns_cli.command("sync-template")
@click.argument("drive")
@click.option("--include-local", is_flag=True, help="Also replace the rules a lead set locally.")
@click.option("--dry-run", is_flag=True, help="List the differences only.")
@with_appcontext
def sync(drive: str, include_local: bool, dry_run: bool):
    """List where DRIVE (id or name) differs from its template's current rules, then apply them; a local
    setting is kept unless --include-local."""
    campaign = _campaign(drive)
    try:
        differences = template_differences(campaign)
    except ValueError as problem:
        raise click.ClickException(str(problem)) from None
    for d in differences:
        clause = d.cited.clause or "no document gives it"
        kept = "  [local setting, kept]" if d.local and not include_local else ""
        click.echo(f"{d.key}: {_shown(d.current)} -> {_shown(d.wanted)} ({clause}){kept}")
    if dry_run:
        click.echo(f"{len(differences)} differences (dry run: nothing changed)")
        return
    applied = sync_template(campaign, include_local=include_local)
    db.session.commit()
    click.echo(f"{len(applied)} of {len(differences)} rules brought to the template's")
