"""Taking, checking and restoring a backup: plain functions the `crm backup`/`crm restore` commands call."""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from time import perf_counter

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app

from crm.backup import archive, databases
from crm.backup.databases import BackupError
from crm.extensions import db


@dataclass
class Outcome:
    manifest: dict
    seconds: float


def take(path: str) -> Outcome:
    """Write a consistent backup of the database and the upload folder to `path`."""
    started = perf_counter()
    engine = db.engine
    with tempfile.TemporaryDirectory(prefix="crm-backup-", dir=_folder_of(path)) as work:
        snapshot = databases.snapshot(engine, work)
        manifest = archive.write(path, snapshot, engine.dialect.name, current_app.config["UPLOAD_FOLDER"])
    return Outcome(manifest, perf_counter() - started)


def _folder_of(path: str) -> str:
    """Stage beside the backup file: its disk is known to have room for it."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise BackupError(f"The folder {folder} does not exist.")
    return folder


def verify(path: str) -> list[str]:
    """What is wrong with the backup at `path` (nothing, when it would restore)."""
    with tempfile.TemporaryDirectory(prefix="crm-verify-") as work:
        return _checked(path, work).problems


def _checked(path: str, work: str) -> archive.Opened:
    opened = archive.unpack(path, work)
    if not opened.problems:
        opened.problems += databases.check_dump(opened.manifest["engine"], opened.dump_path,
                                                opened.manifest["tables"])
    return opened


def restore(path: str, force: bool = False) -> Outcome:
    """Put the backup back into this app's database and upload folder, then apply newer migrations.

    Refuses a database holding any row unless `force`; refuses a damaged backup, one from another
    engine and one from a newer version of the app (a migration revision this code does not know).
    """
    started = perf_counter()
    engine = db.engine
    with tempfile.TemporaryDirectory(prefix="crm-restore-") as work:
        opened = _checked(path, work)
        if opened.problems:
            raise BackupError("The backup is damaged: " + "; ".join(opened.problems))
        manifest = opened.manifest
        _check_fits(manifest, engine.dialect.name)
        if not force:
            _check_empty(engine)
        databases.restore(engine, opened.dump_path)
        if os.path.isdir(opened.uploads):
            shutil.copytree(opened.uploads, current_app.config["UPLOAD_FOLDER"], dirs_exist_ok=True)
    from crm.cli import upgrade_database

    upgrade_database()
    return Outcome(manifest, perf_counter() - started)


def _check_fits(manifest: dict, engine_name: str) -> None:
    if manifest["engine"] != engine_name:
        raise BackupError(f"This is a {manifest['engine']} backup; the app's database is {engine_name}.")
    scripts = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    try:
        known = scripts.get_revision(manifest["alembic_revision"]) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(f"This backup comes from a newer version of the app ({manifest['app_version']}, "
                          f"revision {manifest['alembic_revision']}): install that version or a later one first.")


def _check_empty(engine) -> None:
    held = {name: rows for name, rows in databases.rows_per_table(engine).items()
            if rows and name != "alembic_version"}
    if held:
        listed = ", ".join(f"{rows} in {name}" for name, rows in sorted(held.items())[:5])
        raise BackupError(f"The database is not empty ({listed} …): restore into an empty database, "
                          "or pass --force to replace everything in it.")


def current_revision() -> str | None:
    """The migration revision of the database now (after a restore's upgrade)."""
    return databases.revision_of(db.engine)
