"""The server's warm-up: the shared caches filled in the background, and "Preparing…" meanwhile.

:func:`start_warm_up` runs :func:`hotspots.ui.warm_pages.warm_up` (the store, its records, the
Overview's and then the other pages' default views) in a daemon thread, once per server
process: at server start when the app is launched by ``python -m hotspots.ui.serve``
(``scripts/run-app.sh``), else when the first session runs ``app.py``. Streamlit's caches
are per process and shared by every session, so nobody computes those values again; a
session that asks for one still being computed waits on the cache's per-key lock.

Once the first page's values are in, the warm-up waits (at most
:data:`FIRST_PAGE_GRACE_S`) until a session has drawn a page (:func:`page_shown`, called
by ``app.py``) before it goes on with the Hotspot map, Seasonal comparison, Ward view and
Patrol planning (:mod:`hotspots.ui.warm_pages`): the first page is not slowed down by
work for pages nobody has opened yet.

After that the warm-up never makes anyone wait: between its steps (each one cached call,
0.05-1 s) it calls :func:`yield_to_sessions`, which waits while any session's script is
running (``app.py`` wraps every run in :func:`session_script`) and
:data:`QUIET_AFTER_S` after the last one ended (the server still sends the page and the
browser draws it). Python runs one thread at a time, so a warm-up step running beside a
session's script halves that script's speed; measured with ``benchmarks/dashboard.py``
(issue 23), the clicks made while the warm-up ran were the ones over a second.

:func:`wait_for_first_page` shows "Preparing the data (first start of the server), about
N s…" while the first page's values are not ready; N is how long they took at the last
start on this machine (kept in ``<store root>/.warm-up.json``), less the time already
spent.

This module imports nothing heavy (no pandas, no store), so ``app.py`` can show the
message at once while the warm-up thread is still importing the analysis modules.
``HOTSPOTS_WARM_UP=0`` turns the warm-up off (the test suite does: AppTest runs ``app.py``
inside the test process).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "first_page_estimate_s",
    "page_shown",
    "session_script",
    "start_warm_up",
    "wait_for_first_page",
    "warm_up_state",
    "yield_to_sessions",
]

WARM_FILE = ".warm-up.json"  # under the store root: how long the first page's values took
FIRST_PAGE_GUESS_S = 8.0  # the estimate before any warm-up was measured on this machine
# once the first page's values are ready, the warm-up waits up to this long for a session
# to draw a page before it warms the other pages (nobody may be there yet)
FIRST_PAGE_GRACE_S = 5.0
# between two steps the warm-up waits while a session's script runs and this long after
# the last one ended (the page is still being sent and drawn)
QUIET_AFTER_S = 0.3
# ... but at most this long per step: a server busy without a pause still gets warmed
YIELD_MAX_S = 5.0


class _Warm:
    """The process's warm-up: started once; ``first_page`` is set when the Overview's data is ready."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.first_page = threading.Event()
        self.page_shown = threading.Event()  # a session has drawn a page (app.py)
        self.done = threading.Event()
        self.started_at = 0.0
        self.error: str | None = None
        self.steps: list[tuple[str, float]] = []  # (step, seconds) in the order run
        self.sessions = threading.Condition()  # guards the three below
        self.running = 0  # session scripts running now (session_script)
        self.last_script_end = 0.0  # time.monotonic() when the last one ended
        self.yielded_s = 0.0  # seconds the warm-up waited for sessions


_WARM = _Warm()


def warm_up_state() -> _Warm:
    """Return this process's warm-up (thread, events, steps, error): for tests and diagnostics."""
    return _WARM


