"""Colour-blind-safe palettes, in one place.

* Sequential (density): viridis and cividis (van der Walt and Smith 2015; Nuñez,
  Anderton and Renslow 2018), perceptually uniform and readable with the common
  colour-vision deficiencies. Stops are sampled from matplotlib's 256-entry tables
  and linearly interpolated in sRGB.
* Diverging (Gi* classes): ColorBrewer RdBu, 7 classes (Brewer 2003; Harrower and
  Brewer 2003), red = hot, blue = cold, marked colour-blind safe by ColorBrewer.
* Qualitative (categories, series): Okabe and Ito (2008), eight colours.

References
----------
Brewer, C. A. (2003). ColorBrewer, www.ColorBrewer.org.
Harrower, M. and Brewer, C. A. (2003). ColorBrewer.org: an online tool for selecting
colour schemes for maps. The Cartographic Journal 40(1), 27–37.
Nuñez, J. R., Anderton, C. R. and Renslow, R. S. (2018). Optimizing colormaps with
consideration for color vision deficiency. PLoS ONE 13(7), e0199239.
Okabe, M. and Ito, K. (2008). Color Universal Design (CUD): how to make figures and
presentations that are friendly to colorblind people. jfly.uni-koeln.de/color/.
van der Walt, S. and Smith, N. (2015). A better default colormap for matplotlib. SciPy 2015.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "AREA_OUTLINE",
    "BOUNDARY_COLOUR",
    "CHANGE_CLASSES",
    "CHANGE_COLOURS",
    "CHANGE_LABELS",
    "CIVIDIS",
    "GI_CLASSES",
    "GI_COLOURS",
    "HOTSPOT_OUTLINE",
    "OKABE_ITO",
    "POINT_COLOUR",
    "RDBU_7",
    "SELECTED_OUTLINE",
    "SEQUENTIAL",
    "VIRIDIS",
    "gi_class_label",
    "hex_to_rgb",
    "ramp",
    "series_colours",
]

# matplotlib viridis sampled at 20 equally spaced positions (as shipped by branca).
VIRIDIS: tuple[str, ...] = (
    "#440154", "#481567", "#482677", "#453781", "#404788", "#39568C", "#33638D",
    "#2D708E", "#287D8E", "#238A8D", "#1F968B", "#20A387", "#29AF7F", "#3CBB75",
    "#55C667", "#73D055", "#95D840", "#B8DE29", "#DCE319", "#FDE725",
)  # fmt: skip

# matplotlib cividis (_cm_listed.py) entries 0, 32, 64, ..., 224, 255.
_CIVIDIS_RGB = (
    (0.000000, 0.135112, 0.304751),
    (0.103401, 0.220406, 0.435790),
    (0.263738, 0.307831, 0.422789),
    (0.380830, 0.395164, 0.435653),
    (0.488697, 0.485318, 0.471008),
    (0.609105, 0.579816, 0.463638),
    (0.736488, 0.680629, 0.424028),
    (0.870717, 0.789572, 0.343333),
    (0.995737, 0.909344, 0.217772),
)
CIVIDIS: tuple[str, ...] = tuple(
    "#{:02X}{:02X}{:02X}".format(*(round(c * 255) for c in rgb)) for rgb in _CIVIDIS_RGB
)

SEQUENTIAL: dict[str, tuple[str, ...]] = {"viridis": VIRIDIS, "cividis": CIVIDIS}

# ColorBrewer RdBu, 7 classes, reversed so that index 0 is the coldest.
RDBU_7: tuple[str, ...] = (
    "#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b",
)  # fmt: skip

# Gi* classes, coded like ArcGIS's Gi_Bin: -3..3 = cold 99%, 95%, 90%, not
# significant, hot 90%, 95%, 99% confidence.
GI_CLASSES: dict[int, str] = {
    -3: "Cold spot, 99% confidence",
    -2: "Cold spot, 95% confidence",
    -1: "Cold spot, 90% confidence",
    0: "Not significant",
    1: "Hot spot, 90% confidence",
    2: "Hot spot, 95% confidence",
    3: "Hot spot, 99% confidence",
}
GI_COLOURS: dict[int, str] = {code: RDBU_7[code + 3] for code in GI_CLASSES}

# Okabe–Ito: black, orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple.
OKABE_ITO: tuple[str, ...] = (
    "#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
)  # fmt: skip

HOTSPOT_OUTLINE = "#D55E00"  # Okabe–Ito vermillion
AREA_OUTLINE = "#000000"
POINT_COLOUR = "#0072B2"  # Okabe–Ito blue
BOUNDARY_COLOUR = "#555555"
SELECTED_OUTLINE = "#000000"  # the chosen hotspot: black, thicker

# Hotspot change classes (this period against the comparison period), Okabe–Ito.
CHANGE_CLASSES: tuple[str, ...] = (
    "new", "growing", "persistent", "shrinking", "gone", "too few to tell",
)  # fmt: skip
CHANGE_COLOURS: dict[str, str] = {
    "new": "#D55E00",  # vermillion
    "growing": "#E69F00",  # orange
    "persistent": "#CC79A7",  # reddish purple
    "shrinking": "#56B4E9",  # sky blue
    "gone": "#0072B2",  # blue
    "too few to tell": "#999999",  # grey: no counterpart, change not distinguishable from none
}
CHANGE_LABELS: dict[str, str] = {
    "new": "New (not a hotspot before)",
    "growing": "Growing",
    "persistent": "Persistent",
    "shrinking": "Shrinking",
    "gone": "Gone (a hotspot before, not now)",
    "too few to tell": "Too few records to tell (no counterpart; change unclear)",
}


def gi_class_label(code: int) -> str:
    """Return the words for a Gi* class code (-3..3)."""
    return GI_CLASSES[int(code)]


def series_colours(n: int) -> list[str]:
    """``n`` Okabe–Ito colours for categorical series (black last, it reads as text).

    Beyond seven series colours repeat: group small categories into "Other" first.
    """
    order = [*list(OKABE_ITO[1:]), OKABE_ITO[0]]
    return [order[i % len(order)] for i in range(max(0, int(n)))]


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """'#RRGGBB' -> (r, g, b) integers 0-255."""
    c = colour.lstrip("#")
    if len(c) != 6:
        msg = f"not a #RRGGBB colour: {colour!r}"
        raise ValueError(msg)
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def ramp(t: np.ndarray, stops: tuple[str, ...] | list[str] = VIRIDIS) -> np.ndarray:
    """Colours for values ``t`` in [0, 1] by linear interpolation between equally spaced stops.

    Parameters
    ----------
    t : array of floats, any shape; values are clipped to [0, 1], NaN maps to 0.
    stops : hex colours, first for 0 and last for 1.

    Returns
    -------
    uint8 array of shape ``t.shape + (3,)``.
    """
    t = np.nan_to_num(np.clip(np.asarray(t, dtype="float64"), 0.0, 1.0))
    rgb = np.array([hex_to_rgb(s) for s in stops], dtype="float64")
    pos = np.linspace(0.0, 1.0, len(stops))
    out = np.stack([np.interp(t, pos, rgb[:, k]) for k in range(3)], axis=-1)
    return np.round(out).astype(np.uint8)
