"""benchmarks/scale.py runs (its --quick mode), so it cannot break silently.

Timings are not asserted (they belong to the benchmark's printed ratios, not to tests on
a shared machine); what is asserted is that every step runs, the import reconciles and
the table prints its rows and its ratios against the DuckDB reference of the same run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_scale_benchmark_quick_runs_and_prints_ratios():
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "scale.py"), "--quick"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ),
        timeout=900,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout
    for row in (
        "| import |",
        "| store bytes per row |",
        "| store size |",
        "| summary --by month |",
        "| records of one month of BCP",
        "| detect --method kde",
        "reference, DuckDB read_csv -> zstd Parquet",
        "import / reference:",
    ):
        assert row in text, row
    assert "rows/s" in text and "per CPU s" in text and "x CPU (goal <= 1.5x)" in text
    assert "import reconciles: True" in text
