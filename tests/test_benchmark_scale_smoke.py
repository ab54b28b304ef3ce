"""benchmarks/scale.py runs (its --quick mode), so it cannot break silently.

Timings are not asserted (they belong to the benchmark's printed ratios, not to tests on
a shared machine); what is asserted is that every step runs, the import reconciles and
the table prints its rows and its ratios against the DuckDB reference of the same run.
"""

from __future__ import annotations

import pytest
from bench_quick import run_quick


@pytest.mark.slow
def test_scale_benchmark_quick_runs_and_prints_ratios():
    text = run_quick("scale.py", timeout=900)
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
