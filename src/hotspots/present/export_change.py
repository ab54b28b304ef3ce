"""The hotspot-change grid (Gi* in two periods) through the one exporter.

:func:`hotspots.comparison.change.hotspot_change` classes each grid cell as
``persistent``, ``emerging``, ``former`` or ``none``. This module writes that grid as
CSV (with its JSON sidecar), GeoJSON and JSON with the writers every other export
uses (:mod:`hotspots.present.exports`), so the change grid follows the same rules:

* **Disclosure control** (:func:`hotspots.present.disclosure.suppress_below_for`):
  a cell's ``count_a`` / ``count_b`` from 1 to 4 are withheld (``"<5"`` in CSV,
  ``null`` in GeoJSON and JSON). The summary written as the export's ``parameters``
  (:func:`change_summary`) withholds the records of each period (``count_a``,
  ``count_b``: a small area or a rare category can hold 1-4) and any "N records" in
  its notes; :meth:`~hotspots.comparison.change.HotspotChange.to_dict` itself gives
  them exactly, so no output writes it as it is.
* **Cells**: those hot in either period (``all_cells`` for every study cell), with the
  result's own columns, the cell centre in metres (``x_centre``, ``y_centre``,
  EPSG:27700) and, in CSV and JSON, ``lon`` / ``lat`` (WGS84) of a point inside the cell.
  A grid cell has no rank and no ``hotspot_id``, so no ``label`` column is written.

The CLI (``hotspots change``) calls :func:`change_export`; a page offering the grid as
a download would call it with the viewer's threshold and get the same files.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from hotspots.comparison.change import NONE
from hotspots.errors import InputError
from hotspots.present.disclosure import count_text, withhold_in_text
from hotspots.present.export_prep import check_suppress
from hotspots.present.exports import EXPORT_FORMATS, ExportFile, export_file, to_json
from hotspots.present.tables import is_suppressed

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd

    from hotspots.comparison.change import HotspotChange

__all__ = ["CHANGE_EXPORT_FORMATS", "change_cells", "change_export", "change_summary"]

#: formats the change grid is written in (``csv-json`` is the CSV's sidecar)
CHANGE_EXPORT_FORMATS: tuple[str, ...] = ("csv", "csv-json", "geojson", "json")


def change_cells(change: HotspotChange, *, all_cells: bool = False) -> gpd.GeoDataFrame:
    """Return the cells to export, with their centre in metres.

    Parameters
    ----------
    change : the result of :func:`hotspots.comparison.change.hotspot_change`.
    all_cells : every study cell; by default only those hot in either period (class
        other than ``none``).

    Returns
    -------
    GeoDataFrame (EPSG:27700): the grid's columns and ``x_centre``, ``y_centre``
    (metres, 0.1 m) of each cell's centre; exact counts (the exporter withholds).
    """
    grid = change.grid if all_cells else change.grid[change.grid["change"] != NONE]
    centre = grid.geometry.centroid
    return grid.assign(x_centre=centre.x.round(1), y_centre=centre.y.round(1))


def change_summary(
    change: HotspotChange,
    suppress_below: int | None,
    *,
    notes: Sequence[str] | None = None,
    dataset: str | None = None,
) -> dict[str, Any]:
    """Return what was done and how many cells fell in each class, under the disclosure rule.

    Parameters
    ----------
    change : the result.
    suppress_below : the threshold (:func:`hotspots.present.disclosure.suppress_below_for`).
    notes : the notes to write (default the result's); the CLI adds how the windows
        were chosen.
    dataset : the dataset's version, recorded when given.

    Returns
    -------
    :meth:`~hotspots.comparison.change.HotspotChange.to_dict` with ``count_a`` and
    ``count_b`` (records in each period) as ``"<5"`` when withheld and "N records" in
    the notes likewise. ``class_counts`` are numbers of cells, not of records: shown.
    """
    k = check_suppress(suppress_below)
    d = change.to_dict()
    for key in ("count_a", "count_b"):
        if is_suppressed(d[key], k):
            d[key] = count_text(d[key], k)
    d["notes"] = [withhold_in_text(n, k) for n in (change.notes if notes is None else notes)]
    if dataset is not None:
        d["dataset"] = dataset
    return d


def change_export(
    change: HotspotChange,
    fmt: str,
    *,
    suppress_below: int | None,
    all_cells: bool = False,
    notes: Sequence[str] | None = None,
    dataset: str | None = None,
    stem: str = "hotspot-change",
    generated: str | None = None,
) -> ExportFile:
    """Return the change grid written in ``fmt`` (one of :data:`CHANGE_EXPORT_FORMATS`).

    Parameters
    ----------
    change : the result of :func:`hotspots.comparison.change.hotspot_change`.
    fmt : ``"csv"``, ``"csv-json"`` (the CSV's sidecar: parameters, disclosure,
        attribution, columns), ``"geojson"`` or ``"json"``.
    suppress_below : the threshold from
        :func:`hotspots.present.disclosure.suppress_below_for` (no default: every
        caller says whose counts these are).
    all_cells, notes, dataset : as :func:`change_cells` and :func:`change_summary`.
    stem, generated : the file name's stem and the time stamped on it (default now).

    Returns
    -------
    ExportFile
        Written by :func:`hotspots.present.exports.export_file` (CSV, its sidecar,
        GeoJSON) or :func:`hotspots.present.exports.to_json` (JSON, the cells under
        ``"cells"``), with :func:`change_summary` as the ``parameters``.
    """
    if fmt not in CHANGE_EXPORT_FORMATS:
        raise InputError("fmt", fmt, f"one of {', '.join(CHANGE_EXPORT_FORMATS)}")
    k = check_suppress(suppress_below)
    cells = change_cells(change, all_cells=all_cells)
    summary = change_summary(change, k, notes=notes, dataset=dataset)
    when = generated or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    if fmt != "json":
        return export_file(
            cells, fmt, stem=stem, parameters=summary, suppress_below=k,
            title="Hotspot change", generated=when,
        )  # fmt: skip
    text = to_json(cells, parameters=summary, suppress_below=k, generated=when, rows_key="cells")
    suffix, mime, label = EXPORT_FORMATS["json"]
    return ExportFile(stem + suffix, text, mime, label)
