"""What keeps Today and the visit form usable with no network: the service worker at /sw.js, whose
cache name follows the shell's content (long-lived static files and gzip are app-wide, in crm.web)."""
from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache

from flask import Blueprint, current_app, make_response, url_for

bp = Blueprint("offline", __name__)

# In load order: storage, sending, the credit-code check, the kept copy of the day, the pages.
SCRIPTS = ("js/store.js", "js/sender.js", "js/credit_code.js", "js/fieldbook.js", "js/visits.js")
SHELL_FILES = ("css/app.css", "js/page.js", *SCRIPTS, "icon.svg")  # page.js: every page loads it


def _read(name: str) -> bytes:
    with open(os.path.join(current_app.static_folder, name), "rb") as handle:
        return handle.read()


@lru_cache(maxsize=4)
def _version(static_folder: str, stamps: tuple) -> str:
    digest = hashlib.sha256()
    for name in ("sw.js", *SHELL_FILES):
        with open(os.path.join(static_folder, name), "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()[:12]


def shell_version() -> str:
    """Changes whenever a shell file changes, so phones fetch the new files once."""
    folder = current_app.static_folder
    stamps = tuple(os.stat(os.path.join(folder, name)).st_mtime_ns for name in ("sw.js", *SHELL_FILES))
    return _version(folder, stamps)


def shell_urls() -> list[str]:
    version = shell_version()
    static = [url_for("static", filename=name, v=version) if name.startswith("js/") else
              url_for("static", filename=name) for name in SHELL_FILES]
    return [*static, url_for("visits.today"), url_for("visits.new")]


@bp.get("/sw.js")
def service_worker():
    source = _read("sw.js").decode()
    source = source.replace("__VERSION__", shell_version()).replace("__SHELL__", json.dumps(shell_urls()))
    response = make_response(source)
    response.headers["Content-Type"] = "application/javascript; charset=utf-8"
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response
