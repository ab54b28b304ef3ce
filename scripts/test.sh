#!/usr/bin/env bash
# Run the tests (set-up first, skipped when .venv is current: scripts/setup.sh).
#
#   bash scripts/test.sh              the whole suite, browser and slow tiers included (what CI runs)
#   bash scripts/test.sh fast         the fast tier: no browser, no AppTest page tests, no slow tests
#   bash scripts/test.sh FILE...      any pytest arguments (one file, -k, -m...), serial
#
# The whole suite and the fast tier run on every core with pytest-xdist (-n auto; HOTSPOTS_TEST_WORKERS
# overrides) and --dist loadgroup. tests/conftest.py puts the browser tests in xdist groups
# (browser_group: the tests on the e2e app server in one, so one worker and one server; the other
# browser tests by module) and writes the group into the node id itself (put_in_group): pytest-xdist
# 3.8 rewrites the old node-id field, which pytest 9.2 ignores (pytest-xdist issue #1386).
# Each worker has its own store root below HOTSPOTS_STORE (tests/conftest.py).
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
