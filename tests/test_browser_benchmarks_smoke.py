"""The browser benchmarks run (their --quick modes), so they cannot break silently.

``benchmarks/dashboard.py --quick`` (first page after a server start and every interaction
of a full run once, beside a blank Streamlit page) and ``benchmarks/load.py --quick`` (one
round alone, then one round each for 2 sessions at once: every action, counted). Timings
are not asserted (a shared CI machine); each must finish with exit code 0 (no exception
box, page error or server traceback) and print its table and its ratios, with a row for
every step: a step whose widget or page changed fails here, not only in a full run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow, pytest.mark.browser]

# every step of benchmarks/dashboard.py (its --quick mode takes them all, once)
DASHBOARD_STEPS = (
    "first page after start", "window: From (first month)", "window: From (back)",
    "category: ASB", "category: All", "area: Town: Bournemouth", "area: All of BCP",
    "page: Hotspot map", "method: KDE", "method: Gi*", "method: DBSCAN",
    "page: Seasonal comparison", "page: Ward view", "page: Patrol planning", "page: Data",
    "page: Overview",
)  # fmt: skip
# the round of benchmarks/load.py, the new session's first page first
LOAD_ROUND = (
    "open Overview (new session)", "category: ASB", "category: All", "page: Hotspot map",
    "method: KDE", "method: DBSCAN", "page: Ward view",
)  # fmt: skip


def _run(script: str) -> str:
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--quick"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ),
        timeout=900,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout


def test_dashboard_benchmark_quick_runs_and_prints_ratios():
    text = _run("dashboard.py")
    assert "| Step | Pass | Until idle | Goal | Blank page (ref) | Ratio |" in text
    for row in DASHBOARD_STEPS:
        assert f"| {row} | 1 |" in text, row
    assert "a blank page's" in text and "a blank rerun" in text


def test_load_benchmark_quick_runs_and_prints_median_p90_and_memory():
    text = _run("load.py")
    assert "| Action | n | Median | p90 | Alone: median (ref) | Ratio |" in text
    alone, _, together = text.partition("2 sessions at once, 1 round each")
    assert together, text[-3000:]
    for action in LOAD_ROUND:
        # one round alone (no reference column), then one round for each of 2 sessions,
        # with its ratio to the round alone
        row = rf"^\| {re.escape(action)} \| "
        alone_row = row + r"1 \| [\d.]+ s \| [\d.]+ s \|  \|  \|$"
        assert re.search(alone_row, alone, re.MULTILINE), action
        assert re.search(row + r"2 \| .* \| [\d.]+x \|$", together, re.MULTILINE), action
    # no error: the "category: ASB" click that once hung (issue 23) was the idle tracker
    # missing a short rerun, now counted from the server's messages (test_browser_session.py)
    assert "server memory:" in text and re.search(r"^errors: 0$", text, re.MULTILINE)
