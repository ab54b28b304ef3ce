"""Label placement for printed maps: no two labels overprint, moved ones get a leader line.

A greedy pass in priority order (Imhof's rule of thumb: the most important name is
placed first and keeps its place): each label tries its preferred positions around
its anchor, then, if it must be shown (a rank number), rings of positions further
out, joined to its anchor by a leader line; a label that may be left out (a place
or street name) is dropped when all its positions near the anchor are taken.
Coordinates are page units (SVG pixels or PDF millimetres) with v pointing down.

References
----------
Christensen, J., Marks, J. and Shieber, S. (1995). An empirical study of algorithms
for point-feature label placement. ACM Transactions on Graphics 14(3), 203-232
(greedy placement with candidate positions; the baseline their methods improve).
Imhof, E. (1975). Positioning names on maps. The American Cartographer 2(2), 128-144.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Label", "Placed", "layout_labels", "overlaps", "text_width"]

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Label:
    """A label to place.

    Attributes
    ----------
    x, y : the anchor (page units, v down): the point the label names.
    w, h : the label's box size.
    text : what it says.
    kind : ``"disc"`` (centred on the anchor: rank numbers) or ``"point"`` (beside a
        dot at the anchor: place and street names).
    required : True: always placed, moved as far as needed; False: dropped when no
        position near the anchor is free.
    """

    x: float
    y: float
    w: float
    h: float
    text: str
    kind: str = "point"
    required: bool = False


@dataclass(frozen=True)
class Placed:
    """A placed label: the centre of its box, and whether it moved off its anchor.

    If it moved, draw a leader line from ``(label.x, label.y)`` to ``(cx, cy)``.
    """

    label: Label
    cx: float
    cy: float
    moved: bool

    @property
    def box(self) -> Box:
        """The label's box ``(x0, y0, x1, y1)`` around its placed centre."""
        w, h = self.label.w / 2, self.label.h / 2
        return (self.cx - w, self.cy - h, self.cx + w, self.cy + h)


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Return a generous width estimate of ``text`` at font ``size`` (same units).

    For a sans-serif font (DejaVu Sans / Arial): 0.62 em a character, 0.7 em bold.
    """
    return len(text) * size * (0.7 if bold else 0.62)


def overlaps(a: Box, b: Box, gap: float = 0.0) -> bool:
    """Whether two boxes ``(x0, y0, x1, y1)`` overlap (or come closer than ``gap``)."""
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def _candidates(lab: Label, step_max: int) -> list[tuple[float, float, bool]]:
    """(cx, cy, moved) positions in order of preference."""
    x, y, w, h = lab.x, lab.y, lab.w, lab.h
    if lab.kind == "disc":
        near = [(x, y, False)]
    else:  # beside the dot: right, left, above, below, then the diagonals
        d = 2.0
        near = [
            (x + w / 2 + d, y, False), (x - w / 2 - d, y, False),
            (x, y - h / 2 - d, False), (x, y + h / 2 + d, False),
            (x + w / 2 + d, y - h / 2 - d / 2, False), (x - w / 2 - d, y - h / 2 - d / 2, False),
            (x + w / 2 + d, y + h / 2 + d / 2, False), (x - w / 2 - d, y + h / 2 + d / 2, False),
        ]  # fmt: skip
    if not lab.required:
        return near
    out = list(near)
    for step in range(1, step_max + 1):
        for k in range(12):
            a = 2 * math.pi * k / 12 + 0.3 * step
            out.append(
                (
                    x + math.cos(a) * step * (w * 0.8 + 2),
                    y + math.sin(a) * step * (h * 0.8 + 2),
                    True,
                ),
            )
    return out


def layout_labels(
    labels: Sequence[Label],
    *,
    bounds: Box | None = None,
    obstacles: Sequence[Box] = (),
    gap: float = 0.5,
    step_max: int = 20,
) -> list[Placed | None]:
    """Place labels greedily in the order given; None for a label left out.

    Parameters
    ----------
    labels : in priority order (put required ones first).
    bounds : the page box ``(x0, y0, x1, y1)`` every label must stay inside (None: any).
    obstacles : boxes no label may cover (a legend, a scale bar).
    gap : the least space between two labels (page units).
    step_max : how many rings a required label may move out.

    Returns
    -------
    One :class:`Placed` (or None) per label, in the input order. A required label
    with no free position anywhere is placed on its anchor anyway (check with
    :func:`overlaps`); with the default 20 rings this needs a very crowded page.
    O(n²) in the number of labels: fine for the hundreds a printed map holds.
    """
    placed: list[Box] = list(obstacles)
    out: list[Placed | None] = []
    for lab in labels:
        got = None
        for cx, cy, moved in _candidates(lab, step_max):
            p = Placed(lab, cx, cy, moved)
            b = p.box
            if bounds is not None and not (
                bounds[0] <= b[0] and b[2] <= bounds[2] and bounds[1] <= b[1] and b[3] <= bounds[3]
            ):
                continue
            if any(overlaps(b, q, gap) for q in placed):
                continue
            got = p
            break
        if got is None and lab.required:
            got = Placed(lab, lab.x, lab.y, False)
        if got is not None:
            placed.append(got.box)
        out.append(got)
    return out
