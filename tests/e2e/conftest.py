"""End-to-end fixtures: one ``streamlit run`` for the session, Chromium driven by Playwright.

- ``app_server``: ``streamlit run app.py`` on a free local port, started once per session
  with its own store root (``HOTSPOTS_STORE``): the session's ``bundled`` store linked in
  (no second build) and an ``uploaded`` dataset holding the XSS file of
  ``make_xss_data.py``. ``HOTSPOTS_TILES=none``: the offline setting, so the app must
  need nothing from outside this machine.
- ``browser``: Debian's ``/usr/bin/chromium`` (``playwright install`` is not needed).
- ``page``: a fresh browser context per test. Every request that is not to
  127.0.0.1/localhost is aborted and recorded, as are failed requests, HTTP errors,
  console errors, page errors and dialogs (``page_log``).
- On failure a screenshot of the page (and the log) is saved to ``test-artifacts/``.

Tests here are marked ``browser`` (``pytestmark``); deselect them with ``-m "not browser"``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
SERVER_START_TIMEOUT = 180  # s: cold imports on a busy 2-core machine take ~30 s


# --- the app server -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def e2e_store(tmp_path_factory) -> Path:
    """Store root of the e2e server: the shared bundled store plus the XSS ``uploaded`` dataset."""
    from make_xss_data import build_xss_store

    from hotspots.data.store import open_dataset

    shared = open_dataset("bundled").path  # built on first use in the session's HOTSPOTS_STORE
    root = tmp_path_factory.mktemp("e2e-store")
    (root / "bundled").symlink_to(shared, target_is_directory=True)
    # the simulated dataset too (built on first use), for the Seasonal page's dataset switch
    (root / "simulated").symlink_to(open_dataset("simulated").path, target_is_directory=True)
    build_xss_store(root, "uploaded")
    return root


@contextlib.contextmanager
def streamlit_server(
    store: Path,
    log_path: Path,
    args=(),
    env=None,
    before_start=None,
    launcher=("streamlit", "run"),
):
    """``streamlit run app.py`` on a free port with store root ``store``; yields its base URL.

    ``launcher``: the module run with ``-m`` and its first arguments (``("hotspots.ui.serve",)``:
    the app as ``scripts/run-app.sh`` starts it, warming its caches from the start).
    ``args``: more ``streamlit run`` options (``--secrets.files``); ``env``: more variables;
    ``before_start(base_url)`` runs before the server starts (to write files naming its URL).
    The server is killed on exit; a log with a traceback is kept in ``test-artifacts/``.
    """
    port = _free_port()
    env = {
        **os.environ,
        "HOTSPOTS_STORE": str(store),
        "HOTSPOTS_TILES": "none",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    cmd = [
        sys.executable, "-m", *launcher, str(ROOT / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        "--server.runOnSave", "false", *args,
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    if before_start is not None:
        before_start(base)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with {proc.returncode}:\n{log_path.read_text()}",
                )
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200 and r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"streamlit not healthy after {SERVER_START_TIMEOUT} s:\n{log_path.read_text()}",
                )
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log_text = log_path.read_text(errors="replace") if log_path.exists() else ""
        if "Traceback" in log_text:
            ARTIFACTS.mkdir(exist_ok=True)
            (ARTIFACTS / f"{log_path.parent.name}-streamlit-server.log").write_text(log_text)


@pytest.fixture(scope="session")
def start_streamlit():
    """:func:`streamlit_server`, for test modules that need a server of their own."""
    return streamlit_server


@pytest.fixture(scope="session")
def app_server(e2e_store, tmp_path_factory):
    """Base URL of ``streamlit run app.py`` on a free port (killed at the end of the session)."""
    log_path = tmp_path_factory.mktemp("e2e-server") / "streamlit.log"
    with streamlit_server(e2e_store, log_path) as base:
        yield base


# --- the browser --------------------------------------------------------------------------------


@dataclass
class PageLog:
    """What a page did on the network and the console."""

    blocked: list[str] = field(default_factory=list)  # off-machine requests (aborted)
    failed: list[str] = field(default_factory=list)  # requests that failed, other than blocked ones
    http_errors: list[str] = field(default_factory=list)  # responses with status >= 400
    requests: list[str] = field(default_factory=list)  # every URL requested
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    served: set[str] = field(default_factory=set)  # URLs answered with a status < 400

    def real_failures(self) -> list[str]:
        """Failed requests, less those the browser itself cancelled (``net::ERR_ABORTED``)
        when a rerun or a page change moved on: of a URL that was served successfully at
        another time (a rerun can replace the map's iframe while its images load), of
        Streamlit's own lazily loaded front-end chunks (``/static/js/``, ``/static/css/``;
        a navigation right after an upload cancels the progress bar's chunk), or of the
        app's own static files (``/app/static/``: a page change cancels a sprite the draw
        control's CSS was still fetching). A missing
        asset still shows, as an HTTP error, which ``assert_clean`` checks separately.
        """

        def cancelled(f: str) -> bool:
            url = f.rsplit(" ", 1)[0]
            path = urlparse(url).path
            own_chunk = _is_local(url) and path.startswith(
                ("/static/js/", "/static/css/", "/app/static/"),
            )
            return f.endswith("net::ERR_ABORTED") and (url in self.served or own_chunk)

        return [f for f in self.failed if not cancelled(f)]

    def vendor_requests(self) -> list[str]:
        return [u for u in self.requests if "/app/static/vendor/" in u]


def _is_local(url: str) -> bool:
    p = urlparse(url)
    if p.scheme in ("data", "blob", "about", "chrome-extension"):
        return True
    return (p.hostname or "") in LOCAL_HOSTS


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(browser, app_server, page_log):
    """A fresh page on the app: offline (non-local requests aborted), with everything logged."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1500, "height": 1100})
    context.set_default_timeout(60_000)

    def route(r):
        if _is_local(r.request.url):
            r.continue_()
        else:
            page_log.blocked.append(r.request.url)
            r.abort("blockedbyclient")

    context.route("**/*", route)
    pg = context.new_page()
    pg.on("request", lambda req: page_log.requests.append(req.url))
    pg.on(
        "requestfailed",
        lambda req: (
            None if not _is_local(req.url) else page_log.failed.append(f"{req.url} {req.failure}")
        ),
    )
    pg.on(
        "response",
        lambda res: (
            page_log.http_errors.append(f"{res.status} {res.url}")
            if res.status >= 400
            else page_log.served.add(res.url)
        ),
    )
    pg.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and page_log.console_errors.append(
                f"{msg.text} [{(msg.location or {}).get('url', '')}]",
            )
        ),
    )
    pg.on("pageerror", lambda exc: page_log.page_errors.append(str(exc)))

    def on_dialog(d):
        page_log.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    pg.on("dialog", on_dialog)
    pg.app_url = app_server  # type: ignore[attr-defined]
    yield pg
    context.close()


# --- screenshots of failures --------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when != "call" or not rep.failed:
        return
    pg = item.funcargs.get("page")
    if pg is None:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)[-150:]
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
    except Exception as exc:  # a crashed page: keep the log at least
        rep.sections.append(("screenshot", f"could not take a screenshot: {exc}"))
    log = item.funcargs.get("page_log")
    if log is not None:
        (ARTIFACTS / f"{stem}.log.json").write_text(
            json.dumps(log.__dict__, indent=1, default=sorted),
        )
    rep.sections.append(("artifacts", f"screenshot and log saved under {ARTIFACTS}/{stem}.*"))
