"""What a user's registry imports wait for: a dry run still being worked on, or a checked file not yet imported."""
from __future__ import annotations

import os

from flask import current_app

from crm.jobs import queue
from crm.jobs import state as job_state

WAITING_LIMIT = 10


def waiting_imports(user_id: int) -> list[dict]:
    """The user's imports that wait for something, newest first: each job's state (id, filename, status,
    kind, queued at)."""
    root = os.path.join(current_app.config["UPLOAD_FOLDER"], "imports", str(user_id))
    try:
        names = os.listdir(root)
    except FileNotFoundError:
        return []
    found = []
    for name in names:
        state = job_state.load(os.path.join(root, name))
        if state is None:
            continue
        state = queue.public_state(state)
        active = state["status"] in job_state.ACTIVE
        checked = state["kind"] == "import_plan" and state["status"] == "done"
        if active or checked:
            found.append(state)
    found.sort(key=lambda s: s.get("queued") or 0, reverse=True)
    return found[:WAITING_LIMIT]
