"""`crm backup` while another process writes, `crm backup --verify`, `crm restore` — on this engine.

A writer process records 500 visits into a migrated database; `crm backup` runs in the middle of
it and `crm restore` puts the backup into a second, empty database. The commands run through the
CLI runner of an app bound to each database (starting the app in a process of its own costs
seconds per command, which the writer already shows).
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import MetaData, create_engine, select, text

from crm import create_app

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VISITS = 500


@dataclass
class Site:
    """One installation: its database, its upload folder and an app bound to them."""

    url: str
    uploads: str
    app: Flask

    def crm(self, *args: str):
        with self.app.app_context():  # the test's own app context would otherwise stand in for this app's
            return self.app.test_cli_runner().invoke(args=list(args))

    def env(self) -> dict:
        return {**os.environ, "CRM_DATABASE_URL": self.url, "CRM_UPLOAD_FOLDER": self.uploads}


def _site(url: str, folder) -> Site:
    uploads = str(folder / "uploads")
    return Site(url, uploads, create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": uploads}))


def _rows(url: str) -> dict[str, list[tuple]]:
    """Every table's rows, in primary-key order."""
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return {t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                    for t in meta.sorted_tables}
    finally:
        engine.dispose()


def _wait_for_visits(url: str, writer: subprocess.Popen, at_least: int) -> int:
    engine = create_engine(url)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            assert writer.poll() is None, writer.stderr.read()
            with engine.connect() as conn:
                count = conn.scalar(text("SELECT count(*) FROM visits"))
            if count >= at_least:
                return count
            time.sleep(0.2)
    finally:
        engine.dispose()
    pytest.fail("the writer recorded too few visits in two minutes")


def _manifest(path) -> dict:
    with tarfile.open(path) as tar:
        return json.load(tar.extractfile("manifest.json"))