def _store_root() -> Path:
    # as hotspots.data.store_layout.store_root, without importing the store (pandas, pyarrow)
    env = os.environ.get("HOTSPOTS_STORE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("hotspots"))


def _record_first_page(seconds: float) -> None:
    """Keep how long the first page's values took, for the next start's "about N s"."""
    try:
        root = _store_root()
        root.mkdir(parents=True, exist_ok=True)
        (root / WARM_FILE).write_text(
            json.dumps({"first_page_s": round(seconds, 2)}),
            encoding="utf-8",
        )
    except OSError:
        pass  # a read-only store root: the estimate stays the default


def first_page_estimate_s() -> float:
    """Seconds the first page's values took at the last start on this machine (a guess before)."""
    try:
        data = json.loads((_store_root() / WARM_FILE).read_text(encoding="utf-8"))
        return float(data["first_page_s"])
    except (OSError, ValueError, KeyError, TypeError):
        return FIRST_PAGE_GUESS_S


def _run(dataset: str) -> None:
    def first_page(seconds: float) -> None:
        # from the thread's start: the imports count too
        _record_first_page(time.monotonic() - _WARM.started_at)
        _WARM.first_page.set()
        # Let the first page draw before warming the other pages: both need the
        # interpreter (one thread at a time), so warming on would slow that page down.
        _WARM.page_shown.wait(FIRST_PAGE_GRACE_S)

    try:
        from hotspots.ui.warm_pages import warm_pages, warm_up

        _WARM.steps = warm_up(dataset, on_first_page=first_page, pause=yield_to_sessions)
        # Seasonal, Ward, Patrol
        _WARM.steps = [*(_WARM.steps or ()), *warm_pages(dataset, pause=yield_to_sessions)]
    except Exception as exc:  # a page will meet the same error and show it to the person
        _WARM.error = f"{type(exc).__name__}: {exc}"
    finally:
        _WARM.first_page.set()
        _WARM.done.set()
    # one line in the server's log: what the warm-up did and how long each step took
    done = ", ".join(f"{name} {sec:.2f} s" for name, sec in _WARM.steps or ())
    total = time.monotonic() - _WARM.started_at
    sys.stderr.write(
        f"hotspots warm-up: {done or 'nothing'}; {total:.2f} s in all, "
        f"{_WARM.yielded_s:.2f} s of it waiting for sessions' scripts"
        + (f"; failed: {_WARM.error}" if _WARM.error else "")
        + "\n",
    )
    sys.stderr.flush()


def start_warm_up(dataset: str = "bundled") -> bool:
    """Start the warm-up in a daemon thread, once per process; True if this call started it."""
    if os.environ.get("HOTSPOTS_WARM_UP", "1").strip() == "0":
        return False
    with _WARM.lock:
        if _WARM.thread is not None:
            return False
        _WARM.started_at = time.monotonic()
        _WARM.thread = threading.Thread(
            target=_run,
            args=(dataset,),
            name="hotspots-warm-up",
            daemon=True,
        )
        _WARM.thread.start()
        return True


def page_shown() -> None:
    """Tell the warm-up a session has drawn a page: it may go on warming the other pages.

    ``app.py`` calls it after every page run; only the first call matters.
    """
    _WARM.page_shown.set()


def wait_for_first_page(timeout_s: float = 300.0) -> None:
    """While the warm-up prepares the first page's values, say so and wait for them.

    Shows "Preparing the data (first start of the server), about N s…" only when there is
    something to wait for; returns at once when they are ready or no warm-up runs here.
    """
    if _WARM.thread is None or _WARM.first_page.is_set():
        return
    left = max(1, round(first_page_estimate_s() - (time.monotonic() - _WARM.started_at)))
    with st.spinner(f"Preparing the data (first start of the server), about {left} s…"):
        _WARM.first_page.wait(timeout_s)


@contextmanager
def session_script() -> Iterator[None]:
    """Mark a session's script run (``app.py`` wraps each one): the warm-up gives way to it.

    :func:`yield_to_sessions` waits while any such run is under way. A run stopped by a
    rerun or an exception is marked as ended all the same.
    """
    with _WARM.sessions:
        _WARM.running += 1
    try:
        yield
    finally:
        with _WARM.sessions:
            _WARM.running -= 1
            _WARM.last_script_end = time.monotonic()
            _WARM.sessions.notify_all()


def yield_to_sessions(max_wait_s: float | None = None) -> float:
    """Between two warm-up steps: wait while a session's script runs; the seconds waited.

    Returns once no script has run for :data:`QUIET_AFTER_S`, or after ``max_wait_s``
    (:data:`YIELD_MAX_S` by default) whatever the sessions do. Called only between
    cached calls, never inside one, so a script that waits for a value the warm-up is
    computing gets it as soon as that one call ends.
    """
    limit = YIELD_MAX_S if max_wait_s is None else max_wait_s
    t0 = time.monotonic()
    deadline = t0 + limit
    with _WARM.sessions:
        while (now := time.monotonic()) < deadline:
            if _WARM.running > 0:
                _WARM.sessions.wait(deadline - now)
                continue
            quiet_at = _WARM.last_script_end + QUIET_AFTER_S
            if now >= quiet_at:
                break
            _WARM.sessions.wait(min(quiet_at, deadline) - now)
        waited = time.monotonic() - t0
        _WARM.yielded_s += waited
    return waited
