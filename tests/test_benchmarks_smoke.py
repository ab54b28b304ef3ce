"""Every benchmark script runs in its --quick mode, so none can break silently (issue 23, item 9).

Timings are not asserted here (they belong to the benchmark's printed ratios, not to
tests on a shared machine); what is asserted is that every section runs and prints
its row and its ratio against the reference measured in the same run. Each quick mode
takes seconds (slow tier: the fast tier stays fast; CI runs the slow tier).
"""

from __future__ import annotations

import pytest
from bench_quick import BENCH, ROOT, run_quick

# Benchmarks without a --quick mode yet (none: every benchmark has one).
PENDING: set[str] = set()
HELPERS = {"browser_session.py", "ws_session.py"}  # imported by the load benchmarks, not run alone
# quick modes run by their own smoke tests
ELSEWHERE = {
    "scale.py": "tests/test_benchmark_scale_smoke.py",
    "dashboard.py": "tests/test_browser_benchmarks_smoke.py",
    "load.py": "tests/test_browser_benchmarks_smoke.py",
}


def test_every_benchmark_has_a_quick_mode():
    """A new benchmark without --quick (or one not run below) fails here."""
    here = {p.name for p in BENCH.glob("*.py")} - HELPERS
    missing = sorted(n for n in here - PENDING if '"--quick"' not in (BENCH / n).read_text())
    assert not missing, f"benchmarks without a --quick mode: {missing}"
    run_here = {"hotspots.py", *QUICK, *ELSEWHERE}
    assert all((ROOT / t).exists() for t in ELSEWHERE.values())
    not_run = sorted(here - PENDING - run_here)
    assert not not_run, f"benchmarks whose --quick mode no test runs: {not_run}"


@pytest.mark.slow
def test_hotspots_benchmark_quick_runs_and_prints_ratios():
    text = run_quick("hotspots.py")
    assert "| What | Measured | Goal | Notes |" in text
    # every row of the full run's table (--quick: 20k records, 999 Gi* permutations)
    for row in (
        "| Deduplicate 20k records",
        "| KDE refresh, quartic",
        "| KDE refresh, gaussian",
        "| KDE cells into hotspot shapes",
        "| KDE hotspots end to end (20k records",
        "| scikit-learn `KernelDensity.score_samples`",
        "| DBSCAN on 20k records",
        "| DBSCAN core: dedup + `dbscan_labels`",
        "| scikit-learn DBSCAN on 20k raw records",
        "| DBSCAN `detect`, one quarter of real BCP records",
        "| Gi* on a 100 m grid over BCP, 20k records",
        "| Gi* `detect`, one quarter of real BCP records",
        "| Gi* permutation p-values, ",
        "cells x 999 permutations |",
    ):
        assert row in text, row
    assert "x faster" in text and "ratio" in text


# script -> (extra arguments, lines that must be printed)
QUICK = {
    "cli_start.py": ((), ("python -c pass (reference)", "hotspots detect --format json", "wall/ref")),
    "store_queries.py": (
        (),
        ("summary by month", "one month of BCP", "a ward's counts", "ds.records(area=)",
         "worst ratio"),
    ),
    "hierarchy.py": ((), ("dbscan", "kde", "ratio")),
    "coverage_evaluation.py": ((), ("coverage of the 95% interval", "ratio")),
    "coverage_pipeline.py": ((), ("relative effect", "ratio")),
    "ingest.py": ((), ("full ingest", "ratio naive / ours")),
    "ingest_memory.py": ((), ("batched (2 MiB batches)", "reconciles=True; exit 0", "one batch (baseline)", "ratio one batch / batched peak")),
    "page_work.py": ((), ("Overview page", "Hotspot map: DBSCAN", "ratio naive map / our hotspot page")),
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(QUICK))
def test_benchmark_quick_mode_runs_and_prints_its_ratios(script):
    extra, lines = QUICK[script]
    text = run_quick(script, *extra)
    for line in lines:
        assert line in text, (line, text[-3000:])
