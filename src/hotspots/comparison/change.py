"""Hotspot change between periods, cell by cell, from Gi* on one shared grid.

* :func:`hotspot_change`: Gi* (:mod:`hotspots.methods.gistar`) in period A and
  in period B on the same grid and study cells; each cell is ``persistent`` (hot
  in both), ``emerging`` (hot in B only), ``former`` (hot in A only) or ``none``.
* :func:`seasonal_hotspots`: over several years, Gi* on the pooled summer
  months and on the pooled winter months; each cell is ``year-round`` (hot in
  both seasons), ``summer-only``, ``winter-only`` or ``none``, with the number of
  single years in which it was hot in each season.

A cell is *hot* when its Gi* z is positive and its (FDR-adjusted) p-value is
below ``alpha`` (default 0.05, i.e. the Hot 95% and Hot 99% classes). The
p-values come from the same inference as :func:`hotspots.methods.gistar.gistar`:
conditional permutation, seeded (the same seed in every period, so a rerun gives
the same classes), with as many permutations as
:func:`~hotspots.methods.gistar.auto_permutations` chooses for the study cells,
then Benjamini-Hochberg. With the normal approximation most cells around a busy
town centre were "persistent" whether or not they held records (one slab).

References
----------
Getis and Ord (1992); Ord and Getis (1995); Anselin, L. (1995), Local indicators
of spatial association - LISA, Geographical Analysis 27(2) (conditional
randomisation); Benjamini and Hochberg (1995); Chainey, S. (2014), Examining the
extent to which hotspot analysis can support spatial predictions of crime (UCL),
on comparing Gi* hotspots between periods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np

from hotspots.comparison.windows import Window, window
from hotspots.data import schema as S
from hotspots.data.areas import Area, records_in_area, resolve_area
from hotspots.data.frames import records_frame
from hotspots.data.points import unique_locations
from hotspots.data.select import filter_records
from hotspots.errors import InputError
from hotspots.methods.gistar import (
    DEFAULT_SEED,
    auto_permutations,
    auto_permutations_note,
    check_permutations,
    gistar_on_grid,
    inference_note,
    resolve_scales,
    study_grid,
)
from hotspots.validation import LEVEL, check_param

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CHANGE_CLASSES",
    "CHANGE_COLUMNS",
    "SEASONAL_COLUMNS",
    "SEASON_CLASSES",
    "SUMMER_MONTHS",
    "WINTER_MONTHS",
    "HotspotChange",
    "SeasonalHotspots",
    "hotspot_change",
    "seasonal_hotspots",
]

PERSISTENT, EMERGING, FORMER, NONE = "persistent", "emerging", "former", "none"
CHANGE_CLASSES: tuple[str, ...] = (PERSISTENT, EMERGING, FORMER, NONE)
CHANGE_COLUMNS: list[str] = [
    "cell_id", "count_a", "count_b", "gi_z_a", "gi_z_b", "p_adjusted_a", "p_adjusted_b",
    "gi_class_a", "gi_class_b", "change", "geometry",
]  # fmt: skip

YEAR_ROUND, SUMMER_ONLY, WINTER_ONLY = "year-round", "summer-only", "winter-only"
SEASON_CLASSES: tuple[str, ...] = (YEAR_ROUND, SUMMER_ONLY, WINTER_ONLY, NONE)
#: Summer is April to September (the Seasonal Response runs April to August);
#: winter is October to March.
SUMMER_MONTHS: tuple[int, ...] = (4, 5, 6, 7, 8, 9)
WINTER_MONTHS: tuple[int, ...] = (10, 11, 12, 1, 2, 3)
SEASONAL_COLUMNS: list[str] = [
    "cell_id", "count_summer", "count_winter", "gi_z_summer", "gi_z_winter",
    "summer_years_hot", "winter_years_hot", "season", "geometry",
]  # fmt: skip


def _hot(frame: gpd.GeoDataFrame, alpha: float) -> np.ndarray:
    return ((frame["gi_z"] > 0) & (frame["p_adjusted"] < alpha)).to_numpy(dtype=bool)


def _check_alpha(alpha: float) -> None:
    check_param("alpha", alpha, [LEVEL], "For example 0.05.")


class _Setup:
    """Area, grid, study mask and the records' distinct locations, shared by all periods."""

    def __init__(
        self,
        records: pd.DataFrame,
        area: Area | str | None,
        categories: str | list[str] | tuple[str, ...] | None,
        cell_size_m: float | None,
        distance_m: float | None,
        fdr: bool,
        alpha: float,
        permutations: int | None,
        seed: int | None,
    ) -> None:
        records = records_frame(records)
        permutations, seed = check_permutations(permutations, seed, allow_none=True)
        self.area: Area = resolve_area(area)
        self.cats = S.resolve_categories(categories)
        self.cell_size_m, self.distance_m, notes = resolve_scales(
            self.area,
            cell_size_m,
            distance_m,
        )
        self.notes = list(notes)
        self.grid, self.mask = study_grid(self.area, self.cell_size_m)
        n_cells = int(self.mask.sum())
        if permutations is None:
            permutations = auto_permutations(n_cells, alpha, fdr)
            self.notes.append(auto_permutations_note(permutations, n_cells, fdr))
        self.permutations, self.seed, self.fdr = int(permutations), seed, bool(fdr)
        self.notes.append(inference_note(self.permutations, seed))
        recs = filter_records(records, categories=self.cats)
        if len(recs):
            recs = recs[records_in_area(recs, self.area)]
        self.records = recs
        self.pts = unique_locations(recs[S.X].to_numpy(), recs[S.Y].to_numpy())
        self.month = recs[S.MONTH].astype(str).to_numpy()

    def gistar(self, sel: np.ndarray) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
        w = np.bincount(self.pts.inverse[sel], minlength=len(self.pts)).astype("float64")
        return gistar_on_grid(
            self.pts.x,
            self.pts.y,
            self.grid,
            self.mask,
            distance_m=self.distance_m,
            fdr=self.fdr,
            weights=w,
            permutations=self.permutations,
            seed=self.seed,
        )


