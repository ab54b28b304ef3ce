"""Helpers of the browser benchmarks (``dashboard.py``, ``load.py``): a real server, Chromium, idle.

- :func:`app_server`: ``streamlit run <script>`` headless on a free local port, with its own
  store root; yields the base URL and the process (killed on exit).
- :func:`chromium`: Debian's ``/usr/bin/chromium`` through Playwright (no download).
- :data:`IDLE_TRACKER`: an init script that counts the script runs the server finished
  (its ``script_finished`` messages, read off the page's websocket) and polls Streamlit's
  running state (``[data-testid=stApp]``'s ``data-test-script-state``) every 15 ms, recording
  on the page's own clock (``performance.now()``) every change, when the first heading and
  when a "Preparing" message appeared.
- :func:`wait_idle`: the time from a mark to the moment Streamlit last went idle, once it
  has stayed idle for ``quiet_s`` (a rerun that triggers another rerun counts as one).

Why the websocket and not only the running state: a short rerun on a busy browser can
leave no trace in the DOM. The server's "running", the page's deltas and "finished"
arrive together; React batches the state updates of one burst into one render, so
``data-test-script-state`` goes from ``notRunning`` to ``notRunning`` and a tracker that
waited to see ``running`` waited for ever (issue 23: the "category: ASB" click that got
"no rerun within 180 s", about one run in three under load, was such a cached 0.1 s
rerun: the server ran it and the page showed ASB).
- :func:`rss_mib`, :func:`cpu_s`: a process's resident memory and CPU seconds, from ``/proc``
  (psutil is not needed); :func:`wait_cpu_quiet`: until a server's warm-up has ended.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

IDLE_TRACKER = """
(() => {
  if (window.__hs) return;
  const hs = window.__hs = {state: null, changes: [], runs: 0, lastIdle: null,
                            heading: null, preparing: null, finished: 0, lastFinish: null};
  // ForwardMsg's top-level fields: script_finished is field 6, a varint (an enum:
  // 0 finished, 1 compile error, 2 stopped early for a rerun, 3 fragment run finished)
  function varint(b, i) {
    let v = 0, scale = 1, c;
    do { c = b[i++]; v += (c & 0x7f) * scale; scale *= 128; } while (c & 0x80 && i < b.length);
    return [v, i];
  }
  function finishedStatus(b) {
    let i = 0;
    while (i < b.length) {
      let key, v; [key, i] = varint(b, i);
      const field = Math.floor(key / 8), wire = key % 8;
      if (wire === 0) { [v, i] = varint(b, i); if (field === 6) return v; }
      else if (wire === 2) { [v, i] = varint(b, i); i += v; }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return -1;
    }
    return -1;
  }
  function onFrame(data) {
    if (!(data instanceof ArrayBuffer)) return;
    const st = finishedStatus(new Uint8Array(data));
    if (st === 0 || st === 1 || st === 3) { hs.finished += 1; hs.lastFinish = performance.now(); }
  }
  hs.finishedStatus = (bytes) => finishedStatus(new Uint8Array(bytes));  // for the tests
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (ev) => onFrame(ev.data));
    }
  };
  function poll() {
    const app = document.querySelector('[data-testid="stApp"]');
    const s = app ? app.getAttribute('data-test-script-state') : null;
    const now = performance.now();
    if (s !== hs.state) {
      hs.state = s; hs.changes.push([s, now]);
      if (s === 'running') hs.runs += 1;
      if (s === 'notRunning') hs.lastIdle = now;
    }
    if (hs.heading === null && document.querySelector('[data-testid="stMain"] h1')) {
      hs.heading = now;
    }
    if (hs.preparing === null && document.body &&
        /Preparing/.test(document.body.innerText || '')) {
      hs.preparing = now;
    }
  }
  setInterval(poll, 15);
  // a rerun shorter than the poll's period is still seen: every change of the attribute
  new MutationObserver(poll).observe(document, {subtree: true, attributes: true,
    attributeFilter: ['data-test-script-state'], childList: true});
  poll();
})();
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_server(
    script: Path,
    store: Path | None,
    log: Path,
    env: dict | None = None,
    *,
    serve: bool = False,
):
    """``streamlit run script`` headless on a free port; yields (base URL, Popen, seconds to healthy).

    ``serve``: start it as ``python -m hotspots.ui.serve script`` (what ``scripts/run-app.sh``
    does: the shared caches warm from the server's start) instead of ``streamlit run``.
    """
    port = free_port()
    full_env = {
        **os.environ,
        "HOTSPOTS_TILES": "none",
        "PYTHONUNBUFFERED": "1",
        **({"HOTSPOTS_STORE": str(store)} if store is not None else {}),
        "HOTSPOTS_WARM_UP": "1",  # as a server started by hand (a test process sets 0)
        **(env or {}),
    }
    launcher = ["hotspots.ui.serve"] if serve else ["streamlit", "run"]
    cmd = [
        sys.executable, "-m", *launcher, str(script), "--server.port", str(port),
        "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=fh, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit not healthy after 300 s:\n{log.read_text()}")
            time.sleep(0.05)
        yield base, proc, time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@contextlib.contextmanager
