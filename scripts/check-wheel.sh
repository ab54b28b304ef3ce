#!/usr/bin/env bash
# The package as an analyst gets it: build the wheel, check what it ships, install it (core only,
# not editable, no extras) into a FRESH venv, then from a folder outside the checkout, with a
# fresh HOME and no HOTSPOTS_* settings (the store goes to the platformdirs cache under HOME):
#   hotspots detect --method dbscan --format json     (JSON with hotspots)
#   hotspots compare --format json                    (two windows of the bundled data)
#   hotspots pack ...                                 (refused, naming `pip install hotspots[app]`)
#   python -c "import hotspots as hs; ... hs.detect(hs.open_dataset('bundled').records(), ...)"
# and checks that neither `import hotspots` nor the CLI imported streamlit, folium or fpdf.
# Usage: bash scripts/check-wheel.sh      (CI runs it from .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
. scripts/uv.sh
WORK=$(mktemp -d)
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
t0=$SECONDS
step() { echo "check-wheel [$((SECONDS - t0)) s]: $*"; }

step "building the wheel"
if [ -n "$UV" ]; then
  $UV build --quiet --wheel --out-dir "$WORK/dist" .
else
  "$PY" -m pip wheel --quiet --no-deps --wheel-dir "$WORK/dist" .
fi
WHEEL=$(ls "$WORK"/dist/hotspots-*.whl)

step "checking its contents: $(basename "$WHEEL")"
# The wheel holds exactly the files git keeps under src/hotspots (modules, py.typed, every bundled
# month, the gazetteer and boundaries, the TOMLs, the vendored Leaflet files) plus its metadata.
"$PY" - "$WHEEL" <<'PY'
import subprocess, sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
meta = {n for n in names if n.split("/", 1)[0].endswith(".dist-info")}
shipped = names - meta
# git's view of src/hotspots: tracked files and new ones not yet added, never ignored ones
tracked = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                          "src/hotspots"], capture_output=True, text=True, check=True).stdout.split()
want = {p.removeprefix("src/") for p in tracked}
missing, extra = sorted(want - shipped), sorted(shipped - want)
if missing or extra or not want:
    sys.exit(f"check-wheel: the wheel differs from src/hotspots in git\n"
             f"  missing from the wheel: {missing}\n  not tracked but shipped: {extra}")
for need in ("hotspots/py.typed", "hotspots/geodata/bcp_named_places.csv",
             "hotspots/geodata/focus_areas.toml",
             "hotspots/static/vendor/leaflet-1.9.4/leaflet.js"):
    assert need in shipped, need
months = sorted(n for n in shipped if n.startswith("hotspots/geodata/police_uk/"))
print(f"  {len(shipped)} files, {len(months)} bundled months, "
      f"{sum(n.startswith('hotspots/static/') for n in shipped)} static files: as in git")
PY

step "installing it into a fresh venv (core only)"
if [ -n "$UV" ]; then
  $UV venv --quiet --python "$PY" "$WORK/venv"
  VIRTUAL_ENV="$WORK/venv" $UV pip install --quiet "$WHEEL"
else
  "$PY" -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install --quiet --disable-pip-version-check "$WHEEL"
fi
VPY=$WORK/venv/bin/python

# Away from the checkout, in a folder the commands cannot write to, with a fresh HOME.
RUN=$WORK/elsewhere
mkdir -p "$RUN" "$WORK/home"
chmod a-w "$RUN"
cd "$RUN"
run() {
  env -u HOTSPOTS_STORE -u HOTSPOTS_GEODATA -u HOTSPOTS_STATIC -u XDG_CACHE_HOME \
    -u PYTHONPATH HOME="$WORK/home" "$@"
}

step "import hotspots: installed copy, no app libraries"
run "$VPY" - "$SRC" <<'PY'
import importlib.util, sys
from pathlib import Path
import hotspots
src = Path(sys.argv[1]).resolve()
where = Path(hotspots.__file__).resolve()
assert src not in where.parents, f"imported from the checkout: {where}"
app = ("streamlit", "folium", "streamlit_folium", "fpdf", "altair")
installed = [m for m in app if importlib.util.find_spec(m) is not None]
assert not installed, f"the core install pulled in app libraries: {installed}"
print(f"  hotspots {hotspots.__version__} from {where.parent}; none of {', '.join(app)} installed")
PY

step "hotspots detect --method dbscan --format json"
run "$WORK/venv/bin/hotspots" detect --method dbscan --format json > "$WORK/detect.json"
"$VPY" - "$WORK/detect.json" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
hot, params = out["hotspots"], out["parameters"]
assert params["method"] == "dbscan" and params["dataset"] == "bundled", params
assert len(hot) > 0 and len(hot) == params["n_hotspots"], (len(hot), params["n_hotspots"])
assert all(-3 < h["lon"] < -1.5 and 50.5 < h["lat"] < 51 for h in hot), "hotspots outside BCP"
print(f"  {len(hot)} hotspots from {params['n_records']} records, {params['from']} to {params['to']}")
PY

step "hotspots compare --format json"
run "$WORK/venv/bin/hotspots" compare --format json > "$WORK/compare.json"
"$VPY" - "$WORK/compare.json" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
text = json.dumps(out)
assert "count_a" in text and "p_value" in text, text[:500]
print(f"  {len(text)} characters of JSON with counts, changes and p-values")
PY

step "the CLI imports no app library; hotspots pack names the [app] extra"
run "$VPY" - <<'PY'
import contextlib, io, sys
from hotspots.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    assert main(["detect", "--method", "kde", "--format", "json"]) == 0
    assert main(["compare", "--format", "json"]) == 0
err = io.StringIO()
with contextlib.redirect_stderr(err):
    rc = main(["pack", "--month", "2024-03", "--out", "pack-out"])
assert rc != 0 and "pip install hotspots[app]" in err.getvalue(), (rc, err.getvalue())
loaded = sorted(m for m in ("streamlit", "folium", "fpdf", "altair", "PIL") if m in sys.modules)
assert not loaded, f"the CLI imported {loaded}"
print("  detect, compare: no app library imported; pack: " + err.getvalue().strip())
PY

step "the public API: hs.detect(hs.open_dataset('bundled').records(), method='kde')"
run "$VPY" -c "import hotspots as hs; print(len(hs.detect(hs.open_dataset('bundled').records(), method='kde').hotspots))"

step "OK: the wheel works without the checkout and without the app extras"
