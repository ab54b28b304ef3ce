#!/usr/bin/env bash
# A smoke run on the OLDEST versions pyproject.toml allows: a separate venv (.venv-lowest) gets
# `uv pip install --resolution lowest-direct -e .[test]`, so every direct dependency is installed
# at its declared lower bound; the script checks that it was (a bound the resolver had to raise is
# a false bound), then runs SMOKE below: test files chosen so that every direct dependency is used
# for what the package needs it for (the whole unit tier on old versions took ~6 min of CI; this
# subset about one). `bash scripts/test-lowest.sh all` runs the whole non-browser, non-slow tier.
# Usage: bash scripts/test-lowest.sh [all] [pytest args]      (CI runs it from .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/uv.sh
[ -n "$UV" ] || { echo "test-lowest: needs uv (pip has no lowest-direct resolution)" >&2; exit 1; }
VENV=${HOTSPOTS_LOWEST_VENV:-$PWD/.venv-lowest}
rm -rf "$VENV"
$UV venv --quiet --python "$PY" "$VENV"
VIRTUAL_ENV="$VENV" $UV pip install --quiet --resolution lowest-direct -e ".[test]"

# Every package must be installed at exactly its declared lower bound (the highest one where
# the core, [app] and [test] each name one, e.g. streamlit for the page tests).
"$VENV/bin/python" - <<'PY'
import re, sys, tomllib
from importlib.metadata import version
from packaging.version import Version

project = tomllib.load(open("pyproject.toml", "rb"))["project"]
reqs = list(project["dependencies"])
for extra in project["optional-dependencies"].values():
    reqs += [r for r in extra if not r.startswith(project["name"] + "[")]
floors: dict[str, Version] = {}
for req in reqs:
    m = re.fullmatch(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*>=\s*([0-9][^,;\s]*)", req)
    if not m:
        sys.exit(f"test-lowest: {req!r} has no plain lower bound (name>=X)")
    name = m.group(1).lower()
    floors[name] = max(floors.get(name, Version(m.group(2))), Version(m.group(2)))
raised = []
for name, floor in sorted(floors.items()):
    got = version(name)
    print(f"  {name:<20} {got:<12} (>= {floor})")
    if Version(got) != floor:
        raised.append(f"{name}: declared >={floor}, the resolver needed {got}")
if raised:
    sys.exit("test-lowest: lower bounds that cannot be installed together:\n  " + "\n  ".join(raised))
PY

# Its own store, built afresh by the old versions (pyarrow writes it, duckdb reads it).
if [ -z "${HOTSPOTS_LOWEST_STORE:-}" ]; then
  HOTSPOTS_LOWEST_STORE=$PWD/.hotspots-store/lowest
  rm -rf "$HOTSPOTS_LOWEST_STORE"
fi
export HOTSPOTS_STORE=$HOTSPOTS_LOWEST_STORE
SMOKE=(
  tests/test_api.py                         # the five verbs: pyarrow, duckdb, pandas, numpy, platformdirs
  tests/test_validation.py                  # numpy scalars, GeoDataFrames by CRS (pyproj, geopandas)
  tests/data/test_store.py                  # the Parquet store: pyarrow writes, duckdb reads
  tests/data/test_areas.py                  # boundaries and polygon files (pyogrio, shapely)
  tests/methods/test_dbscan.py              # scikit-learn
  tests/methods/test_kde.py                 # scipy
  tests/comparison/test_compare_ratio.py    # scipy.stats binomtest, statsmodels as the reference
  tests/comparison/test_compare_dispersion.py  # statsmodels
  tests/present/test_chart.py               # altair
  tests/present/test_pdf_text.py            # fpdf2 writes, pypdf reads back
  tests/present/test_maps.py                # folium
  tests/ui/test_hotspot_change_page.py      # streamlit AppTest, streamlit-folium
  tests/ui/test_auth_pages.py               # st.login / authlib
)
if [ "${1:-}" = "all" ]; then
  shift
  exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider -m "not browser and not slow" "$@"
fi
# on every core (pytest-xdist, as scripts/test.sh; HOTSPOTS_TEST_WORKERS overrides): ~40 s serial
"$VENV/bin/python" -m pytest -q -p no:cacheprovider -n "${HOTSPOTS_TEST_WORKERS:-auto}" \
  -m "not browser and not slow" "${SMOKE[@]}" "$@"
# esda's floor (>=2.8) matters only to the Gi* reference test, which is in the slow tier
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider \
  "tests/methods/test_gistar.py::TestConditionalPermutation::test_against_esda_real_window" "$@"
