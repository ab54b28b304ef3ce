# Sourced by the setup and check scripts: sets UV to a working uv command, installing uv with pip
# when it is missing (a fresh CI machine has python3 and pip only). Empty UV means: no uv, use pip.
PY=${PYTHON:-python3}
UV=""
if ! command -v uv >/dev/null 2>&1 && ! "$PY" -m uv --version >/dev/null 2>&1; then
  "$PY" -m pip install --quiet --disable-pip-version-check uv >/dev/null 2>&1 || true
fi
if command -v uv >/dev/null 2>&1; then
  UV="uv"
elif "$PY" -m uv --version >/dev/null 2>&1; then
  UV="$PY -m uv"
fi