# --------------------------------------------------------------------------- two periods
@dataclass(frozen=True)
class HotspotChange:
    """Gi* hotspots in two periods on the same grid, and their change per cell.

    Attributes
    ----------
    grid : GeoDataFrame (EPSG:27700) with :data:`CHANGE_COLUMNS`, one row per study cell.
    a, b : the windows; cell_size_m, distance_m, fdr, alpha : parameters used.
    area_name, categories : what was analysed; n_a, n_b : records in each period.
    notes : automatic choices and caveats.
    """

    grid: gpd.GeoDataFrame
    a: Window
    b: Window
    cell_size_m: float
    distance_m: float
    fdr: bool
    alpha: float
    area_name: str
    categories: tuple[str, ...]
    n_a: int
    n_b: int
    notes: tuple[str, ...]
    permutations: int = 0
    seed: int | None = DEFAULT_SEED

    def class_counts(self) -> dict[str, int]:
        """Cells per change class (persistent, emerging, ...), every class present."""
        vc = self.grid["change"].value_counts()
        return {c: int(vc.get(c, 0)) for c in CHANGE_CLASSES}

    @property
    def reading(self) -> str:
        """Plain-English sentence: how many cells fell in each change class."""
        c = self.class_counts()
        size = f"{self.cell_size_m:g} m"
        return (
            f"Of the {size} cells of {self.area_name}, {c[PERSISTENT]} were hotspots in both "
            f"{self.a.label} and {self.b.label} (persistent), {c[EMERGING]} became hotspots "
            f"(emerging) and {c[FORMER]} stopped being hotspots (former)."
        )

    def to_dict(self) -> dict:
        """Return the parameters and class counts, JSON-safe.

        ``count_a`` and ``count_b`` are each period's records, exactly: outputs for people
        write :func:`hotspots.present.export_change.change_summary` instead, which
        withholds 1-4 under the disclosure rule.
        """
        return {
            "method": "gistar change",
            "area": self.area_name,
            "categories": list(self.categories),
            "window_a": self.a.spec,
            "window_b": self.b.spec,
            "count_a": self.n_a,
            "count_b": self.n_b,
            "cell_size_m": self.cell_size_m,
            "distance_m": self.distance_m,
            "fdr": self.fdr,
            "alpha": self.alpha,
            "permutations": self.permutations,
            "seed": self.seed,
            "n_cells": len(self.grid),
            "class_counts": self.class_counts(),
            "reading": self.reading,
            "notes": list(self.notes),
        }


