"""Gi* hot and cold spots on the map: class codes decoded from a result's grid, drawn by class.

Codes are -3..3 like ArcGIS ``Gi_Bin`` (Getis and Ord 1992; Ord and Getis 1995);
:func:`gistar_codes` reads them from ``gi_class`` labels, ``gi_bin`` codes, or a
z-score and a p-value column; :func:`add_gistar` merges the cells of each class and
draws them in ColorBrewer RdBu (:data:`hotspots.present.palettes.GI_COLOURS`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.errors import InputError
from hotspots.present import palettes as P
from hotspots.present.map_elements import GeoJsonLayer, esc
from hotspots.present.map_geometry import check_metres, to_wgs84_geoms
from hotspots.present.map_layers import Drawn

if TYPE_CHECKING:
    import folium

__all__ = ["add_gistar", "classify_gistar", "gistar_codes", "gistar_grid"]

_Z_COLUMNS = ("gi_z", "gistar", "z", "z_score", "zscore")
_P_COLUMNS = ("p_adjusted", "p_value", "pvalue", "p")
_GI_LABEL = re.compile(r"^\s*(hot|cold)\b.*?(99|95|90)\s*%", re.IGNORECASE)


def classify_gistar(z: Any, p: Any) -> np.ndarray:
    """Gi* class codes -3..3 (like ArcGIS Gi_Bin) from z-scores and p-values.

    ``sign(z) * 3`` where ``p < 0.01``, ``* 2`` where ``p < 0.05``, ``* 1`` where
    ``p < 0.10`` (strict, as :func:`hotspots.methods.gistar.classify_gi`), else 0
    (Getis and Ord 1992; Ord and Getis 1995). The p-values are used as given:
    pass FDR-adjusted ones to classify after correction.

    Returns
    -------
    int8 array, the shape of ``z``. NaN z or p -> 0.
    """
    z = np.asarray(z, dtype="float64")
    p = np.asarray(p, dtype="float64")
    with np.errstate(invalid="ignore"):
        level = np.select([p < 0.01, p < 0.05, p < 0.10], [3, 2, 1], default=0)
    code = np.sign(np.nan_to_num(z)) * level
    code[~(np.isfinite(z) & np.isfinite(p))] = 0
    return code.astype(np.int8)


def gistar_codes(gistar: gpd.GeoDataFrame) -> np.ndarray:
    """Class codes from ``gi_class`` labels ("Hot 99%"), ``gi_bin`` codes, or z and p."""
    if "gi_class" in gistar.columns:
        out = np.zeros(len(gistar), dtype=np.int8)
        for i, label in enumerate(gistar["gi_class"].astype("string").fillna("")):
            m = _GI_LABEL.match(label)
            if m:
                level = {"99": 3, "95": 2, "90": 1}[m.group(2)]
                out[i] = level if m.group(1).lower() == "hot" else -level
        return out
    if "gi_bin" in gistar.columns:
        codes = pd.to_numeric(gistar["gi_bin"], errors="coerce").fillna(0).to_numpy()
        if not np.isin(codes, list(P.GI_CLASSES)).all():
            raise InputError("gistar", "gi_bin values outside -3..3", "Gi* class codes -3..3")
        return codes.astype(np.int8)
    zc = next((c for c in _Z_COLUMNS if c in gistar.columns), None)
    pc = next((c for c in _P_COLUMNS if c in gistar.columns), None)
    if zc is None or pc is None:
        raise InputError(
            "gistar",
            f"columns {list(gistar.columns)}",
            "a 'gi_class' column, a 'gi_bin' column (-3..3) or a z-score and a p-value column",
            f"z-score column names tried: {_Z_COLUMNS}; p-value: {_P_COLUMNS}.",
        )
    return classify_gistar(gistar[zc].to_numpy(), gistar[pc].to_numpy())


def gistar_grid(gistar: Any) -> gpd.GeoDataFrame:
    """Return the grid of cells of a :class:`hotspots.methods.gistar.GiStarResult`.

    Or the GeoDataFrame itself; checked to be in EPSG:27700.
    """
    if not isinstance(gistar, gpd.GeoDataFrame) and isinstance(
        getattr(gistar, "grid", None),
        gpd.GeoDataFrame,
    ):
        gistar = gistar.grid
    return check_metres(gistar, "gistar")


def add_gistar(m: folium.Map, gistar: Any, *, show_nonsignificant: bool = False) -> Drawn:
    """Cells of each Gi* class merged into one shape, coloured by class.

    Their count is the tooltip; not-significant cells only with ``show_nonsignificant``.
    """
    g = gistar_grid(gistar)
    codes = gistar_codes(g)
    keep_codes = [c for c in sorted(P.GI_CLASSES, reverse=True) if show_nonsignificant or c != 0]
    geoms, props, tips = [], [], []
    for code in keep_codes:
        sel = codes == code
        if not sel.any():
            continue
        geoms.append(shapely.coverage_union_all(g.geometry.values[sel]))
        props.append({"gi_bin": int(code)})
        tips.append(esc(f"{P.gi_class_label(code)} ({int(sel.sum()):,} cells)"))
    if geoms:
        styles = {
            str(c): {"color": P.GI_COLOURS[c], "weight": 0.5, "fillColor": P.GI_COLOURS[c],
                     "fillOpacity": 0.55, "opacity": 0.8}
            for c in P.GI_CLASSES
        }  # fmt: skip
        GeoJsonLayer(
            to_wgs84_geoms(geoms), props, name="Gi* hot and cold spots", style=styles,
            style_by="gi_bin", tooltips=tips,
        ).add_to(m)  # fmt: skip
    present = [c for c in keep_codes if (codes == c).any()]
    legend = "<h4>Gi* hot and cold spots</h4>" + "".join(
        f'<div><span class="sw" style="background:{P.GI_COLOURS[c]}"></span>'
        f"{esc(P.gi_class_label(c))}</div>"
        for c in (present or keep_codes)
    )
    return Drawn(legend=(legend,))
