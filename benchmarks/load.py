"""Many people at once: N browser sessions clicking through the dashboard for a fixed time.

Starts the app as ``scripts/run-app.sh`` does (``python -m hotspots.ui.serve app.py``,
headless, a free port, the bundled store prebuilt, offline tiles), then opens N Chromium
contexts (separate sessions, default 20) that each repeat a realistic round for
``--seconds``: open the Overview, pick ASB then all categories, go to the Hotspot map,
switch the method to KDE and back, go to the Ward view. Every action is timed until
Streamlit is idle again on that page (see ``browser_session.wait_idle``). Sessions run
in threads, each with its own Playwright instance, and start a little apart.

The server's warm-up at start runs to its end first (until its CPU goes quiet; the
first page after a start is ``dashboard.py``'s measure): this measures steady use.

Printed: per action the count, median and p90 seconds; errors (exception boxes, page
errors, timeouts); the server's resident memory before the sessions, at the end, and
30 s after they closed; the CPU seconds of the server during the sessions and of the
browsers (Playwright and Chromium) over the whole benchmark, to tell whether the client
machine or the server was the bottleneck; the machine's load average. Goals (issue 23, 20 sessions on a quiet 2-core machine): median
action <= 2 s, p90 <= 5 s, no error, memory back within 20% of its start afterwards.
The reference, in the same run, is the same round by one session alone (``--sessions 1``
figures printed first), so a loaded machine can still be compared.

    .venv/bin/python benchmarks/load.py [--sessions 20] [--seconds 120] [--quick]

``--quick`` (CI's smoke run): one round for the reference session, then one round each for
2 sessions at once (rounds, not seconds: every action runs once per session whatever the
load), the memory read at once after they closed (no settling wait), and the server's
warm-up off (it warms pages no round opens; ``dashboard.py --quick`` runs it).
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/hotspots.py would shadow the hotspots package
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)
sys.path.append(str(Path(__file__).resolve().parent))  # last: browser_session, no shadow

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections import defaultdict

from browser_session import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    app_server,
    bundled_store_root,
    cpu_s,
    exception_boxes,
    mark,
    new_page,
    rss_mib,
    wait_cpu_quiet,
    wait_idle,
)

#: --quick: the bound on a round (a round is counted, not timed; this only stops a hung one)
QUICK_LIMIT_S = 300.0


def _nav(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()


def _method(page, label: str) -> None:
    page.locator(".st-key-method [role=radiogroup] label", has_text=label).click()


ROUND = [
    ("category: ASB", lambda p: p.locator(".st-key-cats_asb button").click()),
    ("category: All", lambda p: p.locator(".st-key-cats_all button").click()),
    ("page: Hotspot map", lambda p: _nav(p, "Hotspot map")),
    ("method: KDE", lambda p: _method(p, "Densest areas")),
    ("method: DBSCAN", lambda p: _method(p, "Clusters of busy map points")),
    ("page: Ward view", lambda p: _nav(p, "Ward view")),
]


#: The same round for a websocket session (``ws_session.WsSession``): (name, action).
WS_ROUND = [
    ("category: ASB", lambda s: s.expect(s.click("cats_asb"), query="cats=asb")),
    ("category: All", lambda s: s.expect(s.click("cats_all"), query="cats=all")),
    ("page: Hotspot map", lambda s: s.expect(s.goto("Hotspot map"), text="Hotspot map", maps=1)),
    (
        "method: KDE",
        lambda s: s.expect(s.choose("method", "Densest areas"), query="method=kde", maps=1),
    ),
    (
        "method: DBSCAN",
        lambda s: s.expect(s.choose("method", "Clusters of busy"), query="method=dbscan", maps=1),
    ),
    ("page: Ward view", lambda s: s.expect(s.goto("Ward view"), text="Ward view", maps=1)),
]


class Results:
    """Thread-safe record of action times and errors."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    def add(self, action: str, sec: float) -> None:
        with self.lock:
            self.times[action].append(sec)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


