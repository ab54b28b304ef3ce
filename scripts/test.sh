#!/usr/bin/env bash
# Run the tests (set-up first, skipped when .venv is current: scripts/setup.sh).
#
#   bash scripts/test.sh              the whole suite, browser and slow tiers included (what CI runs)
#   bash scripts/test.sh fast         the fast tier: no browser, no AppTest page tests, no slow tests
#   bash scripts/test.sh FILE...      any pytest arguments (one file, -k, -m...), serial
#
# The whole suite and the fast tier run on every core with pytest-xdist (-n auto; HOTSPOTS_TEST_WORKERS
# overrides) and --dist loadgroup. tests/conftest.py declares xdist groups (browser_group: the
# tests on the e2e app server in one, the other browser tests by module), but pytest-xdist 3.8
# does not apply them under pytest 9.2 (pytest-xdist issue #1386: it still rewrites the old
# node-id field), so today the browser tests spread over the workers, each starting its own app
# server. Each worker has its own store root below HOTSPOTS_STORE (tests/conftest.py).
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
