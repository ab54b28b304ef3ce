"""The audit trail: who signed in, imported, read, exported, deleted or was refused.

One JSON object a line, hash-chained so that a line edited, deleted or inserted is found::

    {"seq": 7, "time": "2026-11-29T03:41:07+00:00", "user": "ana@bcp.gov.uk",
     "role": "analyst", "team": "community-safety", "action": "import",
     "dataset": "force-2025", "files": ["export.csv"], "rows_read": 1200,
     "prev": "<SHA-256 of line 6, as written>", "sha256": "<SHA-256 of this line without it>"}

``prev`` is the SHA-256 (hex) of the previous line's whole text (the first line's is 64
zeros); ``sha256`` is the SHA-256 of this line's text with the ``, "sha256": …`` member
left out (so a line edited in place fails its own check); ``seq`` counts lines from 1
across rotations. The newest line's hash and ``seq`` (the *head*) are kept beside the log
in ``audit.jsonl.head``, so deleting the last lines is found too. :func:`verify` (``hotspots
audit verify``) reads every file and reports the first line that breaks the chain, and
every line that is not JSON (never skipped).

Actions: ``sign-in``, ``sign-out``, ``import``, ``read``, ``export``, ``delete``,
``access-denied``, ``restore``. The file is ``HOTSPOTS_AUDIT_LOG``, else ``<store
root>/audit.jsonl``, mode 0600. It rotates at ``HOTSPOTS_AUDIT_MAX_MB`` (default 10) MB
keeping :data:`BACKUPS` old files (``audit.jsonl.1`` newest … ``.5``); the chain runs on
across files (the first line of a new file carries the hash of the last line of the one
before). Writers take an ``fcntl`` lock on ``audit.jsonl.lock``, so the app's threads and
CLI processes append one at a time.

References: Schneier and Kelsey (1999), "Secure audit logs to support computer
forensics", ACM TISSEC 2(2) (hash-chained logs); Crosby and Wallach (2009), "Efficient
data structures for tamper-evident logging", USENIX Security.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from hotspots.data.access import Principal


__all__ = [
    "ACTIONS",
    "BACKUPS",
    "audit_path",
    "current_head",
    "head_path",
    "read_events",
    "record",
    "record_once",
    "store_anchors",
    "verify",
]

ACTIONS = (
    "sign-in",
    "sign-out",
    "import",
    "read",
    "export",
    "delete",
    "access-denied",
    "restore",
    "fetch",
    "update",
)
BACKUPS = 5
GENESIS = "0" * 64
_SUFFIX_LEN = len(', "sha256": "') + 64 + len('"}')
_LOCK = threading.Lock()
_ONCE: dict[tuple, str] = {}


def audit_path() -> Path:
    """Where the audit log is written (``HOTSPOTS_AUDIT_LOG`` or ``<store root>/audit.jsonl``)."""
    env = os.environ.get("HOTSPOTS_AUDIT_LOG")
    if env:
        return Path(env).expanduser()
    from hotspots.data.store_layout import store_root

    return store_root() / "audit.jsonl"


def head_path(path: Path) -> Path:
    """Return the head file kept beside a log: the newest line's ``seq`` and SHA-256."""
    return path.with_name(path.name + ".head")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _files(path: Path) -> list[Path]:
    """Return the log's files, oldest first."""
    return [path.with_name(f"{path.name}.{i}") for i in range(BACKUPS, 0, -1)] + [path]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def _first_seq(path: Path) -> int:
    """``seq`` of the oldest line kept (1 until rotation drops the oldest file)."""
    for f in _files(path):
        if f.exists():
            with (
                f.open(encoding="utf-8", errors="replace") as fh,
                contextlib.suppress(ValueError, KeyError, TypeError),
            ):
                return int(json.loads(fh.readline())["seq"])
    return 1


def _read_head(path: Path) -> tuple[int, str]:
    """(seq, sha256) of the newest line: from the head file, else from the log's last line."""
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        h = json.loads(head_path(path).read_text(encoding="utf-8"))
        return int(h["seq"]), str(h["sha256"])
    for f in reversed(_files(path)):
        lines = f.read_text(encoding="utf-8", errors="replace").splitlines() if f.exists() else []
        if lines:
            last = lines[-1]
            try:
                seq = int(json.loads(last)["seq"])
            except (ValueError, KeyError, TypeError):
                seq = sum(
                    len(g.read_text(encoding="utf-8", errors="replace").splitlines())
                    for g in _files(path)
                    if g.exists()
                )
            return seq, _sha(last)
    return 0, GENESIS


