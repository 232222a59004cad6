"""The backup file: a gzipped tar of the database dump, the upload folder and manifest.json.

The manifest (written last, once every checksum is known) names the app version, the migration
revision, the engine, the rows per table and the size and SHA-256 of every other member; a
backup is whole when every member reads back with the size and checksum the manifest gives.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import time
from dataclasses import dataclass
from importlib.metadata import version

from crm.backup.databases import DUMP_NAMES, Snapshot
from crm.timeutil import utcnow

FORMAT = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"


class _Hashing:
    """A file read through this also feeds its SHA-256 (tarfile reads exactly the size it stat'ed)."""

    def __init__(self, stream):
        self.stream, self.sha256 = stream, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.sha256.update(data)
        return data


def write(path: str, snapshot: Snapshot, engine_name: str, upload_folder: str) -> dict:
    """Write the backup to `path` (through a .partial file, so a crash never leaves a whole-looking one)."""
    members: dict[str, dict] = {}
    partial = path + ".partial"
    with tarfile.open(partial, "w:gz", compresslevel=1) as tar:
        _add(tar, snapshot.path, DUMP_NAMES[engine_name], members)
        # Files after the database: a photo is on disk before its row commits, so every photo row
        # in the dump has its file here (a file newer than the dump is harmless).
        for name, full in _uploaded_files(upload_folder):
            _add(tar, full, f"{UPLOADS}/{name}", members)
        manifest = {
            "format": FORMAT, "app_version": version("crm"), "created_at": utcnow().isoformat() + "Z",
            "engine": engine_name, "alembic_revision": snapshot.revision, "database": DUMP_NAMES[engine_name],
            "tables": snapshot.tables, "members": members,
        }
        data = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime = len(data), int(time.time())
        tar.addfile(info, io.BytesIO(data))
    os.replace(partial, path)
    return manifest


def _uploaded_files(folder: str):
    """(relative name, full path) of every file under the upload folder, in a stable order."""
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for filename in sorted(files):
            full = os.path.join(root, filename)
            yield os.path.relpath(full, folder).replace(os.sep, "/"), full


def _add(tar: tarfile.TarFile, full: str, name: str, members: dict) -> None:
    try:
        stream = open(full, "rb")  # noqa: SIM115 (closed below, after a stat of the same open file)
    except FileNotFoundError:
        return  # a staging file removed while we walked (an import finished): nothing to keep
    with stream:
        info = tar.gettarinfo(arcname=name, fileobj=stream)
        hashing = _Hashing(stream)
        tar.addfile(info, hashing)
        members[name] = {"size": info.size, "sha256": hashing.sha256.hexdigest()}


@dataclass
class Opened:
    """A backup unpacked into a folder, with what is wrong with it (nothing, when whole)."""

    folder: str
    manifest: dict
    problems: list[str]

    @property
    def dump_path(self) -> str:
        return os.path.join(self.folder, self.manifest["database"])

    @property
    def uploads(self) -> str:
        return os.path.join(self.folder, UPLOADS)


def unpack(path: str, folder: str) -> Opened:
    """Unpack the backup into `folder` and check every member against the manifest."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            tar.extractall(folder, filter="data")
    except (OSError, EOFError, tarfile.TarError) as err:
        return Opened(folder, {}, [f"the file is truncated or is not a backup: {err}"])
    try:
        with open(os.path.join(folder, MANIFEST), encoding="utf-8") as stream:
            manifest = json.load(stream)
    except (OSError, ValueError) as err:
        return Opened(folder, {}, [f"the manifest is missing or unreadable: {err}"])
    return Opened(folder, manifest, _member_problems(folder, manifest))


def _member_problems(folder: str, manifest: dict) -> list[str]:
    problems = [] if manifest.get("format") == FORMAT else [f"unknown backup format {manifest.get('format')!r}"]
    listed = manifest.get("members", {})
    found = {os.path.relpath(os.path.join(root, f), folder).replace(os.sep, "/")
             for root, _dirs, files in os.walk(folder) for f in files} - {MANIFEST}
    problems += [f"{name}: in the archive but not in the manifest" for name in sorted(found - set(listed))]
    for name, expected in sorted(listed.items()):
        if name not in found:
            problems.append(f"{name}: missing")
        elif _digest(os.path.join(folder, name)) != expected["sha256"]:
            problems.append(f"{name}: checksum differs from the manifest")
    if manifest.get("database") not in listed:
        problems.append("the manifest names no database dump")
    return problems


def _digest(path: str) -> str:
    sha256 = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            sha256.update(block)
    return sha256.hexdigest()
