"""Calibration of the simulator on the bundled real police.uk months (once per process).

The location rates ``B[l, c]``, the seasonal amplitudes by distance from the
seafront and the trend of each kind are estimated from the bundled real files
(``geodata/police_uk``), as written down in :mod:`hotspots.data.simulate`; the
hour-of-day profiles and the force-export offence groups are drawn from here too.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from hotspots.data import schema as S
from hotspots.data.areas import town_centre_area
from hotspots.data.boundaries import POLICE_UK_DIR, Boundaries, load_boundaries, locate
from hotspots.data.sim_params import (
    CATEGORY_PROFILE,
    HOUR_PROFILES,
    IS_ASB,
    KINDS,
    LOCAL_CATEGORIES,
    MIX_PRIOR,
    N_CAT,
    PEAK_MONTH,
    SEAFRONT_LATLON,
    SEASIDE_AMPLITUDE,
    SEASIDE_DECAY_M,
    SEASON_AMPLITUDE,
    TO_BNG,
)
from hotspots.errors import FileReadError

if TYPE_CHECKING:
    from collections.abc import Iterable


# =================================================================================
# Calibration on the bundled real data (once per process)
# =================================================================================
@dataclass(frozen=True, eq=False)
class Calibration:
    """Real BCP snap points and what the model needs from them (internal)."""

    loc: pd.DataFrame  # one row per snap point, police.uk order (LSOA, location)
    counts: np.ndarray  # (k, 14) real records per location and category
    months: tuple[str, ...]  # real months used
    seaside: np.ndarray  # (k,) exp(-d / SEASIDE_DECAY_M)
    amplitude: np.ndarray  # (k, 2) seasonal amplitude for crime, asb
    slope: np.ndarray  # (2,) trend b_k per month for crime, asb
    t0: float  # month index where T_k = 1
    base: np.ndarray  # (k, 14) B[l, c]
    outcomes: tuple[str, ...]
    outcome_cum: np.ndarray  # (14, n_outcomes) cumulative outcome probabilities per category
    real_monthly: pd.Series  # real BCP records per month
    real_mix: pd.Series  # real BCP share per category


def month_index(months: Iterable[str]) -> np.ndarray:
    """``YYYY-MM`` -> months since 1970-01 (float)."""
    m = pd.Series(months, dtype="string")
    return (m.str[:4].astype(int) * 12 + m.str[5:7].astype(int) - 1 - 1970 * 12).to_numpy(float)


def season_of(amplitude: np.ndarray, months: Iterable[str]) -> np.ndarray:
    """Seasonal factor, shape amplitude.shape + (n_months,)."""
    moy = month_index(months) % 12 + 1
    wave = np.cos(2 * np.pi * (moy - PEAK_MONTH) / 12.0)
    return 1.0 + amplitude[..., None] * wave


def _seaside_geometry(boundaries: Boundaries) -> shapely.Geometry:
    lat = [p[0] for p in SEAFRONT_LATLON]
    lon = [p[1] for p in SEAFRONT_LATLON]
    x, y = TO_BNG.transform(lon, lat)
    line = shapely.LineString(np.column_stack([x, y]))
    coast = shapely.intersection(boundaries.outline.boundary, line.buffer(600.0))
    return shapely.union_all([coast, town_centre_area(boundaries).geometry])


def _lsoa21(loc: pd.DataFrame, b: Boundaries) -> tuple[np.ndarray, np.ndarray]:
    """LSOA 2021 code and name per snap point, so every simulated file uses one vintage.

    The code as police.uk gave it where it is a 2021 code (the 2024 files, and 2011
    LSOAs that did not change), else the 2021 LSOA containing (or nearest to) the point.
    """
    names21 = b.lsoa21.set_index("lsoa_code")["lsoa_name"]
    code = loc[S.LSOA_CODE].to_numpy(object).copy()
    known = pd.Series(code).isin(names21.index).to_numpy()
    if (~known).any():
        pts = shapely.points(loc[S.X].to_numpy()[~known], loc[S.Y].to_numpy()[~known])
        tree = shapely.STRtree(b.lsoa21.geometry.values)
        nearest = tree.query_nearest(pts, all_matches=False)[1]  # distance 0 inside a polygon
        code[~known] = b.lsoa21["lsoa_code"].to_numpy()[nearest]
    return code, names21.loc[code].to_numpy(object)


@functools.lru_cache(maxsize=2)
def load_calibration(geodir: str) -> Calibration:
    """Return the simulator's calibration from the bundled police.uk months under ``geodir``.

    Cached per folder (two at most), since it reads every bundled street file.
    """
    files = sorted((Path(geodir) / POLICE_UK_DIR).glob("*-street.csv"))
    if not files:
        raise FileReadError(
            str(Path(geodir) / POLICE_UK_DIR),
            "no police.uk street files to calibrate the simulator on; is geodata/ complete?",
        )
    cols = ["Month", "Longitude", "Latitude", "Location", "LSOA code", "LSOA name", "Crime type"]
    cols += ["Last outcome category"]
    raw = pd.concat(
        [pd.read_csv(f, dtype=str, keep_default_na=False, usecols=cols) for f in files],
        ignore_index=True,
    )
    raw = raw[(raw["Longitude"] != "") & (raw["Latitude"] != "")]
    raw = raw[raw["Crime type"].isin(S.CATEGORIES)]
    # one row per distinct coordinate pair (police.uk map point)
    key = raw["Longitude"] + "," + raw["Latitude"]
    inv, uniq = pd.factorize(key)
    lonlat = pd.Series(uniq).str.split(",", expand=True)
    lon = lonlat[0].astype(float).to_numpy()
    lat = lonlat[1].astype(float).to_numpy()
    x, y = TO_BNG.transform(lon, lat)
    x, y = np.round(x, 2), np.round(y, 2)  # as hotspots.data.ingest does
    b = load_boundaries()
    where = locate(x, y, b)
    in_bcp = where[S.IN_BCP].to_numpy()
    keep_row = in_bcp[inv]
    raw = raw[keep_row]
    inv = inv[keep_row]

    # newest text and LSOA per point (2024 files carry the 2021 LSOAs)
    raw = raw.assign(_p=inv)
    newest = raw.sort_values("Month", kind="stable").groupby("_p").tail(1).set_index("_p")
    pts = np.flatnonzero(in_bcp)
    loc = pd.DataFrame(
        {
            "lon_text": lonlat[0].to_numpy()[pts],
            "lat_text": lonlat[1].to_numpy()[pts],
            S.LON: lon[pts],
            S.LAT: lat[pts],
            S.X: x[pts],
            S.Y: y[pts],
            S.LOCATION: newest.loc[pts, "Location"].to_numpy(),
            S.LSOA_CODE: newest.loc[pts, "LSOA code"].to_numpy(),
            S.LSOA_NAME: newest.loc[pts, "LSOA name"].to_numpy(),
            S.WARD_CODE: where[S.WARD_CODE].to_numpy()[pts],
            S.WARD_NAME: where[S.WARD_NAME].to_numpy()[pts],
            S.TOWN: where[S.TOWN].to_numpy()[pts],
            "_p": pts,
        },
    )
    loc[S.LSOA_CODE], loc[S.LSOA_NAME] = _lsoa21(loc, b)
    loc = loc.sort_values([S.LSOA_CODE, S.LOCATION, S.X, S.Y], kind="stable").reset_index(drop=True)
    pos = np.full(len(uniq), -1, dtype=np.int64)
    pos[loc["_p"].to_numpy()] = np.arange(len(loc))
    loc = loc.drop(columns="_p")
    k = len(loc)

    cat_idx = pd.Categorical(raw["Crime type"], categories=list(S.CATEGORIES)).codes
    li = pos[raw["_p"].to_numpy()]
    counts = np.bincount(li * N_CAT + cat_idx, minlength=k * N_CAT).reshape(k, N_CAT)
    months = tuple(sorted(raw["Month"].unique()))
    real_monthly = raw.groupby("Month").size()
    real_mix = raw["Crime type"].value_counts(normalize=True).reindex(S.CATEGORIES, fill_value=0)

    # seasonality
    sea = _seaside_geometry(b)
    dist = shapely.distance(sea, shapely.points(loc[S.X].to_numpy(), loc[S.Y].to_numpy()))
    seaside = np.exp(-np.asarray(dist) / SEASIDE_DECAY_M)
    amplitude = np.column_stack(
        [SEASON_AMPLITUDE[kd] + SEASIDE_AMPLITUDE * seaside for kd in KINDS],
    )  # (k, 2)
    season_cal = season_of(amplitude, months)  # (k, 2, n_cal)

    # trend: slope of deseasonalised log monthly totals, per kind
    t = month_index(months)
    kind_counts = np.column_stack([counts[:, ~IS_ASB].sum(1), counts[:, IS_ASB].sum(1)])
    month_pos = pd.Series(np.arange(len(months)), index=list(months))
    mi = month_pos.loc[raw["Month"]].to_numpy()
    slope = np.zeros(2)
    for j, is_asb in enumerate((False, True)):
        sel = IS_ASB[cat_idx] == is_asb
        monthly = np.bincount(mi[sel], minlength=len(months)).astype(float)
        w = kind_counts[:, j] / max(kind_counts[:, j].sum(), 1)
        s_bar = (w[:, None] * season_cal[:, j, :]).sum(0)
        slope[j] = np.polyfit(t, np.log(np.maximum(monthly, 1.0) / s_bar), 1)[0]
    t0 = float(t.mean())
    trend_cal = np.exp(slope[:, None] * (t[None, :] - t0))  # (2, n_cal)

    # base rates: real total per location, category mix shrunk to the BCP mix
    n_l = counts.sum(1, keepdims=True).astype(float)
    mix = real_mix.to_numpy()
    shrunk = n_l * (counts + MIX_PRIOR * mix) / (n_l + MIX_PRIOR)
    exposure = (season_cal * trend_cal[None, :, :]).sum(2)  # (k, 2)
    base = shrunk / exposure[:, IS_ASB.astype(int)]

    # outcomes per crime category (ASB has none)
    oc = raw["Last outcome category"].where(raw["Last outcome category"] != "", "")
    outcomes = tuple(sorted(o for o in oc.unique() if o))
    o_idx = pd.Categorical(oc.where(oc != ""), categories=list(outcomes)).codes  # -1: none
    probs = np.zeros((N_CAT, len(outcomes)))
    has = o_idx >= 0
    np.add.at(probs, (cat_idx[has], o_idx[has]), 1.0)
    tot = probs.sum(1, keepdims=True)
    probs = np.divide(probs, tot, out=np.zeros_like(probs), where=tot > 0)
    return Calibration(
        loc=loc,
        counts=counts,
        months=months,
        seaside=seaside,
        amplitude=amplitude,
        slope=slope,
        t0=t0,
        base=base,
        outcomes=outcomes,
        outcome_cum=np.cumsum(probs, axis=1),
        real_monthly=real_monthly,
        real_mix=real_mix,
    )


def str_take(values: Iterable[str], idx: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Return a string array of ``values[idx]`` (``-1`` gives NA), built from the small table."""
    return pd.array(list(values), dtype="string").take(np.asarray(idx), allow_fill=True)