def _head_first_seq(path: Path) -> int:
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        return int(json.loads(head_path(path).read_text(encoding="utf-8"))["first_seq"])
    return _first_seq(path)


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _rotate(path: Path) -> None:
    path.with_name(f"{path.name}.{BACKUPS}").unlink(missing_ok=True)
    for i in range(BACKUPS - 1, 0, -1):
        src = path.with_name(f"{path.name}.{i}")
        if src.exists():
            os.replace(src, path.with_name(f"{path.name}.{i + 1}"))
    os.replace(path, path.with_name(f"{path.name}.1"))


def _line(event: dict) -> str:
    body = json.dumps(event, default=str, ensure_ascii=False)
    return body[:-1] + f', "sha256": "{_sha(body)}"}}'


def record(action: str, principal: Principal | None = None, **details) -> dict:
    """Append one event; ``principal`` None is the local single user. Returns the event.

    ``details`` must be JSON-serialisable (names, counts); never records themselves.
    """
    if action not in ACTIONS:
        msg = f"unknown audit action {action!r}; one of {ACTIONS}"
        raise ValueError(msg)
    event = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "user": principal.user if principal is not None else "local",
        "role": principal.role if principal is not None else "local",
        "team": principal.team if principal is not None else "",
        "action": action,
        **{k: v for k, v in details.items() if k not in ("seq", "prev", "sha256")},
    }
    path = audit_path()
    max_bytes = int(float(os.environ.get("HOTSPOTS_AUDIT_MAX_MB", "10")) * 1024**2)
    with _locked(path):
        seq, prev = _read_head(path)
        event = {"seq": seq + 1, **event, "prev": prev}
        line = _line(event)
        first_seq = _head_first_seq(path)
        if path.exists() and path.stat().st_size + len(line) + 1 > max_bytes > 0:
            _rotate(path)
            first_seq = _first_seq(path)  # the oldest file may have gone
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.fchmod(fd, 0o600)  # also a log created before logs were private
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)
        head = {"seq": seq + 1, "sha256": _sha(line), "first_seq": first_seq}
        _write_private(head_path(path), json.dumps(head))
    return event


def current_head(path: str | Path | None = None) -> dict | None:
    """Return the log's head now (``{"seq", "sha256"}``), or None when there is no log yet.

    A store copies it into its manifest at each import (``audit_head``), so a log cut
    short and given a new head file still disagrees with the stores' manifests.
    """
    p = Path(path) if path else audit_path()
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        h = json.loads(head_path(p).read_text(encoding="utf-8"))
        # ``log``: which log this head belongs to, so a store written under another log
        # (another deployment, a test) is never taken as evidence against this one
        return {"seq": int(h["seq"]), "sha256": str(h["sha256"]), "log": str(p.resolve())}
    return None


def record_once(
    key: tuple,
    action: str,
    principal: Principal | None = None,
    **details,
) -> dict | None:
    """:func:`record`, but only the first time ``key`` is seen by this process.

    For example one sign-in per login session, not one per page load. Returns the event, or
    None.
    """
    with _LOCK:
        if key in _ONCE:
            return None
        if len(_ONCE) > 10_000:
            _ONCE.clear()
        _ONCE[key] = action
    return record(action, principal, **details)