def chromium():
    """A Playwright Chromium browser (Debian's binary)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, width: int = 1366, height: int = 900):
    """A fresh context and page that track Streamlit's running state; off-machine requests aborted."""
    ctx = browser.new_context(viewport={"width": width, "height": height})
    ctx.set_default_timeout(30_000)  # finding a widget; waiting for idle has its own bound
    ctx.route(
        "**/*",
        lambda r: (
            r.continue_()
            if r.request.url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:"))
            else r.abort("blockedbyclient")
        ),
    )
    ctx.add_init_script(IDLE_TRACKER)
    page = ctx.new_page()
    page.set_default_navigation_timeout(180_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # type: ignore[attr-defined]
    return ctx, page


def mark(page) -> tuple[float, int]:
    """(now on the page's clock, script runs finished so far): the start of an action."""
    return page.evaluate("() => [performance.now(), window.__hs.finished]")


def wait_idle(
    page,
    since: tuple[float, int],
    quiet_s: float = 0.6,
    timeout_s: float = 180,
) -> float:
    """Seconds from ``since`` (a :func:`mark`) to the moment Streamlit last went idle.

    Every action measured makes the app run again (on a loaded server that run may start
    seconds after the click), so this waits until the server has finished a run after the
    mark (its ``script_finished`` message reached the page) and the page shows
    ``notRunning``, then for the app to stay idle for ``quiet_s``; a rerun that triggers
    another counts as one. The end is the later of the last ``notRunning`` seen in the DOM
    and the arrival of the last finished run (the page's content came before it): a short
    rerun may never show ``running`` in the DOM at all (see the module's docstring).
    """
    t0, finished0 = since
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state, finished, last_idle, last_finish, now = page.evaluate(
            "() => [window.__hs.state, window.__hs.finished, window.__hs.lastIdle, "
            "window.__hs.lastFinish, performance.now()]",
        )
        if state == "notRunning" and finished > finished0:
            end = max(x for x in (last_idle, last_finish) if x is not None)
            if now - end >= quiet_s * 1000:
                return max(0.0, (end - t0) / 1000)
        time.sleep(0.05)
    raise TimeoutError(
        f"the app did not finish a run and go idle within {timeout_s:.0f} s "
        f"(runs finished before the action: {finished0})",
    )


def page_times(page) -> dict:
    """The tracker's record: first heading and "Preparing" message times (ms, page clock)."""
    return page.evaluate("() => ({heading: window.__hs.heading, preparing: window.__hs.preparing})")


def exception_boxes(page) -> int:
    """How many Streamlit exception boxes the page shows."""
    return page.locator('[data-testid="stException"]').count()


def rss_mib(pid: int) -> float:
    """Resident memory of a process in MiB (``VmRSS`` in ``/proc/<pid>/status``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from ``/proc/<pid>/stat``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_cpu_quiet(pid: int, below: float = 0.03, window_s: float = 2.0, limit_s: float = 600):
    """Wait until a process uses under ``below`` of a core over ``window_s``; the seconds waited.

    A server started by ``hotspots.ui.serve`` warms its caches in the background; a
    benchmark of steady use waits for that to end (the first page after a start is
    ``dashboard.py``'s measure, not this).
    """
    t0 = time.monotonic()
    quiet = 0
    while time.monotonic() - t0 < limit_s and quiet < 2:  # two quiet windows in a row
        c0 = cpu_s(pid)
        time.sleep(window_s)
        quiet = quiet + 1 if (cpu_s(pid) - c0) / window_s < below else 0
    return time.monotonic() - t0


def bundled_store_root(tmp: Path) -> Path:
    """A store root holding (a link to) the bundled store of ``HOTSPOTS_STORE``, built if missing.

    The benchmarks' servers read it and may not change it (a server only builds
    stores that are missing).
    """
    from hotspots.data.store import open_dataset

    shared = open_dataset("bundled").path
    root = tmp / "store"
    root.mkdir(parents=True, exist_ok=True)
    link = root / "bundled"
    if not link.exists():
        link.symlink_to(shared, target_is_directory=True)
    return root