def hotspot_change(
    records: pd.DataFrame,
    a: Window | str,
    b: Window | str,
    *,
    cell_size_m: float | None = None,
    distance_m: float | None = None,
    area: Area | str | None = None,
    categories: str | list[str] | tuple[str, ...] | None = None,
    fdr: bool = True,
    alpha: float = 0.05,
    permutations: int | None = None,
    seed: int | None = DEFAULT_SEED,
) -> HotspotChange:
    """Classify grid cells as persistent, emerging, former or no hotspots between two periods.

    Parameters
    ----------
    records : canonical records.
    a, b : the earlier and later windows (``FROM:TO``).
    cell_size_m, distance_m : grid and Gi* distance band (metres); defaults as
        :func:`hotspots.methods.gistar.gistar`, announced in ``notes``.
    area : area spec (default BCP); categories : ``--types`` value (default all).
    fdr, alpha : Benjamini-Hochberg correction (default on) and the level below
        which a cell with positive z is hot (default 0.05).
    permutations, seed : conditional permutations per cell (default automatic,
        :func:`hotspots.methods.gistar.auto_permutations`; 0 = normal
        approximation) and their seed (default fixed), as ``gistar``.

    Returns
    -------
    HotspotChange
        Both periods use the same grid and study cells, so cells compare one to one.
    """
    _check_alpha(alpha)
    wa, wb = window(a, "a"), window(b, "b")
    st = _Setup(records, area, categories, cell_size_m, distance_m, fdr, alpha, permutations, seed)
    notes = list(st.notes)
    sel_a = (st.month >= wa.start) & (st.month <= wa.end)
    sel_b = (st.month >= wb.start) & (st.month <= wb.end)
    fa, na_notes = st.gistar(sel_a)
    fb, nb_notes = st.gistar(sel_b)
    notes += [f"{wa.label}: {n}" for n in na_notes] + [f"{wb.label}: {n}" for n in nb_notes]
    n_a, n_b = int(sel_a.sum()), int(sel_b.sum())
    for w, n in ((wa, n_a), (wb, n_b)):
        if n == 0:
            notes.append(f"no records in {w.label}: no cell can be a hotspot then")
    if wa.n_months != wb.n_months:
        notes.append(
            f"the windows differ in length ({wa.n_months} and {wb.n_months} months); Gi* compares "
            "cells within a period, so this changes power, not the scale",
        )
    hot_a, hot_b = _hot(fa, alpha), _hot(fb, alpha)
    change = np.where(
        hot_a & hot_b,
        PERSISTENT,
        np.where(hot_b, EMERGING, np.where(hot_a, FORMER, NONE)),
    )
    grid = gpd.GeoDataFrame(
        {
            "cell_id": fa["cell_id"].to_numpy(),
            "count_a": fa[S.COUNT].to_numpy(),
            "count_b": fb[S.COUNT].to_numpy(),
            "gi_z_a": fa["gi_z"].to_numpy(),
            "gi_z_b": fb["gi_z"].to_numpy(),
            "p_adjusted_a": fa["p_adjusted"].to_numpy(),
            "p_adjusted_b": fb["p_adjusted"].to_numpy(),
            "gi_class_a": fa["gi_class"].to_numpy(),
            "gi_class_b": fb["gi_class"].to_numpy(),
            "change": change.astype(object),
        },
        geometry=fa.geometry.values,
        crs=S.CRS_METRES,
    )
    notes.append(
        f"a cell is a hotspot when Gi* z > 0 and the {'FDR-adjusted ' if fdr else ''}p < {alpha:g}",
    )
    return HotspotChange(
        grid, wa, wb, st.cell_size_m, st.distance_m, bool(fdr), float(alpha), st.area.name, st.cats,
        n_a, n_b, tuple(notes), st.permutations, st.seed,
    )  # fmt: skip


# --------------------------------------------------------------------------- seasons
@dataclass(frozen=True)
class SeasonalHotspots:
    """Summer and winter Gi* hotspots over several years, and a seasonal class per cell.

    Attributes
    ----------
    grid : GeoDataFrame (EPSG:27700) with :data:`SEASONAL_COLUMNS`.
    years : the calendar years whose months were pooled (summer = Apr–Sep of the
        year; winter = Oct–Dec of the year and Jan–Mar of the next).
    summer_months, winter_months : months of data pooled in each season.
    """

    grid: gpd.GeoDataFrame
    years: tuple[int, ...]
    summer_months: tuple[str, ...]
    winter_months: tuple[str, ...]
    cell_size_m: float
    distance_m: float
    fdr: bool
    alpha: float
    area_name: str
    categories: tuple[str, ...]
    notes: tuple[str, ...]
    permutations: int = 0
    seed: int | None = DEFAULT_SEED

    def class_counts(self) -> dict[str, int]:
        """Cells per seasonal class, every class present."""
        vc = self.grid["season"].value_counts()
        return {c: int(vc.get(c, 0)) for c in SEASON_CLASSES}

    def to_dict(self) -> dict:
        """Return the parameters and class counts, JSON-safe."""
        return {
            "method": "gistar seasonal",
            "area": self.area_name,
            "categories": list(self.categories),
            "years": list(self.years),
            "summer_months": list(self.summer_months),
            "winter_months": list(self.winter_months),
            "cell_size_m": self.cell_size_m,
            "distance_m": self.distance_m,
            "fdr": self.fdr,
            "alpha": self.alpha,
            "permutations": self.permutations,
            "seed": self.seed,
            "class_counts": self.class_counts(),
            "notes": list(self.notes),
        }


