"""`crm reports check` and `crm reports rebuild`: the figures' ledger against the records."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from crm.cli import crm_cli
from crm.extensions import db
from crm.reports import ledger

reports_cli = AppGroup("reports", help="Progress figures.")
crm_cli.add_command(reports_cli)


@reports_cli.command("check")
@click.option("--no-repair", is_flag=True, help="Report the differences only.")
@with_appcontext
def check(no_repair: bool):
    """Recompute the figures' ledger from the records, report the rows that differ and repair them
    (the scheduler does it nightly)."""
    differences = ledger.check(db.session.connection(), repair=not no_repair)
    db.session.commit()
    for county_id, rows in sorted(differences.items()):
        click.echo(f"county {county_id}: {rows} rows differ" + ("" if no_repair else " (repaired)"))
    click.echo(f"{sum(differences.values())} differences")


@reports_cli.command("rebuild")
@with_appcontext
def rebuild():
    """Fill the figures' ledger from the records (after loading data behind the app's back)."""
    written = ledger.rebuild(db.session.connection(), log=click.echo)
    db.session.commit()
    click.echo(f"{written} rows written")
