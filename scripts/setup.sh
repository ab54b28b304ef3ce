#!/usr/bin/env bash
# Create .venv and install the project (with the test extra when called with "test").
# Uses uv when it can (seconds), pip otherwise. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
extra=""
[ "${1:-}" = "test" ] && extra="[test]"
PY=${PYTHON:-python3}
if ! command -v uv >/dev/null 2>&1; then
  "$PY" -m pip install --quiet --disable-pip-version-check uv >/dev/null 2>&1 || true
fi
if command -v uv >/dev/null 2>&1 || "$PY" -m uv --version >/dev/null 2>&1; then
  UV="uv"; command -v uv >/dev/null 2>&1 || UV="$PY -m uv"
  [ -x .venv/bin/python ] || $UV venv --quiet --python "$PY" .venv
  VIRTUAL_ENV="$PWD/.venv" $UV pip install --quiet -e ".${extra}"
else
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -e ".${extra}"
fi
if [ "${1:-}" = "test" ] && [ ! -x /usr/bin/chromium ]; then
  # Browser tests drive Debian's Chromium through Playwright (no browser download).
  if [ "$(id -u)" = "0" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; browser tests will fail" >&2
  else
    echo "warning: /usr/bin/chromium missing; run: sudo apt-get install chromium" >&2
  fi
fi
