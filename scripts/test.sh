#!/usr/bin/env bash
# Set up (first time) and run the whole test suite, browser tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export HOTSPOTS_STORE="${HOTSPOTS_STORE:-$PWD/.hotspots-store/test}"
exec .venv/bin/python -m pytest "$@"
