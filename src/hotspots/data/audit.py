"""The audit trail: who signed in, imported, exported, deleted or was refused, as JSON lines.

One JSON object a line::

    {"time": "2026-11-29T03:41:07+00:00", "user": "ana@bcp.gov.uk", "role": "analyst",
     "team": "community-safety", "action": "import", "dataset": "force-2025",
     "files": ["export.csv"], "rows_read": 1200, "rows_accepted": 1187}

Actions: ``sign-in``, ``sign-out``, ``import``, ``export``, ``delete``, ``access-denied``.
The file is ``HOTSPOTS_AUDIT_LOG``, else ``<store root>/audit.jsonl``; it rotates at
``HOTSPOTS_AUDIT_MAX_MB`` (default 10) MB keeping 5 old files (``audit.jsonl.1`` …),
with :class:`logging.handlers.RotatingFileHandler`, which is safe between the threads of
one server process (one app process writes it; run one container per store).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["ACTIONS", "audit_path", "record", "read_events"]

ACTIONS = (
    "sign-in",
    "sign-out",
    "import",
    "export",
    "delete",
    "access-denied",
    "fetch",
    "update",
)
BACKUPS = 5
_LOCK = threading.Lock()
_LOGGERS: dict[str, logging.Logger] = {}


def audit_path() -> Path:
    """Where the audit log is written (``HOTSPOTS_AUDIT_LOG`` or ``<store root>/audit.jsonl``)."""
    env = os.environ.get("HOTSPOTS_AUDIT_LOG")
    if env:
        return Path(env).expanduser()
    from hotspots.data.store import store_root

    return store_root() / "audit.jsonl"


def _logger(path: Path) -> logging.Logger:
    key = str(path.resolve())
    with _LOCK:
        log = _LOGGERS.get(key)
        if log is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            max_bytes = int(float(os.environ.get("HOTSPOTS_AUDIT_MAX_MB", "10")) * 1024**2)
            handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=max_bytes, backupCount=BACKUPS, encoding="utf-8"
            )
            handler.setFormatter(logging.Formatter("%(message)s"))
            log = logging.getLogger(f"hotspots.audit.{len(_LOGGERS)}")
            log.propagate = False
            log.setLevel(logging.INFO)
            log.addHandler(handler)
            _LOGGERS[key] = log
    return log


def record(action: str, principal=None, **details) -> dict:
    """Append one event; ``principal`` None is the local single user. Returns the event.

    ``details`` must be JSON-serialisable (names, counts); never records themselves.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; one of {ACTIONS}")
    event = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "user": principal.user if principal is not None else "local",
        "role": principal.role if principal is not None else "local",
        "team": principal.team if principal is not None else "",
        "action": action,
        **details,
    }
    _logger(audit_path()).info(json.dumps(event, default=str, ensure_ascii=False))
    return event


def read_events(limit: int | None = 1000, path: str | Path | None = None) -> list[dict]:
    """The newest ``limit`` events, oldest first, across the current and rotated files.

    A line that is not JSON (a file cut short by a crash) is skipped.
    """
    p = Path(path) if path else audit_path()
    files = [p.with_name(f"{p.name}.{i}") for i in range(BACKUPS, 0, -1)] + [p]
    events: list[dict] = []
    for f in files:
        if not f.exists():
            continue
        for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
    return events[-limit:] if limit else events