def session(
    n: int,
    base: str,
    until: float,
    res: Results,
    start_delay: float,
    rounds: int | None = None,
) -> None:
    """One person: rounds of clicks until ``until`` (monotonic), at most ``rounds`` of them.

    Times go to ``res``.
    """
    from playwright.sync_api import sync_playwright

    time.sleep(start_delay)
    done = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            while time.monotonic() < until and (rounds is None or done < rounds):
                done += 1
                ctx, page = new_page(browser, 1366, 900)
                name = "open Overview (new session)"
                try:
                    page.goto(base, wait_until="commit")
                    res.add(name, wait_idle(page, (0.0, 0)))
                    for name, action in ROUND:
                        if time.monotonic() >= until:
                            break
                        m = mark(page)
                        action(page)
                        res.add(name, wait_idle(page, m))
                        if exception_boxes(page):
                            res.error(f"session {n}: exception box after {name}")
                    for e in page.errors:  # type: ignore[attr-defined]
                        res.error(f"session {n}: page error {e[:200]}")
                except Exception as exc:  # a timeout or a vanished element is an error
                    res.error(f"session {n}, {name}: {type(exc).__name__}: {str(exc)[:200]}")
                finally:
                    ctx.close()
        finally:
            browser.close()


def ws_session(
    n: int,
    base: str,
    until: float,
    res: Results,
    start_delay: float,
    rounds: int | None = None,
) -> None:
    """One person over a websocket (no browser): the same rounds, timed to the finished run."""
    from ws_session import WsSession

    time.sleep(start_delay)
    done = 0
    while time.monotonic() < until and (rounds is None or done < rounds):
        done += 1
        name = "open Overview (new session)"
        s = None
        try:
            s = WsSession(base)
            res.add(name, s.expect(s.open(), text="Safer BCP"))
            for name, action in WS_ROUND:
                if time.monotonic() >= until:
                    break
                res.add(name, action(s))
            if s.exceptions:
                res.error(f"session {n}: {s.exceptions} exception box(es) in a round")
        except Exception as exc:  # a timeout or a vanished widget is an error
            res.error(f"session {n}, {name}: {type(exc).__name__}: {str(exc)[:200]}")
        finally:
            if s is not None:
                s.close()
            if rounds is None or done < rounds:
                time.sleep(0.2)  # between rounds, as a person would pause


def run_sessions(
    base: str,
    sessions: int,
    seconds: float,
    kind: str = "browser",
    rounds: int | None = None,
) -> Results:
    """``sessions`` people at once for ``seconds`` (each stops earlier after ``rounds`` rounds)."""
    res = Results()
    until = time.monotonic() + seconds
    target = ws_session if kind == "ws" else session
    threads = [
        threading.Thread(target=target, args=(i, base, until, res, i * 0.5, rounds), daemon=True)
        for i in range(sessions)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 600)
    return res


def p90(xs: list[float]) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(0.9 * (len(s) - 1)))]


