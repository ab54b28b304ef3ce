"""The hotspot benchmark script runs (its --quick mode), so it cannot break silently.

Timings are not asserted here (they belong to the benchmark's printed ratios, not to
tests on a shared machine); what is asserted is that every section runs and prints
its row and its ratio against the baseline.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_hotspots_benchmark_quick_runs_and_prints_ratios():
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "hotspots.py"), "--quick"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ),
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout
    assert "| What | Measured | Goal | Notes |" in text
    for row in (
        "Deduplicate 50k records",
        "KDE refresh, quartic",
        "KDE refresh, gaussian",
        "scikit-learn `KernelDensity.score_samples`",
        "DBSCAN core: dedup + `dbscan_labels`",
        "scikit-learn DBSCAN on 20k raw records",
        "DBSCAN `detect`, one quarter of real BCP records",
        "Gi* permutation p-values",
    ):
        assert row in text, row
    assert "x faster" in text and "ratio" in text