def read_events(limit: int | None = 1000, path: str | Path | None = None) -> list[dict]:
    """Return the newest ``limit`` events, oldest first, across the current and rotated files.

    A line that is not JSON (a file cut short by a crash, or altered) is not skipped: it is
    returned as ``{"action": "unparsable", "file": …, "line": …, "text": …}``.
    """
    p = Path(path) if path else audit_path()
    events: list[dict] = []
    for f in _files(p):
        if not f.exists():
            continue
        for i, line in enumerate(f.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            try:
                ev = json.loads(line)
                if not isinstance(ev, dict):
                    raise ValueError
                events.append(ev)
            except ValueError:
                events.append(
                    {"action": "unparsable", "file": f.name, "line": i, "text": line[:200]},
                )
    return events[-limit:] if limit else events


def _check_line(line: str, seq: int | None, prev: str | None) -> str:
    """Why ``line`` breaks the chain ("" when it does not).

    ``seq``/``prev``: what the line before says this one must carry (None: not known, e.g.
    the oldest kept line).
    """
    try:
        ev = json.loads(line)
    except ValueError:
        return "not JSON (unparsable line)"
    if not isinstance(ev, dict) or not {"seq", "prev", "sha256"} <= set(ev):
        return "not an audit line (no seq, prev or sha256)"
    tail = f', "sha256": "{ev["sha256"]}"}}'
    if len(line) < _SUFFIX_LEN or not line.endswith(tail):
        return "its sha256 is not where it is written"
    if _sha(line[: -len(tail)] + "}") != ev["sha256"]:
        return "its content does not match its own sha256 (edited)"
    if prev is not None and ev["prev"] != prev:
        return "its prev is not the SHA-256 of the line before (a line deleted, inserted or edited)"
    if seq is not None and ev["seq"] != seq:
        return f"its seq is {ev['seq']}, expected {seq} (a line deleted or inserted)"
    return ""


def verify(path: str | Path | None = None, anchors: dict[str, dict] | None = None) -> dict:
    """Check the whole chain across the current and rotated files, and the head.

    ``anchors`` (``{where: {"seq", "sha256"}}``, e.g. the ``audit_head`` each store's
    manifest keeps) are heads seen earlier: each must still be a line of the chain.

    Returns ``{"ok", "lines", "first_break": None or {"file", "line", "seq", "problem"},
    "unparsable": [{"file", "line"}...], "starts_at_seq", "head"}``; ``line`` is the
    1-based line number in ``file``. The oldest kept line cannot be checked against lines
    rotated away, unless it is line 1 (its prev must then be 64 zeros).
    """
    p = Path(path) if path else audit_path()
    first: dict | None = None
    unparsable: list[dict] = []
    n = 0
    seq: int | None = None
    prev: str | None = None
    starts_at: int | None = None
    head = None
    with contextlib.suppress(OSError, ValueError):
        head = json.loads(head_path(p).read_text(encoding="utf-8"))
    first_seq = int(head.get("first_seq", 1)) if isinstance(head, dict) else 1
    seen: dict[int, str] = {}  # seq -> the line's SHA-256
    for f in _files(p):
        if not f.exists():
            continue
        for i, line in enumerate(f.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            n += 1
            if n == 1:
                # the oldest line kept must be the one the head says (1 until rotation drops
                # the oldest file); line 1's prev is 64 zeros
                seq = first_seq
                prev = GENESIS if first_seq == 1 else None
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    starts_at = int(json.loads(line)["seq"])
            problem = _check_line(line, seq, prev)
            if problem.startswith("not JSON"):
                unparsable.append({"file": f.name, "line": i})
            if problem and first is None:
                first = {"file": f.name, "line": i, "seq": seq, "problem": problem}
            prev = _sha(line)
            with contextlib.suppress(ValueError, KeyError, TypeError):
                seen[int(json.loads(line)["seq"])] = prev
            try:
                seq = int(json.loads(line)["seq"]) + 1
            except (ValueError, KeyError, TypeError):
                seq = seq + 1 if seq is not None else None
    if head is not None and first is None and (head.get("sha256") != prev):
        last = p.name
        lines_now = len(p.read_text(encoding="utf-8").splitlines()) if p.exists() else 0
        first = {
            "file": last,
            "line": lines_now + 1,
            "seq": seq,
            "problem": f"the log ends before its head (line seq {head.get('seq')} "
            "is missing: lines deleted from the end)",
        }
    for where, anchor in (anchors or {}).items():
        a_seq, a_sha = int(anchor.get("seq", 0)), anchor.get("sha256")
        if first is not None or a_seq < (starts_at or 1):
            continue  # already broken, or rotated away
        if seen.get(a_seq) != a_sha:
            first = {
                "file": p.name,
                "line": None,
                "seq": a_seq,
                "problem": f"line seq {a_seq} recorded in {where} is "
                + ("missing" if a_seq not in seen else "not the line recorded there"),
            }
    if head is None and n and first is None:
        first = {
            "file": head_path(p).name,
            "line": 0,
            "seq": None,
            "problem": "the head file beside the log is missing",
        }
    return {
        "ok": first is None,
        "lines": n,
        "first_break": first,
        "unparsable": unparsable,
        "starts_at_seq": starts_at,
        "head": head,
    }


def store_anchors(root: str | Path | None = None, log: str | Path | None = None) -> dict[str, dict]:
    """``{manifest path: audit_head}`` of every store under the store root that keeps one.

    Only heads written under ``log`` (default: this process's audit log) count; heads of
    other logs are left out.
    """
    want = str(Path(log or audit_path()).resolve())
    if root is None:
        from hotspots.data.store_layout import store_root

        root = store_root()
    out: dict[str, dict] = {}
    for man in sorted(Path(root).glob("*/manifest.json")):
        with contextlib.suppress(OSError, ValueError):
            head = json.loads(man.read_text(encoding="utf-8")).get("audit_head")
            if isinstance(head, dict) and head.get("log") == want:
                out[str(man)] = head
    return out
