"""`crm backup FILE`, `crm backup --verify FILE` and `crm restore FILE [--force]`."""
from __future__ import annotations

import os

import click
from flask.cli import with_appcontext

from crm.backup import operations
from crm.backup.databases import BackupError
from crm.cli import crm_cli


@crm_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--verify", is_flag=True, help="Check an existing backup (checksums, dump readable) instead.")
@with_appcontext
def backup(path: str, verify: bool):
    """Write a consistent backup of the database and uploaded files to PATH (safe while the app runs)."""
    if verify:
        _verify(path)
        return
    try:
        outcome = operations.take(path)
    except BackupError as err:
        raise click.ClickException(str(err)) from err
    manifest = outcome.manifest
    files = sum(1 for name in manifest["members"] if name != manifest["database"])
    click.echo(f"Wrote {path} ({_size(os.path.getsize(path))}) in {outcome.seconds:.1f} s:")
    click.echo(f"  database: {manifest['engine']}, revision {manifest['alembic_revision']}, "
               f"{sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables "
               f"({_busiest(manifest['tables'])})")
    click.echo(f"  files: {files} from the upload folder")


def _verify(path: str) -> None:
    if not os.path.isfile(path):
        raise click.ClickException(f"{path}: no such file")
    problems = operations.verify(path)
    if problems:
        raise click.ClickException(f"{path} is not a usable backup:\n  " + "\n  ".join(problems))
    click.echo(f"{path}: OK (every member matches the manifest; the database dump reads whole)")


@crm_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore(path: str, force: bool):
    """Restore a backup into an empty database (stop the app first), then apply newer migrations."""
    try:
        outcome = operations.restore(path, force=force)
    except BackupError as err:
        raise click.ClickException(str(err)) from err
    manifest = outcome.manifest
    click.echo(f"Restored {path} (taken {manifest['created_at']}, app {manifest['app_version']}) "
               f"in {outcome.seconds:.1f} s: {sum(manifest['tables'].values())} rows, "
               f"{len(manifest['members']) - 1} files; revision {manifest['alembic_revision']} "
               f"→ {operations.current_revision()}")


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.1f} kB"


def _busiest(tables: dict[str, int]) -> str:
    largest = sorted(tables.items(), key=lambda item: -item[1])[:3]
    return ", ".join(f"{name} {rows}" for name, rows in largest)
