"""Run a benchmark script's ``--quick`` mode, for the benchmark smoke tests.

One helper for ``tests/test_benchmarks_smoke.py`` and ``tests/test_benchmark_scale_smoke.py``
(imported by name: ``tests/`` is on ``sys.path`` under pytest's default import mode, as for
``tile_server``). The script runs in a subprocess with this interpreter, from the repository
root, with the test's environment (its ``HOTSPOTS_STORE`` included).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def run_quick(script: str, *extra: str, timeout: int = 600) -> str:
    """Run ``benchmarks/<script> --quick *extra``; return its stdout.

    Fails (``AssertionError`` with the tails of stdout and stderr) on a non-zero exit
    code; ``subprocess.TimeoutExpired`` after ``timeout`` seconds.
    """
    out = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick", *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ),
        timeout=timeout,
        check=False,
    )
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-3000:])
    return out.stdout