def table(title: str, res: Results, ref: Results | None) -> list[float]:
    print(f"\n{title}")
    print("| Action | n | Median | p90 | Alone: median (ref) | Ratio |")
    print("|---|---|---|---|---|---|")
    order = ["open Overview (new session)", *(name for name, _ in ROUND)]
    every: list[float] = []
    for name in order:
        xs = res.times.get(name, [])
        if not xs:
            continue
        every += xs
        med = statistics.median(xs)
        r = ref.times.get(name) if ref else None
        rmed = statistics.median(r) if r else None
        ratio = f"{med / rmed:.1f}x" if rmed else ""
        print(
            f"| {name} | {len(xs)} | {med:.2f} s | {p90(xs):.2f} s | "
            f"{'' if rmed is None else f'{rmed:.2f} s'} | {ratio} |",
        )
    return every


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=120.0, help="how long the sessions click")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="one round alone (the reference), then one round each for 2 sessions (CI)",
    )
    ap.add_argument(
        "--kind",
        choices=("browser", "ws"),
        default="browser",
        help="browser: Chromium sessions (default); ws: websocket sessions, no browser "
        "(times end at the server's finished run; see ws_session.py)",
    )
    args = ap.parse_args()
    sessions, seconds = (2, QUICK_LIMIT_S) if args.quick else (args.sessions, args.seconds)
    ref_s, settle_s = (QUICK_LIMIT_S, 0.0) if args.quick else (30.0, 30.0)
    rounds = 1 if args.quick else None  # --quick: every action once per session, by count

    with tempfile.TemporaryDirectory(prefix="hs-load-") as td:
        tmp = Path(td)
        store = bundled_store_root(tmp)
        # steady use: the server's warm-up at start (dashboard.py's measure, which --quick
        # also runs) ends first; --quick, for CI, asserts no error and no figure: the warm-up
        # is off (it would warm pages no round opens) and the reference round fills the caches
        off = {"HOTSPOTS_WARM_UP": "0"} if args.quick else None
        with app_server(ROOT / "app.py", store, tmp / "app.log", off, serve=True) as (
            base,
            proc,
            _,
        ):
            warm_s = None if args.quick else wait_cpu_quiet(proc.pid)
            # one session alone first: the reference, and the caches of the default views
            ref = run_sessions(base, 1, min(seconds, ref_s), args.kind, rounds)
            rss0 = rss_mib(proc.pid)
            cpu0, t0 = cpu_s(proc.pid), time.perf_counter()
            res = run_sessions(base, sessions, seconds, args.kind, rounds)
            wall = time.perf_counter() - t0
            server_cpu = cpu_s(proc.pid) - cpu0
            rss1 = rss_mib(proc.pid)
            if settle_s:
                time.sleep(settle_s)  # sessions closed: Streamlit drops their state
            rss2 = rss_mib(proc.pid)
            server_total = cpu_s(proc.pid)
            log = (tmp / "app.log").read_text(errors="replace")
    # the server and every Playwright driver (with its Chromium) have been waited for
    kids = os.times()
    client_cpu = kids.children_user + kids.children_system - server_total

    load = os.getloadavg()
    warm = "off (--quick)" if warm_s is None else f"{warm_s:.0f} s until its CPU went quiet"
    print(
        f"server warm-up at start: {warm}; machine load average {load[0]:.1f} / {load[1]:.1f}"
        f" / {load[2]:.1f} (1 / 5 / 15 min, {os.cpu_count()} cores)",
    )
    kind = "websocket sessions (no browser)" if args.kind == "ws" else "Chromium sessions"
    print(f"session kind: {kind}")
    table("One session alone (the reference)", ref, None)
    span = f", {rounds} round each" if rounds else f" for {seconds:.0f} s"
    every = table(f"{sessions} sessions at once{span} ({wall:.0f} s wall)", res, ref)
    errors = (
        res.errors + ref.errors + (["server log has a Traceback"] if "Traceback" in log else [])
    )
    if every:
        print(
            f"\nall actions: n {len(every)}, median {statistics.median(every):.2f} s "
            f"(goal <= 2 s), p90 {p90(every):.2f} s (goal <= 5 s)",
        )
    back = (rss2 - rss0) / rss0 * 100
    print(
        f"server memory: {rss0:.0f} MiB before the sessions, {rss1:.0f} MiB at their end, "
        f"{rss2:.0f} MiB {settle_s:.0f} s after they closed ({back:+.0f}% of the start; goal within 20%)",
    )
    print(
        f"CPU: the server {server_cpu:.0f} s in the {wall:.0f} s of the sessions "
        f"({server_cpu / wall:.2f} cores); the browsers (Playwright and Chromium, the whole "
        f"benchmark) {client_cpu:.0f} s",
    )
    print(f"errors: {len(errors)}")
    for e in errors[:20]:
        print(f"  {e}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