def hour_cdf() -> tuple[np.ndarray, np.ndarray]:
    """Cumulative hour probabilities per profile (n_profiles, 24) and profile per category."""
    names = list(HOUR_PROFILES)
    h = np.arange(24.0)
    rows = []
    for name in names:
        w = np.full(24, 0.05)
        for weight, peak, kappa in HOUR_PROFILES[name]:
            vm = np.exp(kappa * np.cos(2 * np.pi * (h - peak) / 24.0))
            w += weight * vm / vm.sum()
        rows.append(np.cumsum(w / w.sum()))
    prof = np.array([names.index(CATEGORY_PROFILE[c]) for c in S.CATEGORIES])
    return np.array(rows), prof


def inverse_cdf(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw: index of the first cumulative probability above u (row-wise)."""
    return np.minimum((u[:, None] >= cum).sum(1), cum.shape[1] - 1)


def local_cdf() -> np.ndarray:
    """(14, n_local) cumulative probability of each local offence group per category."""
    p = np.zeros((N_CAT, len(LOCAL_CATEGORIES)))
    for j, (_, cat, share) in enumerate(LOCAL_CATEGORIES):
        p[S.CATEGORIES.index(cat), j] = share
    return np.cumsum(p / p.sum(1, keepdims=True), axis=1)
