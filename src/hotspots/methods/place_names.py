"""How a hotspot is named: a place from the gazetteer, its streets, never a number.

Naming rule (documented for users)
----------------------------------
police.uk does not publish addresses: every record is moved to an anonymised
map point, labelled with a street ("On or near Old Christchurch Road") or with a
generic label ("On or near Supermarket"). A hotspot's *busiest location* is the
map point holding most of its records. Names point at that point:

1. **A named place** from the gazetteer (``geodata/bcp_named_places.csv`` plus any
   user file, see :func:`hotspots.data.boundaries.load_gazetteer`) is *considered*
   when it lies inside the hotspot or within ``name_within_m`` (default 100 m) of
   its busiest location or of its record-weighted centre (the ``places`` column
   lists these, nearest the busiest location first). The nearest of them names
   the hotspot, but only if it is within 1.5 x ``name_within_m`` (150 m) of the
   busiest location: a name must point where the records are, not at a landmark
   at the far end of a large hotspot ("Poole Bus Station").
2. **Otherwise the hotspot's own streets**: its police.uk street texts (without
   "On or near") ranked by records; the leading street, and the second when it
   holds at least 20% of the hotspot's records
   ("Old Christchurch Road & Lansdowne Crescent").
3. **Generic labels** (Supermarket, Parking Area, Shopping Area, Nightclub, ...:
   :data:`GENERIC_LOCATIONS`) do not say where they are. When the busiest location
   is a generic point holding more records than the leading street, the name is
   the label, the nearest named street (the nearest police.uk map point with a
   street text, within 300 m) and the ward: "Supermarket, Wimborne Road, Winton East".
4. **No two hotspots in one result share a name.** Hotspots whose names clash are
   told apart by their wards when those differ, otherwise each adds its next
   street (its own next street by records, then the streets within 300 m nearest
   its busiest location; at most two), and as a last resort the Ordnance Survey
   grid reference of the busiest location ("High Street, grid ref SZ 0800 9100").
   Overlapping hotspots that share their busiest location take the grid reference
   of a point inside each. Never by a number.

Street texts are written as police.uk gives them, except that "St Paul'S" becomes
"St Paul's". Ties are broken by records, then alphabetically, then by coordinates, so the
same records always give the same names. A hotspot without records is
"Unnamed area".

Caveats: a hotspot smaller across than the usual spacing of police.uk map points
(:data:`SNAP_SPACING_M`), or whose records all sit at one map point, carries a
plain-English note in ``caveat`` that police.uk locations are anonymised map
points, not addresses.

All work is done on distinct locations: one point-in-polygon test per location,
never per record.


References
----------
data.police.uk, "About: anonymisation of crime locations" (snap points and their
generic labels), https://data.police.uk/about/#location-anonymisation
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely

from hotspots.data import schema as S
from hotspots.methods.neighbours import PointGrid

if TYPE_CHECKING:
    import geopandas as gpd

    from hotspots.data.points import WeightedPoints

NAME_WITHIN_M = 100.0
"""Default distance (metres): a gazetteer place this close to a hotspot's busiest
location or record-weighted centre (or inside it) is considered for its name."""

PLACE_FROM_BUSIEST = 1.5
"""A considered place names the hotspot only within this multiple of
``name_within_m`` of the busiest location (150 m by default)."""

PLACES = S.PLACES
"""Extra column: gazetteer places considered for the name, nearest the busiest location first."""

SECOND_STREET_SHARE = 0.2
"""A second street joins the name ("A & B") when it holds at least this share of the records."""

NEAREST_STREET_WITHIN_M = 300.0
"""A generic label is qualified by the nearest street only within this distance
(metres); clashing names take extra streets only from within it too."""

SNAP_SPACING_M = 75.0
"""Usual spacing of police.uk map points in BCP (metres). Measured on the bundled
months: of 5,231 distinct BCP map points, half have another within 31 m and three
quarters within 77 m. A hotspot narrower than this is a caveat."""

ANONYMISATION_NOTE = (
    "police.uk locations are anonymised map points, not addresses: each record is moved "
    'to the nearest of a fixed set of points (a street, or a place such as "Supermarket"), '
    "so a hotspot shows where records were mapped, to within about a street."
)
"""One sentence for map legends and exports (the ``caveat`` column says it per hotspot)."""

GENERIC_LOCATIONS: frozenset[str] = frozenset(
    {
        "Airport/Airfield",
        "Bus/Coach Station",
        "Conference/Exhibition Centre",
        "Ferry Terminal",
        "Further/Higher Educational Building",
        "Hospital",
        "Motorway Service Area",
        "Nightclub",
        "Park/Open Space",
        "Parking Area",
        "Pedestrian Subway",
        "Petrol Station",
        "Police Station",
        "Prison",
        "Shopping Area",
        "Sports/Recreation Area",
        "Supermarket",
        "Theatre/Concert Hall",
        "Theme/Adventure Park",
    },
)
"""police.uk's generic snap-point labels, as found in the bundled Dorset months
(every location text without a street that police.uk uses for a kind of place).
A hotspot led by one of them is qualified by the nearest street and the ward."""

#: police.uk's prefix on every location text ("On or near Old Christchurch Road").
LOCATION_PREFIX = "On or near "
#: Regular expression for police.uk's capital after an apostrophe ("St Paul'S Place").
CAPITAL_S = r"'S\b"
#: Locations listed per hotspot by default.
TOP_N_LOCATIONS = 3
_NEARBY_STREETS = 12  # streets near the busiest location tried when names clash
_MAX_ADDED_STREETS = 2


def street_text(location: str) -> str:
    """police.uk location text without its "On or near " prefix ("" for a missing text).

    police.uk capitalises after an apostrophe ("St Paul'S Place"); that is undone.
    """
    if not isinstance(location, str):
        return ""
    return re.sub(CAPITAL_S, "'s", location.removeprefix(LOCATION_PREFIX))


@dataclass
class _Name:
    """The parts of one hotspot's name; :meth:`render` joins them."""

    kind: str  # "place", "streets", "generic" or "unnamed"
    lead: str  # the place or the generic label ("" for streets / unnamed)
    streets: list[str]
    ward: str | None
    spare: list[str]  # streets to add, in order, when the name clashes
    anchor: tuple[float, float]  # busiest location (or ``inside`` for an empty polygon)
    inside: tuple[float, float]  # a point inside the polygon
    show_ward: bool = False
    grid: str = ""
    added: int = 0  # streets added to tell it apart

    def render(self) -> str:
        parts = [self.lead, " & ".join(self.streets)]
        if self.kind == "unnamed":
            parts[0] = "Unnamed area"
        if (self.show_ward or self.kind == "generic") and self.ward:
            parts.append(self.ward)
        if self.grid:
            parts.append(f"grid ref {self.grid}")
        return ", ".join(p for p in parts if p)

    def add_street(self) -> bool:
        while self.spare:
            s = self.spare.pop(0)
            if s not in self.streets and s != self.lead:
                self.streets.append(s)
                self.added += 1
                return True
        return False


