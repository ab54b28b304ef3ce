"""Tables (hotspots, ranked areas) as CSV text with a companion JSON of how they were made.

The rules every export follows are in :mod:`hotspots.present.exports`; :func:`to_csv`,
:func:`csv_metadata` and :func:`read_csv_export` are re-exported there. Cells a
spreadsheet would run as a formula start with ``'`` (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.data import schema as S
from hotspots.errors import InputError
from hotspots.present.export_prep import (
    DERIVED_COLUMNS,
    check_suppress,
    export_metadata,
    jsonable,
    points_inside,
    suppress_counts,
    with_labels,
)
from hotspots.present.tables import DEFAULT_SUPPRESS_BELOW

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["CSV_DECIMALS", "LABEL_MARK", "csv_metadata", "read_csv_export", "to_csv"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: written before a hotspot's number in the CSV's ``label`` column ("#1.10"), so that a
#: spreadsheet keeps it as text: Excel, LibreOffice and Google Sheets read a bare "1.10"
#: as the number 1.1 (the same as "1.1", another hotspot). KML and GPX names and the map's
#: tooltips write the number the same way ("#1.10 Bournemouth Square").
#: :func:`read_csv_export` takes it off again.
LABEL_MARK = "#"
LABEL_NOTE = (
    "label: each hotspot's number as the map, the ranked table and the pack show it, "
    "written after '#' (\"#1.10\") so that spreadsheets keep it as text"
)
_NUMBER = re.compile(r"\d+(?:\.\d+)*")
_MARKED_NUMBER = r"^#(?=\d+(?:\.\d+)*$)"


# decimals kept per column in CSV exports (others: 3); counts stay whole numbers
CSV_DECIMALS: dict[str, int] = {
    S.SHARE: 4, "cumulative_share": 4, "cumulative_area_share": 6, S.AREA_KM2: 4,
    S.DENSITY_PER_KM2: 1, "expected": 1, "pai": 1, "lon": 6, "lat": 6,
}  # fmt: skip


def _csv_cell(value: Any, column: str | None = None) -> str:
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    v = jsonable(value)
    if v is None:
        return ""
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, float) and not isinstance(v, bool):
        if math.isfinite(v) and v == int(v) and abs(v) < 1e15 and column not in ("lon", "lat"):
            return str(int(v)) if column in (S.COUNT, S.RANK) else repr(round(v, 1))
        return repr(round(v, CSV_DECIMALS.get(str(column), 3)))
    return str(v)


def to_csv(
    df: pd.DataFrame,
    *,
    parameters: Mapping[str, Any] | None = None,
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW,
    count_columns: Sequence[str] | None = None,
    include_points: bool = True,
    generated: str | None = None,
) -> str:
    """Return a table (hotspots, ranked areas) as CSV text: the header on the first line.

    Layout::

        rank,label,name,count,...,lon,lat
        1,#1,Lower Gardens,<5,...
        20,#1.1,Bournemouth Square,12,...

    so ``pandas.read_csv(path)`` and spreadsheets open it as it is. The parameters,
    disclosure note and attribution go in a companion JSON
    (:func:`csv_metadata`, same arguments). Floats are rounded
    (:data:`CSV_DECIMALS`: shares to 4 decimals, areas to 4, densities to 1,
    lon/lat to 6, others to 3). Withheld counts read ``<5``, withheld shares and
    densities are blank. With a GeoDataFrame and ``include_points``, ``lon``/``lat``
    (WGS84) of a point inside each geometry are added; the geometry itself is not
    written. A table of hotspots gets a ``label`` column after ``rank``: the number the
    ranked table, the map and the pack give each hotspot ("1.1" for a street-sized
    hotspot inside district 1), written ``#1.1`` (:data:`LABEL_MARK`) so that a
    spreadsheet keeps "#1.10" as text rather than reading the number 1.1;
    :func:`read_csv_export` gives "1.10" back.
    Cells a spreadsheet would run as a formula start with ``'``.
    Read back with :func:`read_csv_export`.
    """
    return _csv_parts(df, parameters, suppress_below, count_columns, include_points, generated)[0]


def csv_metadata(
    df: pd.DataFrame,
    *,
    parameters: Mapping[str, Any] | None = None,
    suppress_below: int | None = DEFAULT_SUPPRESS_BELOW,
    count_columns: Sequence[str] | None = None,
    generated: str | None = None,
) -> str:
    """Return the JSON that goes with :func:`to_csv`, as text.

    It holds generated, parameters, disclosure, attribution and the CSV's columns.
    """
    meta = _csv_parts(
        df,
        parameters,
        suppress_below,
        count_columns,
        include_points=True,
        generated=generated,
    )[1]
    return json.dumps(meta, ensure_ascii=False, indent=1)


def _csv_parts(
    df: pd.DataFrame,
    parameters: Mapping[str, Any] | None,
    suppress_below: int | None,
    count_columns: Sequence[str] | None,
    include_points: bool,
    generated: str | None,
) -> tuple[str, dict[str, Any]]:
    k = check_suppress(suppress_below)
    table, withheld = suppress_counts(
        with_labels(df),
        suppress_below=k,
        count_columns=count_columns,
    )
    is_geo = isinstance(table, gpd.GeoDataFrame) and table.geometry.name in table.columns
    if is_geo and include_points:
        ok = ~(table.geometry.isna() | table.geometry.is_empty)
        lon = np.full(len(table), np.nan)
        lat = np.full(len(table), np.nan)
        if ok.any():
            if table.crs is None:
                raise InputError("df", "a GeoDataFrame with no CRS", "a GeoDataFrame with a CRS")
            lo, la = points_inside(table[ok])
            lon[ok.to_numpy()], lat[ok.to_numpy()] = lo, la
    order = (
        np.argsort(table[S.RANK].to_numpy(), kind="stable")
        if S.RANK in table.columns
        else np.arange(len(table))
    )
    geom_col = table.geometry.name if is_geo else None
    cols = [c for c in table.columns if c != geom_col]
    meta = export_metadata(parameters, k, int(withheld.to_numpy().sum()), generated)
    mark = _numbers_column(table)
    if mark:
        meta["label_note"] = LABEL_NOTE
    buf = io.StringIO()
    w = csv.writer(buf)
    header = [str(c) for c in cols] + (["lon", "lat"] if is_geo and include_points else [])
    meta["columns"] = header
    w.writerow(header)
    for pos in order:
        row = table.iloc[pos]
        cells = []
        for c in cols:
            if c in withheld and bool(withheld[c].iloc[pos]):
                cells.append(f"<{k}" if c not in DERIVED_COLUMNS else "")
            elif c == "label" and mark and isinstance(row[c], str):
                cells.append(LABEL_MARK + row[c])
            else:
                cells.append(_csv_cell(row[c], str(c)))
        if is_geo and include_points:
            cells += [_csv_cell(lon[pos], "lon"), _csv_cell(lat[pos], "lat")]
        w.writerow(cells)
    return buf.getvalue(), meta


def _numbers_column(table: pd.DataFrame) -> bool:
    """Whether ``table``'s ``label`` column holds hotspots' numbers ("1", "1.10"), not own text."""
    if "label" not in table.columns or S.HOTSPOT_ID not in table.columns:
        return False
    return all(
        v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA
        or (isinstance(v, str) and _NUMBER.fullmatch(v) is not None)
        for v in table["label"]
    )  # fmt: skip


def read_csv_export(text: str, metadata: str | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a :func:`to_csv` export: (table of strings, metadata dict).

    ``metadata`` is the companion JSON text (:func:`csv_metadata`); older exports
    that carried it in leading ``# key: value`` lines are read too. A hotspot's number
    comes back as the map shows it: ``label`` "#1.10" reads "1.10" (:data:`LABEL_MARK`).
    """
    lines = text.splitlines(keepends=True)
    meta: dict[str, Any] = json.loads(metadata) if metadata else {}
    n = 0
    while n < len(lines) and lines[n].startswith("# "):
        key, _, value = lines[n][2:].rstrip("\r\n").partition(": ")
        try:
            meta[key] = json.loads(value)
        except json.JSONDecodeError:
            meta[key] = value
        n += 1
    table = pd.read_csv(io.StringIO("".join(lines[n:])), dtype=str, keep_default_na=False)
    if "label" in table.columns:
        table["label"] = table["label"].str.replace(_MARKED_NUMBER, "", regex=True)
    return table, meta