def _season_year(month: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(season 0 summer / 1 winter, season year) per ``YYYY-MM`` month."""
    y = np.array([int(m[:4]) for m in month], dtype=np.int64)
    mo = np.array([int(m[5:7]) for m in month], dtype=np.int64)
    winter = np.isin(mo, WINTER_MONTHS)
    # Jan-Mar belong to the winter that started the previous October
    sy = np.where(winter & (mo <= 3), y - 1, y)
    return winter.astype(np.int8), sy


def seasonal_hotspots(
    records: pd.DataFrame,
    years: list[int] | tuple[int, ...] | None = None,
    *,
    cell_size_m: float | None = None,
    distance_m: float | None = None,
    area: Area | str | None = None,
    categories: str | list[str] | tuple[str, ...] | None = None,
    fdr: bool = True,
    alpha: float = 0.05,
    permutations: int | None = None,
    seed: int | None = DEFAULT_SEED,
) -> SeasonalHotspots:
    """Classify hot cells as summer-only, winter-only or year-round over several years.

    Parameters
    ----------
    records : canonical records.
    years : season years to pool (summer = Apr–Sep of the year; winter = Oct of
        the year to Mar of the next); default every year with data.
    cell_size_m, distance_m, area, categories, fdr, alpha, permutations, seed :
        as :func:`hotspot_change`.

    Returns
    -------
    SeasonalHotspots
        ``season`` per cell from Gi* on the pooled summer months and on the pooled
        winter months (pooling gives each season the power of all its years);
        ``summer_years_hot`` / ``winter_years_hot`` count the single years in which
        the cell was hot in that season, to show how steady the pattern is.
    """
    _check_alpha(alpha)
    st = _Setup(records, area, categories, cell_size_m, distance_m, fdr, alpha, permutations, seed)
    notes = list(st.notes)
    season, sy = (
        _season_year(st.month) if len(st.month) else (np.empty(0, np.int8), np.empty(0, np.int64))
    )
    all_years = sorted(set(sy.tolist()))
    use = sorted({int(y) for y in years}) if years is not None else all_years
    if not use:
        raise InputError("years", years, "at least one year with data")
    in_years = np.isin(sy, use)
    frames = {}
    for s, name in ((0, "summer"), (1, "winter")):
        sel = in_years & (season == s)
        f, more = st.gistar(sel)
        frames[name] = f
        notes += [f"{name}: {n}" for n in more]
        if not sel.any():
            notes.append(
                f"no {name} months in the data for {', '.join(map(str, use))}: "
                f"no cell can be a {name} hotspot",
            )
    years_hot = {}
    for s, name in ((0, "summer"), (1, "winter")):
        tally = np.zeros(int(st.mask.sum()), dtype=np.int64)
        for y in use:
            sel = (sy == y) & (season == s)
            if sel.any():
                f, _ = st.gistar(sel)
                tally += _hot(f, alpha)
        years_hot[name] = tally
    hs, hw = _hot(frames["summer"], alpha), _hot(frames["winter"], alpha)
    cls = np.where(hs & hw, YEAR_ROUND, np.where(hs, SUMMER_ONLY, np.where(hw, WINTER_ONLY, NONE)))
    fs, fw = frames["summer"], frames["winter"]
    grid = gpd.GeoDataFrame(
        {
            "cell_id": fs["cell_id"].to_numpy(),
            "count_summer": fs[S.COUNT].to_numpy(),
            "count_winter": fw[S.COUNT].to_numpy(),
            "gi_z_summer": fs["gi_z"].to_numpy(),
            "gi_z_winter": fw["gi_z"].to_numpy(),
            "summer_years_hot": years_hot["summer"],
            "winter_years_hot": years_hot["winter"],
            "season": cls.astype(object),
        },
        geometry=fs.geometry.values,
        crs=S.CRS_METRES,
    )
    sm = sorted(set(st.month[in_years & (season == 0)].tolist()))
    wm = sorted(set(st.month[in_years & (season == 1)].tolist()))
    if sm and wm and len(sm) != len(wm):
        notes.append(
            f"the seasons have different amounts of data ({len(sm)} summer and {len(wm)} winter "
            "months); "
            "Gi* compares cells within a season, so this changes power, not the scale",
        )
    notes.append("summer is April–September, winter October–March")
    return SeasonalHotspots(
        grid, tuple(use), tuple(sm), tuple(wm), st.cell_size_m, st.distance_m, bool(fdr),
        float(alpha), st.area.name, st.cats, tuple(notes), st.permutations, st.seed,
    )  # fmt: skip
