"""A job's state file: written by the process running the job, read by the page and the API.

The runner rewrites the whole file (write then rename, so a reader never sees half of it) when
progress moves and every HEARTBEAT seconds besides. A job whose runner stopped beating (the worker
was killed or the machine restarted) is reported as failed: its work is one transaction, so
nothing of it was saved.
"""
from __future__ import annotations

import json
import os
import threading
import time
from datetime import date
from decimal import Decimal

STATE_FILE = "job.json"
HEARTBEAT = 2.0  # seconds between heartbeats of a running job
ACTIVE = ("queued", "running")


def _plain(value):
    """JSON for the values a report holds: dates as ISO text, amounts as text."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def save_json(path: str, data) -> None:
    """Write then rename: a reader sees the old file or the new one, never half of one."""
    partial = f"{path}.{os.getpid()}.{threading.get_ident()}"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, default=_plain)
    os.replace(partial, path)


def save(folder: str, state: dict) -> None:
    save_json(os.path.join(folder, STATE_FILE), state)


def load(folder: str) -> dict | None:
    try:
        with open(os.path.join(folder, STATE_FILE), encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None


def no_progress(**_counts) -> None:
    """Progress nobody follows: the default of work that reports to a Tracker when it runs as a job."""


def is_stale(state: dict, stale_after: float, now: float | None = None) -> bool:
    """A running job whose runner has not written for stale_after seconds has stopped."""
    now = time.time() if now is None else now
    return state["status"] == "running" and now - state.get("heartbeat", 0) > stale_after


class Tracker:
    """The runner's side: progress counters, a heartbeat thread, and the final status."""

    def __init__(self, folder: str, state: dict, every: float = 0.5):
        self.folder, self.state, self.every = folder, state, every
        self._lock = threading.Lock()
        self._written = 0.0
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._beating, daemon=True)

    def start(self) -> None:
        now = time.time()
        self.state.update(status="running", started=now, phase_started=now, error=None, result=None,
                          progress={"read": 0, "checked": 0, "written": 0, "total": 0, "phase": "read"})
        self._flush()
        self._beat.start()

    def __call__(self, **counts) -> None:
        """Record progress (read, checked, written, total, phase); written out at most every `every` s."""
        new_phase = counts.get("phase", self.state["progress"]["phase"]) != self.state["progress"]["phase"]
        if new_phase:
            self.state["phase_started"] = time.time()
        self.state["progress"].update(counts)
        if new_phase or time.time() - self._written >= self.every:
            self._flush()

    def finish(self, status: str, result=None, error: str | None = None) -> None:
        self._stop.set()
        if self._beat.is_alive():
            self._beat.join()
        self.state.update(status=status, result=result, error=error, finished=time.time())
        self._flush()

    def _beating(self) -> None:
        while not self._stop.wait(HEARTBEAT):
            self._flush()

    def _flush(self) -> None:
        with self._lock:
            self._written = self.state["heartbeat"] = time.time()
            save(self.folder, self.state)