@dataclass(frozen=True)
class _Description:
    names: list[str]
    places: list[str]
    busiest_text: list[str]
    busiest_x: np.ndarray
    busiest_y: np.ndarray
    n_locations: np.ndarray
    caveats: list[str]


def _grid_ref(x: float, y: float, digits: int = 4) -> str:
    """Ordnance Survey grid reference ("SZ 0812 9134" for 4 digits an axis, 10 m)."""
    e100, n100 = int(x // 100_000), int(y // 100_000)
    if not (0 <= e100 < 7 and 0 <= n100 < 13):
        return f"{x:.0f} {y:.0f}"
    l1 = (19 - n100) - (19 - n100) % 5 + (e100 + 10) // 5
    l2 = (19 - n100) * 5 % 25 + e100 % 5
    letters = "".join(chr(ord("A") + v + (v > 7)) for v in (l1, l2))  # no letter I
    scale = 10 ** (5 - digits)
    e, n = int(x % 100_000) // scale, int(y % 100_000) // scale
    return f"{letters} {e:0{digits}d} {n:0{digits}d}"


def grid_ref(x: float, y: float, digits: int = 4) -> str:
    """Ordnance Survey grid reference of (x, y) metres, EPSG:27700 ("SZ 0812 9134")."""
    return _grid_ref(x, y, digits)


def _caveat(count: int, n_locations: int, diameter_m: float, text: str) -> str:
    """Plain-English note on police.uk anonymisation for one hotspot ("" when none)."""
    notes = []
    if n_locations == 1:
        if text in GENERIC_LOCATIONS:
            notes.append(
                f'All {count} records are at one police.uk map point labelled "{text}". '
                "police.uk moves every record to an anonymised map point; a generic label "
                "like this stands for a place of that kind nearby, not a particular address "
                "or business.",
            )
        else:
            notes.append(
                f'All {count} records are at one police.uk map point ("On or near {text}"). '
                "police.uk locations are anonymised map points, not addresses.",
            )
    if diameter_m < SNAP_SPACING_M:
        notes.append(
            f"This hotspot is {diameter_m:.0f} m across, less than the usual spacing of "
            f"police.uk map points (about {SNAP_SPACING_M:.0f} m): its outline shows where "
            "records were mapped, not where they happened.",
        )
    return " ".join(notes)


def _unique_names(parts: list[_Name]) -> list[str]:
    """Render names, telling clashing ones apart by ward, then streets, then grid reference.

    Hotspots sharing their busiest location (overlapping polygons) cannot be told
    apart by it: they take the grid reference of a point inside their polygon.
    """
    for _ in range(_MAX_ADDED_STREETS + 4):
        names = [p.render() for p in parts]
        groups: dict[str, list[int]] = {}
        for i, n in enumerate(names):
            groups.setdefault(n, []).append(i)
        clashes = [g for g in groups.values() if len(g) > 1]
        if not clashes:
            break
        for g in clashes:
            members = [parts[i] for i in g]
            wards = {p.ward for p in members}
            if len(wards) > 1 and not any(p.show_ward or p.kind == "generic" for p in members):
                for p in members:
                    p.show_ward = True
                continue
            anchors = Counter(p.anchor for p in members)
            for p in members:
                digits = 5 if p.grid else 4
                if anchors[p.anchor] > 1:
                    p.grid = _grid_ref(*p.inside, digits=digits)
                elif p.added >= _MAX_ADDED_STREETS or not p.add_street():
                    p.grid = _grid_ref(*p.anchor, digits=digits)
    return [p.render() for p in parts]


def describe_locations(
    geoms: np.ndarray,
    pts: WeightedPoints,
    pair_poly: np.ndarray,
    pair_loc: np.ndarray,
    loc_text: np.ndarray,
    gazetteer: gpd.GeoDataFrame,
    ward_name: list[object],
    within_m: float,
) -> _Description:
    """Busiest location, distinct locations, caveat, places considered and name per polygon."""
    m = len(geoms)
    generic = np.fromiter((t in GENERIC_LOCATIONS for t in loc_text), bool, len(loc_text))
    named = np.flatnonzero(~generic & (loc_text != "")) if len(loc_text) else np.empty(0, int)
    street_tree = PointGrid(np.c_[pts.x[named], pts.y[named]]) if len(named) else None

    gz_geom = np.asarray(gazetteer.geometry.values)
    gz_name = (
        gazetteer["name"].astype(str).to_numpy()
        if "name" in gazetteer
        else gazetteer.iloc[:, 0].astype(str).to_numpy(dtype=str)
    )
    gx, gy = shapely.get_x(gz_geom), shapely.get_y(gz_geom)
    inside = np.zeros((m, len(gz_geom)), dtype=bool)
    if len(gz_geom):
        q_place, q_poly = shapely.STRtree(geoms).query(gz_geom, predicate="intersects")
        inside[q_poly, q_place] = True

    order = np.argsort(pair_poly, kind="stable")
    pp, pl = pair_poly[order], pair_loc[order]
    starts = np.searchsorted(pp, np.arange(m + 1))
    diameter = 2 * shapely.minimum_bounding_radius(geoms)
    on_surface = shapely.point_on_surface(geoms)
    inside_xy = np.c_[shapely.get_x(on_surface), shapely.get_y(on_surface)]

    def nearby_streets(x: float, y: float) -> list[str]:
        if street_tree is None:
            return []
        k = min(_NEARBY_STREETS, len(named))
        d, i = street_tree.query([x, y], k=k, distance_upper_bound=NEAREST_STREET_WITHIN_M)
        d, i = np.atleast_1d(d), np.atleast_1d(i)
        d, i = d[np.isfinite(d)], i[np.isfinite(d)]
        texts = loc_text[named[i]].astype(str)
        return list(dict.fromkeys(texts[np.lexsort((texts, np.round(d, 6)))]))

    parts: list[_Name] = []
    places, busiest_text, caveats = [""] * m, [""] * m, [""] * m
    bx_all, by_all = np.full(m, np.nan), np.full(m, np.nan)
    n_locations = np.diff(starts).astype(np.int64)
    for p in range(m):
        locs = pl[starts[p] : starts[p + 1]]
        ward_p = ward_name[p]
        ward = ward_p if isinstance(ward_p, str) else None
        inside_p = (float(inside_xy[p, 0]), float(inside_xy[p, 1]))
        if len(locs) == 0:
            near = nearby_streets(*inside_p)
            parts.append(_Name("unnamed", "", [], ward, near, inside_p, inside_p))
            continue
        w = pts.weight[locs].astype("float64")
        tx = loc_text[locs].astype(str)
        lx, ly = pts.x[locs], pts.y[locs]
        b = np.lexsort((ly, lx, tx, -w))[0]
        bx, by = float(lx[b]), float(ly[b])
        bx_all[p], by_all[p], busiest_text[p] = bx, by, tx[b]
        caveats[p] = _caveat(int(w.sum()), len(locs), float(diameter[p]), tx[b])
        cx, cy = float(np.average(lx, weights=w)), float(np.average(ly, weights=w))

        # the hotspot's streets by records (generic labels and missing texts left out)
        is_street = ~generic[locs] & (tx != "")
        totals: dict[str, float] = {}
        for t, k in zip(tx[is_street], w[is_street], strict=True):
            totals[t] = totals.get(t, 0.0) + k
        streets = sorted(totals, key=lambda t: (-totals[t], t))
        near = nearby_streets(bx, by)

        # gazetteer places considered, nearest the busiest location first
        d_b = np.hypot(gx - bx, gy - by)
        considered = np.flatnonzero(
            inside[p] | (d_b <= within_m) | (np.hypot(gx - cx, gy - cy) <= within_m),
        )
        considered = considered[np.lexsort((gz_name[considered], d_b[considered]))]
        places[p] = "; ".join(dict.fromkeys(gz_name[considered].tolist()))

        if len(considered) and d_b[considered[0]] <= PLACE_FROM_BUSIEST * within_m:
            name = _Name(
                "place",
                str(gz_name[considered[0]]),
                [],
                ward,
                streets + near,
                (bx, by),
                inside_p,
            )
        elif generic[locs[b]] and (not streets or w[b] > totals[streets[0]]):
            qualifier = near[:1]
            name = _Name("generic", tx[b], qualifier, ward, streets + near, (bx, by), inside_p)
        elif streets:
            lead = streets[:1]
            if len(streets) > 1 and totals[streets[1]] >= SECOND_STREET_SHARE * w.sum():
                lead = streets[:2]
            name = _Name("streets", "", lead, ward, streets + near, (bx, by), inside_p)
        else:
            name = _Name("unnamed", "", [], ward, near, (bx, by), inside_p)
        parts.append(name)
    return _Description(
        _unique_names(parts),
        places,
        busiest_text,
        bx_all,
        by_all,
        n_locations,
        caveats,
    )
