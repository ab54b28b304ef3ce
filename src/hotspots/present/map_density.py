"""A density surface (KDE grid in EPSG:27700) drawn as a PNG image overlay on the map.

:func:`density_overlay` rasterises the grid into Web Mercator pixels;
:func:`add_density` draws it on a folium map with its legend bar.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from typing import Any

import folium
import numpy as np

from hotspots.errors import InputError
from hotspots.methods.grid import Grid
from hotspots.present import palettes as P
from hotspots.present.map_elements import esc
from hotspots.present.map_geometry import MERCATOR_TO_BNG, MERCATOR_TO_WGS84, TO_MERCATOR
from hotspots.present.map_layers import Drawn
from hotspots.present.tables import format_number

__all__ = ["DensityImage", "add_density", "density_arrays", "density_overlay"]


@dataclass(frozen=True)
class DensityImage:
    """A density surface drawn as a PNG for a Leaflet ImageOverlay.

    Attributes
    ----------
    data_uri : ``data:image/png;base64,...``
    bounds : ``[[south, west], [north, east]]`` degrees (WGS84).
    vmax : the value drawn with the top colour (units of the input surface).
    size : (width, height) pixels of the PNG.
    png_bytes : size of the PNG (before base64, which adds a third).
    """

    data_uri: str
    bounds: list[list[float]]
    vmax: float
    size: tuple[int, int]
    png_bytes: int


def density_arrays(density: Any) -> tuple[Grid, np.ndarray]:
    """Return (grid, values) of a ``(Grid, values)`` pair or of a result with ``.grid``.

    The values are the result's ``.density`` (or ``.values`` / ``.surface``); cells outside
    ``.in_area`` (when given) are set to 0, so the surface is drawn inside the study area only.
    """
    if isinstance(density, tuple) and len(density) == 2:
        grid, values = density
    else:
        grid = getattr(density, "grid", None)
        values = next(
            (getattr(density, a) for a in ("density", "values", "surface") if hasattr(density, a)),
            None,
        )
    if not isinstance(grid, Grid) or values is None:
        raise InputError(
            "density",
            type(density).__name__,
            "a (Grid, values) pair or a result with .grid and .density (or .values)",
        )
    values = np.asarray(values, dtype="float64")
    if values.shape != grid.shape:
        raise InputError(
            "density",
            f"values of shape {values.shape}",
            f"shape {grid.shape} (grid rows, cols)",
        )
    in_area = getattr(density, "in_area", None)
    if isinstance(in_area, np.ndarray) and in_area.shape == grid.shape:
        values = np.where(in_area, values, 0.0)
    return grid, values


def density_overlay(
    grid: Grid,
    values: np.ndarray,
    *,
    palette: str = "viridis",
    levels: int = 32,
    max_pixels: int = 1_000_000,
) -> DensityImage:
    """Render a density grid (EPSG:27700) as a palette PNG warped to Web Mercator.

    Leaflet stretches an image overlay linearly in Web Mercator, while the grid is
    square in British National Grid metres (the two differ by a rotation of about
    0.1° and a scale change); each output pixel is therefore mapped back to the
    grid cell it falls in (nearest neighbour), so cells land within a pixel of
    their true place.

    Parameters
    ----------
    grid, values : the surface; ``values`` has shape ``grid.shape``, row 0 south.
    palette : ``"viridis"`` or ``"cividis"`` (:data:`hotspots.present.palettes.SEQUENTIAL`).
    levels : number of equal-interval colour classes between 0 and the maximum;
        the lowest class (below ``max / levels``) is transparent and the next
        classes up to a quarter of the range fade in.
    max_pixels : cap on width × height of the PNG.

    Returns
    -------
    DensityImage. Cost: one inverse projection per output pixel (~0.2 s per million).
    """
    if palette not in P.SEQUENTIAL:
        raise InputError("palette", palette, " or ".join(P.SEQUENTIAL))
    if not 2 <= int(levels) <= 255:
        raise InputError("levels", levels, "an integer from 2 to 255")
    c = grid.cell_size_m
    x0, y0 = grid.x0, grid.y0
    x1, y1 = x0 + grid.nx * c, y0 + grid.ny * c
    mx0, my0, mx1, my1 = TO_MERCATOR.transform_bounds(x0, y0, x1, y1, densify_pts=21)
    aspect = (my1 - my0) / (mx1 - mx0)
    width = max(1, grid.nx)
    height = max(1, round(width * aspect))
    scale = min(1.0, math.sqrt(max_pixels / (width * height)))
    width, height = max(1, int(width * scale)), max(1, int(height * scale))
    px = mx0 + (np.arange(width) + 0.5) * (mx1 - mx0) / width
    py = my1 - (np.arange(height) + 0.5) * (my1 - my0) / height
    gx, gy = np.meshgrid(px, py)
    bx, by = MERCATOR_TO_BNG.transform(gx.ravel(), gy.ravel())
    i, j, inside = grid.index_of(bx, by)
    v = np.full(bx.shape, np.nan)
    v[inside] = values[i[inside], j[inside]]
    finite = values[np.isfinite(values)]
    vmax = float(finite.max()) if finite.size else 0.0
    flat = np.zeros(v.shape, dtype=np.uint8)
    if vmax > 0:
        cls = np.ceil(np.nan_to_num(v, nan=0.0) / vmax * levels).astype(np.int64)
        flat = np.clip(cls - 1, 0, levels - 1).astype(np.uint8)  # class 1 (lowest) -> index 0
    idx = flat.reshape(height, width)
    rgb = P.ramp(np.linspace(0.0, 1.0, levels), P.SEQUENTIAL[palette])
    from PIL import Image

    img = Image.fromarray(idx)
    img.putpalette(rgb.ravel().tolist())
    buf = io.BytesIO()
    # Fade in over the lowest quarter of the classes: the low tail of a kernel
    # surface should not veil the whole map; class 1 is fully transparent.
    fade = max(1, levels // 4)
    alpha = bytes(min(255, round(255 * k / fade)) for k in range(levels))
    img.save(buf, format="PNG", optimize=True, transparency=alpha)
    png = buf.getvalue()
    # The overlay must cover exactly the Mercator box sampled above.
    (w, e), (s, n) = MERCATOR_TO_WGS84.transform([mx0, mx1], [my0, my1])
    return DensityImage(
        "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        [[float(s), float(w)], [float(n), float(e)]],
        vmax,
        (width, height),
        len(png),
    )


_OVERLAYS: dict[tuple[int, str], tuple[Any, DensityImage]] = {}


def _overlay_of(density: Any, palette: str) -> DensityImage:
    """:func:`density_overlay` of ``density``, remembered for the last few surface objects.

    A page drawn again on the same cached surface (a rerun) does not render it again.
    """
    key = (id(density), palette)
    hit = _OVERLAYS.get(key)
    if hit is not None and hit[0] is density:
        return hit[1]
    grid, values = density_arrays(density)
    img = density_overlay(grid, values, palette=palette)
    if len(_OVERLAYS) > 8:
        _OVERLAYS.clear()
    _OVERLAYS[key] = (density, img)  # holding the surface keeps its id from being reused
    return img


def add_density(m: folium.Map, density: Any, *, palette: str, label: str) -> Drawn:
    """Return the surface as an image overlay in its own pane beneath the vector layers.

    With a colour bar in the legend (``label``: its title and units, escaped).
    """
    folium.map.CustomPane("hs-density", z_index=350, pointer_events=False).add_to(m)
    img = _overlay_of(density, palette)
    folium.raster_layers.ImageOverlay(
        img.data_uri, img.bounds, name=esc(f"{label} (surface)"), opacity=0.75,
        pane="hs-density", pixelated=False, interactive=False,
    ).add_to(m)  # fmt: skip
    stops = ", ".join(P.SEQUENTIAL[palette])
    top = format_number(img.vmax, 0 if img.vmax >= 100 else 2)
    legend = (
        f"<h4>{esc(label)}</h4>"
        f'<div class="bar" style="background: linear-gradient(to right, {stops});"></div>'
        f'<div style="display:flex;justify-content:space-between"><span>low</span>'
        f"<span>{esc(top)}</span></div>"
    )
    note = (
        f"Density drawn as a {img.size[0]}×{img.size[1]} px image; the top colour is "
        f"{top}; the lowest quarter of the range fades to transparent."
    )
    return Drawn(legend=(legend,), notes=(note,))
