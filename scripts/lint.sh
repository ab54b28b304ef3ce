#!/usr/bin/env bash
# Lint and type-check, as CI does before the tests (.ci/run): ruff check, ruff format --check,
# and mypy (no error allowed in hotspots.data / .methods / .compare; elsewhere no error beyond
# mypy-baseline.txt, which may only shrink: scripts/mypy_gate.py). Fails on the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test >/dev/null
PYTHON_PATHS=(src tests app_pages app.py overview.py benchmarks scripts)
echo "== ruff check"
if [ -e .ruff-sweep-pending ]; then
  # The rule set in pyproject.toml is chosen, but its automatic fixes have not yet been applied
  # (they touch ~230 files, so they land once, after the branches merge): until then check the
  # rules the code was already clean for. `bash scripts/ruff_sweep.sh` applies the fixes, checks
  # the whole set and removes this marker; commit the result.
  echo "ruff sweep pending (.ruff-sweep-pending): checking E, F, W, I, B, UP, SIM only;" \
    "run bash scripts/ruff_sweep.sh"
  .venv/bin/ruff check --select E,F,W,I,B,UP,SIM --ignore E501 "${PYTHON_PATHS[@]}"
else
  .venv/bin/ruff check "${PYTHON_PATHS[@]}"
fi
echo "== ruff format --check"
.venv/bin/ruff format --check "${PYTHON_PATHS[@]}"
echo "== mypy"
.venv/bin/python scripts/mypy_gate.py