@pytest.fixture
def sites(new_database, tmp_path):
    source, target = _site(new_database(), tmp_path / "source"), _site(new_database(), tmp_path / "target")
    upgraded = source.crm("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    yield source, target
    for site in (source, target):
        with site.app.app_context():
            site.app.extensions["sqlalchemy"].engine.dispose()


def test_a_backup_taken_while_visits_are_recorded_restores_one_instant(sites, tmp_path):
    source, target = sites
    backup = str(tmp_path / "crm-backup.tar.gz")
    writer = subprocess.Popen([sys.executable, "-m", "tests.backup.writer", str(VISITS)], cwd=ROOT, env=source.env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        recorded_before = _wait_for_visits(source.url, writer, 100)
        taken = source.crm("crm", "backup", backup)
        writing_after = writer.poll() is None
    finally:
        _out, err = writer.communicate(timeout=300)
    assert writer.returncode == 0, err
    assert taken.exit_code == 0, taken.output
    assert f"Wrote {backup}" in taken.stdout and " s:" in taken.stdout
    in_backup = _manifest(backup)["tables"]["visits"]
    assert writing_after and recorded_before <= in_backup < VISITS  # taken in the middle of the writing

    restored = target.crm("crm", "restore", backup)
    assert restored.exit_code == 0, restored.output
    assert "Restored" in restored.stdout
    source_rows, target_rows = _rows(source.url), _rows(target.url)
    _assert_one_instant(source_rows, target_rows, in_backup)
    checked = target.crm("crm", "reports", "check", "--no-repair")  # the figures, as of that same instant
    assert checked.exit_code == 0 and checked.stdout.strip().endswith("0 differences"), checked.output
    _assert_photos_identical(target_rows, source, target)

    again = target.crm("crm", "restore", backup)
    assert again.exit_code == 1 and "not empty" in again.stderr and "--force" in again.stderr
    forced = target.crm("crm", "restore", "--force", backup)
    assert forced.exit_code == 0, forced.output
    assert _rows(target.url) == target_rows


# The figures' ledger: sums updated in place as visits arrive, so not a prefix of the source's rows; the
# restore is checked against its own records instead (crm reports check).
LEDGER = {"rollup_day_facts"}


def _assert_one_instant(source: dict, restored: dict, visits: int) -> None:
    """The restored rows are the source's rows as they stood after one visit's commit, and no other."""
    assert set(restored) == set(source)
    for table, rows in restored.items():
        if table not in LEDGER:
            assert rows == source[table][: len(rows)], f"{table} differs from the source"
    assert len(restored["visits"]) == visits and len(source["visits"]) == VISITS
    last_visit = restored["visits"][-1][0]
    for table, column in (("needs", "visit_id"), ("follow_ups", "source_visit_id"), ("photos", "visit_id")):
        assert _visit_ids(restored, table, column) == _visit_ids(source, table, column, up_to=last_visit), table
    assert len(restored["needs"]) >= 2 * visits  # no visit without both of its needs
    assert len(restored["photos"]) == visits // 10 + (visits % 10 > 0)


def _visit_ids(rows: dict, table: str, column: str, up_to: int | None = None) -> list:
    index = _columns(table).index(column)
    return [row[index] for row in rows[table] if row[index] is not None and (up_to is None or row[index] <= up_to)]


def _columns(table: str) -> list[str]:
    from crm.extensions import db

    return [column.name for column in db.metadata.tables[table].columns]


def _assert_photos_identical(restored: dict, source: Site, target: Site) -> None:
    filename = _columns("photos").index("filename")
    names = [row[filename] for row in restored["photos"]]
    assert names
    for name in names:
        with open(os.path.join(source.uploads, "photos", name), "rb") as original, \
                open(os.path.join(target.uploads, "photos", name), "rb") as copy:
            assert original.read() == copy.read(), name


def test_verify_accepts_a_whole_backup_and_catches_a_truncated_or_altered_one(sites, tmp_path):
    source, _target = sites
    photos = tmp_path / "source" / "uploads" / "photos"
    photos.mkdir(parents=True)
    (photos / "v1-0-abc.jpg").write_bytes(os.urandom(200_000))  # incompressible: the archive is mostly photo
    backup = tmp_path / "whole.tar.gz"
    assert source.crm("crm", "backup", str(backup)).exit_code == 0
    whole = source.crm("crm", "backup", "--verify", str(backup))
    assert whole.exit_code == 0 and "OK" in whole.stdout, whole.output

    data = backup.read_bytes()
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(data[: len(data) // 2])
    caught = source.crm("crm", "backup", "--verify", str(truncated))
    assert caught.exit_code == 1 and "truncated" in caught.stderr

    altered = tmp_path / "altered.tar.gz"
    _rewrite_member(backup, altered, "uploads/photos/v1-0-abc.jpg", os.urandom(200_000))
    caught = source.crm("crm", "backup", "--verify", str(altered))
    assert caught.exit_code == 1 and "uploads/photos/v1-0-abc.jpg: checksum differs" in caught.stderr


def _rewrite_member(original, copy, name: str, content: bytes) -> None:
    with tarfile.open(original) as source, tarfile.open(copy, "w:gz") as tar:
        for member in source.getmembers():
            data = content if member.name == name else source.extractfile(member).read()
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


def test_restore_of_an_older_backup_applies_the_newer_migrations(new_database, tmp_path):
    from alembic.script import ScriptDirectory

    from crm.extensions import db

    first = ScriptDirectory(os.path.join(ROOT, "migrations")).get_base()
    source, target = _site(new_database(), tmp_path / "old"), _site(new_database(), tmp_path / "new")
    assert source.crm("db", "upgrade", first).exit_code == 0
    backup = str(tmp_path / "old.tar.gz")
    assert source.crm("crm", "backup", backup).exit_code == 0
    assert _manifest(backup)["alembic_revision"] == first
    restored = target.crm("crm", "restore", backup)
    assert restored.exit_code == 0, restored.output
    assert set(_rows(target.url)) >= set(db.metadata.tables)  # every table of the latest schema
