"""What keeps Today and the visit form light and usable with no network: the service worker at
/sw.js (its cache name follows the shell's content), long-lived versioned static files, and gzip
for text responses — a village with one bar of signal pays for every byte."""
from __future__ import annotations

import gzip
import hashlib
import json
import os
from functools import lru_cache

from flask import Blueprint, current_app, make_response, request, url_for

bp = Blueprint("offline", __name__)

# In load order: storage, sending, the credit-code check, the kept copy of the day, the pages.
SCRIPTS = ("js/store.js", "js/sender.js", "js/credit_code.js", "js/fieldbook.js", "js/visits.js")
SHELL_FILES = ("css/app.css", *SCRIPTS, "icon.svg")
COMPRESSIBLE = ("text/html", "text/css", "application/javascript", "text/javascript", "application/json",
                "image/svg+xml")
MIN_COMPRESS_BYTES = 600
YEAR = 365 * 24 * 3600


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


@bp.after_app_request
def _cache_and_compress(response):
    if request.path.startswith("/static/") and request.args.get("v") and response.status_code in (200, 304):
        # A versioned URL never changes content: the phone keeps it for a year.
        response.cache_control.max_age = YEAR
        response.cache_control.public = True
        response.cache_control.immutable = True
    return _gzip(response)


def _gzip(response):
    if (response.status_code != 200 or "gzip" not in request.accept_encodings
            or response.headers.get("Content-Encoding") or response.mimetype not in COMPRESSIBLE
            or response.is_streamed and not response.direct_passthrough):
        return response
    response.direct_passthrough = False  # static files: read the file so it can be compressed
    data = response.get_data()
    if len(data) < MIN_COMPRESS_BYTES:
        return response
    response.set_data(gzip.compress(data, compresslevel=6))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
