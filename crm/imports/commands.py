"""`crm import merchants FILE [--dry-run] [--strict]`: the registry import from the command line."""
from __future__ import annotations

import os

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from crm.cli import crm_cli

import_cli = AppGroup("import", help="Import data files.")
crm_cli.add_command(import_cli)


class ProgressBar:
    """A terminal progress bar fed by the import's progress(read=…, checked=…, written=…, total=…) calls."""

    def __init__(self):
        self.bar = None
        self.counts = {"read": 0, "checked": 0, "written": 0, "total": 0, "phase": "read"}

    def __call__(self, **counts) -> None:
        if counts.get("phase", self.counts["phase"]) != self.counts["phase"]:
            self.close()
        self.counts.update(counts)
        if not self.counts["total"]:
            return
        done = self.counts["written"] if self.counts["phase"] == "write" else self.counts["read"]
        if self.bar is None:
            label = "writing" if self.counts["phase"] == "write" else "reading and checking"
            self.bar = click.progressbar(length=self.counts["total"], label=label, show_eta=True, file=None)
            self.bar.__enter__()
        self.bar.update(min(done, self.bar.length) - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@import_cli.command("merchants")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Only report what would change.")
@click.option("--strict", is_flag=True, help="Import nothing if any row is rejected.")
@click.option("--user", "username", default=None, help="Import as this user (scope and audit trail).")
@click.option("--show", default=20, show_default=True, help="How many rejected rows to print.")
@with_appcontext
def import_merchants(path: str, dry_run: bool, strict: bool, username: str | None, show: int):
    """Import the bureau's registry (.xlsx or .csv) into the merchants."""
    from crm.extensions import db
    from crm.imports.operations import ImportRefused, apply_import, plan_import
    from crm.people.models import User

    user = None
    if username:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"no user {username}")
    filename = os.path.basename(path)
    bar = ProgressBar()
    try:
        if dry_run:
            plan = plan_import(path, filename, user, progress=bar)
        else:
            plan = apply_import(path, filename, user, strict=strict, progress=bar)
    except ImportRefused as err:
        db.session.rollback()
        raise click.ClickException(str(err)) from err
    finally:
        bar.close()
    if plan.ignored:
        click.echo(f"Columns not read: {', '.join(plan.ignored)}")
    click.echo("Columns read: " + ", ".join(f"{header} → {field}" for header, field in plan.recognised))
    counts = plan.counts()
    verb = "would be" if dry_run else "were"
    click.echo(f"{counts['rows']} rows: {counts['created']} {verb} created, {counts['updated']} {verb} updated, "
               f"{counts['unchanged']} unchanged, {counts['rejected']} rejected.")
    for rejected in plan.rejected[:show]:
        click.echo(f"  row {rejected.row} {rejected.credit_code or '-'}: {rejected.reason}")
    if len(plan.rejected) > show:
        click.echo(f"  … and {len(plan.rejected) - show} more (use --show).")
