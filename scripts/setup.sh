#!/usr/bin/env bash
# Create .venv and install the project: `setup.sh` installs the app (`.[app]`), `setup.sh test`
# everything the tests need (`.[test]`). The library alone is `pip install .` (no extras).
# Uses uv when it can (seconds), pip otherwise. Safe to run again.
#
# Skipped when the environment is current: a stamp in .venv records the hash of pyproject.toml
# and the extra installed; `setup.sh` exits at once while they match (HOTSPOTS_SETUP_FORCE=1 to
# reinstall). Bytecode is compiled at install time (`--compile-bytecode`), so a fresh process does
# not recompile pandas and friends: with PYTHONDONTWRITEBYTECODE set, it would do so every time.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="[app]"
[ "${1:-}" = "test" ] && extra="[test]"
STAMP=.venv/.hotspots-setup-stamp
want="$(sha256sum pyproject.toml | cut -d' ' -f1) ${extra}"
if [ -z "${HOTSPOTS_SETUP_FORCE:-}" ] && [ -x .venv/bin/python ] && [ -f "$STAMP" ]; then
  # current if this extra (or [test], which holds [app]) was installed from this pyproject.toml
  got=$(cat "$STAMP")
  if [ "$got" = "$want" ] || { [ "$extra" = "[app]" ] && [ "${got% *}" = "${want% *}" ]; }; then
    exit 0
  fi
fi
. scripts/uv.sh
if [ -n "$UV" ]; then
  [ -x .venv/bin/python ] || $UV venv --quiet --python "$PY" .venv
  VIRTUAL_ENV="$PWD/.venv" $UV pip install --quiet --compile-bytecode -e ".${extra}"
else
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check --compile -e ".${extra}"
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
echo "$want" >"$STAMP"
