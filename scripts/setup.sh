#!/usr/bin/env bash
# Create .venv and install the project: `setup.sh` installs the app (`.[app]`), `setup.sh test`
# everything the tests need (`.[test]`). The library alone is `pip install .` (no extras).
# Uses uv when it can (seconds), pip otherwise. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="[app]"
[ "${1:-}" = "test" ] && extra="[test]"
. scripts/uv.sh
if [ -n "$UV" ]; then
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
