"""The zones of an evaluation: the target, a ring around it and a control (EPSG:27700).

The ring is where crime could be displaced to, or benefits diffuse to
(Bowers and Johnson 2003): ``target.buffer(buffer_m) - target`` clipped to BCP.
The control is the given area (default BCP) minus the target and the ring.

References
----------
Bowers, K. J. and Johnson, S. D. (2003). Measuring the geographical displacement
and diffusion of benefit effects of crime prevention activity. Journal of
Quantitative Criminology 19(3), 275-301.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from hotspots.data.areas import Area, area_mask, resolve_area
from hotspots.data.boundaries import load_boundaries
from hotspots.errors import InputError
from hotspots.validation import METRES_OR_ZERO, validate_params

__all__ = ["DEFAULT_BUFFER_M", "Zones", "evaluation_zones"]

#: Default width of the ring around the target, metres (about a five-minute walk).
DEFAULT_BUFFER_M = 400.0


@dataclass(frozen=True)
class Zones:
    """Target, buffer ring and control geometries (EPSG:27700).

    The ring is ``target.buffer(buffer_m) - target`` clipped to BCP; the
    control is the given area (default BCP) minus the target and ring.
    """

    target: Area
    buffer: shapely.Geometry
    control: Area
    buffer_m: float
    notes: tuple[str, ...]

    @property
    def buffer_area_km2(self) -> float:
        """Area of the ring, km²."""
        return float(self.buffer.area) / 1e6

    def zone_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """0 target, 1 ring, 2 control, -1 elsewhere, for points in metres (unique locations)."""
        out = np.full(len(x), -1, dtype=np.int8)
        out[area_mask(x, y, self.control)] = 2
        if not self.buffer.is_empty:
            ring = Area("ring", "polygon", "ring", self.buffer)
            out[area_mask(x, y, ring)] = 1
        out[area_mask(x, y, self.target)] = 0
        return out


@validate_params({"buffer_m": [METRES_OR_ZERO]}, {"buffer_m": "For example 400."})
def evaluation_zones(
    target: Area | str,
    *,
    buffer_m: float = DEFAULT_BUFFER_M,
    control: Area | str | None = None,
) -> Zones:
    """Build the target, ring and control of an evaluation (see :class:`Zones`)."""
    b = load_boundaries()
    t = resolve_area(target, b)
    if t.kind == "bcp":
        raise InputError(
            "target",
            "bcp",
            "an area smaller than BCP",
            "For example town-centre or a ward.",
        )
    notes: list[str] = []
    tgeom = shapely.intersection(t.geometry, b.outline)
    if tgeom.area < t.geometry.area * 0.999:
        notes.append(f"the target was clipped to the BCP boundary ({t.name})")
        t = Area(t.name, t.kind, t.spec, tgeom)
    outer = t.geometry.buffer(buffer_m) if buffer_m > 0 else t.geometry
    ring = shapely.intersection(shapely.difference(outer, t.geometry), b.outline)
    c = resolve_area(control, b)
    cgeom = shapely.difference(shapely.intersection(c.geometry, b.outline), outer)
    if c.kind != "bcp" and cgeom.area < c.geometry.area * 0.999:
        notes.append(f"the parts of the control ({c.name}) inside the target or ring were left out")
    if cgeom.is_empty:
        raise InputError(
            "control",
            c.spec,
            "an area outside the target and its ring",
            "Choose other wards or a smaller ring.",
        )
    cname = "the rest of BCP" if c.kind == "bcp" else c.name
    control_area = Area(cname, c.kind, c.spec, cgeom)
    return Zones(t, ring, control_area, float(buffer_m), tuple(notes))
