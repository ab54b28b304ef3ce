"""Find a street, a place or a ward by name, forgiving abbreviations and typing slips.

The index holds the dataset's own street names (police.uk location texts, via
:class:`hotspots.present.streets.StreetLayer`), the gazetteer's named places and the
ward names, each with where it is (metres). Queries and names are normalised the
same way (case, punctuation, "rd" → "road", "st" at the end → "street", ...) and
scored by :class:`difflib.SequenceMatcher` (Ratcliff and Obershelp's matching
subsequences), with a bonus for a whole-word prefix, so "old christchurch rd"
finds Old Christchurch Road.

References
----------
Ratcliff, J. W. and Metzener, D. E. (1988). Pattern matching: the Gestalt approach.
Dr. Dobb's Journal 13(7), 46.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shapely

from hotspots.data import schema as S

if TYPE_CHECKING:
    import geopandas as gpd

    from hotspots.present.streets import StreetLayer

__all__ = ["ABBREVIATIONS", "Match", "SearchIndex", "build_index", "normalise", "search"]

#: street-type abbreviations, expanded where they end a name ("Old Christchurch Rd")
ABBREVIATIONS = {
    "rd": "road", "st": "street", "ave": "avenue", "av": "avenue", "ln": "lane",
    "cl": "close", "cres": "crescent", "cr": "crescent", "dr": "drive", "gdns": "gardens",
    "gds": "gardens", "pl": "place", "sq": "square", "pde": "parade", "ter": "terrace",
    "terr": "terrace", "ct": "court", "gr": "grove", "hl": "hill", "wy": "way", "pk": "park",
}  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+")
KINDS = ("street", "place", "ward")


def normalise(text: str) -> str:
    """Lower case words without punctuation.

    A street-type abbreviation that ends the text is written out ("Old Christchurch Rd." → "old
    christchurch road"); "saint" becomes "st" and the possessive "'s" is dropped (police.uk writes
    "St Michael'S Road").
    """
    words = _WORD.findall(str(text).lower().replace("'s ", " ").replace("\u2019s ", " "))
    words = ["st" if w == "saint" else w for w in words]
    if words and words[-1] in ABBREVIATIONS and len(words) > 1:
        words[-1] = ABBREVIATIONS[words[-1]]
    return " ".join(words)


@dataclass(frozen=True)
class Match:
    """One search result: ``name`` as written, ``kind`` (street / place / ward), ``score`` (0–1).

    And ``bounds`` ``(x0, y0, x1, y1)`` in metres to zoom to.
    """

    name: str
    kind: str
    score: float
    bounds: tuple[float, float, float, float]

    @property
    def label(self) -> str:
        """The name with its kind, as the search box lists it."""
        return f"{self.name} ({self.kind})"


@dataclass(frozen=True)
class SearchIndex:
    """Names to search: ``(normalised, name, kind, bounds)`` each."""

    entries: tuple[tuple[str, str, str, tuple[float, float, float, float]], ...]

    def __len__(self) -> int:
        """Return the number of entries in the index."""
        return len(self.entries)


def build_index(
    streets: StreetLayer | None = None,
    gazetteer: gpd.GeoDataFrame | None = None,
    wards: gpd.GeoDataFrame | None = None,
    *,
    margin_m: float = 150.0,
) -> SearchIndex:
    """Return the search index of streets (all pieces of one name together), places and wards.

    ``margin_m`` is added around a street or place so that zooming to it shows its
    surroundings.
    """
    entries: list[tuple[str, str, str, tuple[float, float, float, float]]] = []
    if streets is not None and len(streets):
        s = streets.streets
        for name, geoms in s.groupby("street", sort=False).geometry:
            x0, y0, x1, y1 = shapely.union_all(geoms.values).buffer(margin_m).bounds
            entries.append((normalise(name), str(name), "street", (x0, y0, x1, y1)))
    if gazetteer is not None and len(gazetteer):
        col = "place" if "place" in gazetteer.columns else "name"
        for name, g in zip(gazetteer[col], gazetteer.geometry, strict=True):
            x0, y0, x1, y1 = g.buffer(2 * margin_m).bounds
            entries.append((normalise(name), str(name), "place", (x0, y0, x1, y1)))
    if wards is not None and len(wards):
        for name, g in zip(wards[S.WARD_NAME], wards.geometry, strict=True):
            x0, y0, x1, y1 = g.bounds
            entries.append((normalise(name), str(name), "ward", (x0, y0, x1, y1)))
    return SearchIndex(tuple(entries))


def _score(q: str, name: str) -> float:
    if not q or not name:
        return 0.0
    if q == name:
        return 1.0
    r = difflib.SequenceMatcher(None, q, name, autojunk=False).ratio()
    if name.startswith(q) or f" {q}" in f" {name}":
        r = max(r, 0.75 + 0.2 * len(q) / len(name))
    return r


def search(
    index: SearchIndex,
    query: str,
    *,
    limit: int = 5,
    min_score: float = 0.6,
) -> list[Match]:
    """Return the best matches for ``query``, best first; none scoring under ``min_score``.

    Streets come before places before wards on equal scores. O(n) in the index size.
    """
    q = normalise(query)
    if not q:
        return []
    scored = [
        Match(name, kind, round(_score(q, norm), 4), bounds)
        for norm, name, kind, bounds in index.entries
    ]
    scored = [m for m in scored if m.score >= min_score]
    scored.sort(key=lambda m: (-m.score, KINDS.index(m.kind), m.name))
    return scored[: max(0, int(limit))]
