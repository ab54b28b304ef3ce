#!/usr/bin/env bash
# Run the tests (set-up first, skipped when .venv is current: scripts/setup.sh).
#
#   bash scripts/test.sh              the whole suite, browser and slow tiers included (what CI runs)
#   bash scripts/test.sh fast         the fast tier: no browser, no AppTest page tests, no slow tests
#   bash scripts/test.sh FILE...      any pytest arguments (one file, -k, -m...), serial
#
# The whole suite and the fast tier run on every core with pytest-xdist (-n auto; HOTSPOTS_TEST_WORKERS
# overrides) and --dist loadgroup: the browser tests on the app server share one worker, so one
# app server; the other browser tests (own server, files, benchmarks) go to any worker, a module
# at a time (tests/conftest.py, browser_group). Each worker has its own store root below
# HOTSPOTS_STORE (tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export HOTSPOTS_STORE="${HOTSPOTS_STORE:-$PWD/.hotspots-store/test}"
# Cache bytecode (and pytest's rewritten test modules) between runs even where the environment
# says not to: without it every run recompiles ~200 test modules and the package (~10 s of CPU).
unset PYTHONDONTWRITEBYTECODE
WORKERS="${HOTSPOTS_TEST_WORKERS:-auto}"
PARALLEL=(-n "$WORKERS" --dist loadgroup)
if [ "${1:-}" = "fast" ]; then
  shift
  exec .venv/bin/python -m pytest "${PARALLEL[@]}" -q -m "not slow and not browser and not apptest" "$@"
fi
if [ $# -eq 0 ] || [ "${1:0:1}" = "-" ]; then
  # the whole suite (options only, as CI passes them)
  exec .venv/bin/python -m pytest "${PARALLEL[@]}" "$@"
fi
exec .venv/bin/python -m pytest "$@"
