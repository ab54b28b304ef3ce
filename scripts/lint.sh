#!/usr/bin/env bash
# Lint and type-check, as CI does before the tests (.ci/run): ruff check, ruff format --check,
# and mypy (no error allowed in hotspots.data / .methods / .compare; elsewhere no error beyond
# mypy-baseline.txt, which may only shrink: scripts/mypy_gate.py). Fails on the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test >/dev/null
PYTHON_PATHS=(src tests app_pages app.py overview.py benchmarks scripts)
echo "== ruff check"
.venv/bin/ruff check "${PYTHON_PATHS[@]}"
echo "== ruff format --check"
.venv/bin/ruff format --check "${PYTHON_PATHS[@]}"
echo "== mypy"
.venv/bin/python scripts/mypy_gate.py
