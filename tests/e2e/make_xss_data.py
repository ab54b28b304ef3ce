"""A police.uk street file with a script in its Location column, ingested into a store.

The file is one real bundled month (``geodata/police_uk/2024-03-dorset-street.csv``)
plus :data:`N_XSS` anti-social behaviour rows at Poole Bus Station whose Location is
:data:`XSS`, so that the bus station is the busiest location of a hotspot and the text
reaches every place the dashboard shows location text: the map's tooltips and popups,
the ranked table and the hotspot details.

Use from the e2e fixtures (:func:`build_xss_store`) or by hand::

    .venv/bin/python tests/e2e/make_xss_data.py /tmp/xss-store
    HOTSPOTS_STORE=/tmp/xss-store .venv/bin/streamlit run app.py
    # then choose "Uploaded data" in the sidebar
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "geodata" / "police_uk" / "2024-03-dorset-street.csv"

XSS = "<img src=x onerror=alert(1)>"
MONTH = "2024-03"
# police.uk snap point "On or near Poole Bus Station" (WGS84 degrees)
POOLE_BUS_STATION = (-1.978799, 50.718167)
N_XSS = 80
FILE_NAME = f"{MONTH}-xss-street.csv"


def write_xss_csv(path: Path, *, n: int = N_XSS) -> Path:
    """Write the real March 2024 rows plus ``n`` rows located at :data:`XSS`; returns ``path``."""
    with open(SOURCE, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    col = {name: k for k, name in enumerate(header)}
    lon, lat = POOLE_BUS_STATION
    for _ in range(n):
        row = [""] * len(header)
        row[col["Month"]] = MONTH
        row[col["Reported by"]] = row[col["Falls within"]] = "Dorset Police"
        row[col["Longitude"]] = f"{lon:.6f}"
        row[col["Latitude"]] = f"{lat:.6f}"
        row[col["Location"]] = XSS
        row[col["Crime type"]] = "Anti-social behaviour"
        rows.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def build_xss_store(root: Path, dataset: str = "uploaded"):
    """Ingest the XSS file into ``<root>/<dataset>`` (a fresh store); returns the Store."""
    from hotspots.data.store import Store

    csv_path = write_xss_csv(Path(root) / "_inputs" / FILE_NAME)
    store = Store(Path(root) / dataset)
    store.clear()
    result = store.ingest([csv_path])
    if not result.report.reconciles or result.report.rows_accepted < N_XSS:
        raise RuntimeError(f"XSS file was not ingested as expected: {result.report.to_dict()}")
    return store


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_xss_data.py STORE_ROOT")
    s = build_xss_store(Path(sys.argv[1]))
    print(f"{len(s.records()):,} records in {s.path}")
