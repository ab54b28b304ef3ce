"""The simulator's model: zones, effects, random effects, the draw of records and the truth.

``N[l, c, m] ~ Poisson(scale * B[l, c] * T_k(m) * S_lk(m) * E_lk(m))`` (times gamma
random effects when ``dispersion > 1``), as written down in :mod:`hotspots.data.simulate`,
which also holds :func:`~hotspots.data.simulate.simulate`, the entry point.

References
----------
Bowers, K. J. and Johnson, S. D. (2003). Measuring the geographical displacement
and diffusion of benefit effects of crime prevention activity. Journal of
Quantitative Criminology 19(3), 275-301.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from hotspots.data import schema as S
from hotspots.data.areas import Area, area_mask
from hotspots.data.boundaries import Boundaries, geodata_dir, load_boundaries
from hotspots.data.select import month_range, parse_month
from hotspots.data.sim_calibration import (
    Calibration,
    hour_cdf,
    inverse_cdf,
    load_calibration,
    local_cdf,
    month_index,
    season_of,
    str_take,
)
from hotspots.data.sim_params import (
    AFTER,
    ASB_EFFECT_PCT,
    ASB_SUBTYPE_SHARES,
    BEFORE,
    CALIBRATED_DISPERSION,
    CRIME_EFFECT_PCT,
    DEFAULT_RING_M,
    DEFAULT_SPILLOVER,
    GENERATOR,
    GENERATOR_VERSION,
    INTERVENTION_NAME,
    IS_ASB,
    KINDS,
    LOCATION_MONTH_VAR,
    MAX_SCALE,
    MONTH_EFFECT_VAR,
    N_CAT,
    PEAK_MONTH,
    SEASIDE_AMPLITUDE,
    SEASIDE_DECAY_M,
    SEASON_AMPLITUDE,
    SIM_TARGET_RADIUS_M,
    SIMULATED_LABEL,
    SIMULATED_WARNING,
    SPIKES,
    TO_WGS,
    ZONES,
)
from hotspots.errors import InputError
from hotspots.validation import SEED, Interval, Real
from hotspots.version import __version__

#: The simulator's numeric arguments, declared once for :func:`hotspots.data.simulate.simulate`
#: (``@validate_params``): the same words and hints as ``hotspots simulate --help``.
SIM_CONSTRAINTS = {
    "seed": [SEED],
    "spillover": [Interval(Real, -1, 1)],
    "ring_m": [Interval(Real, 0, 5_000, unit="metres")],
    "scale": [Interval(Real, 0, MAX_SCALE, closed="right")],
    "dispersion": [Interval(Real, 1, 50)],
}
SIM_HINTS = {
    "seed": "For example --seed 1.",
    "spillover": "-0.10 is a 10% diffusion of benefits in the ring, +0.10 a 10% displacement.",
    "ring_m": "Default 400.",
    "scale": "1 gives real BCP volumes (~3,500 records a month); 6 gives ~1M records over 4 years.",
    "dispersion": (
        f"1 is Poisson; {CALIBRATED_DISPERSION:g} reproduces the overdispersion of real police.uk"
        " months."
    ),
}


def check_sim_months(start: str, end: str) -> tuple[str, str]:
    """``start`` and ``end`` as ``YYYY-MM``, refused when either is not a month or end < start."""
    start = parse_month(start, "start")
    end = parse_month(end, "end")
    if end < start:
        raise InputError("end", end, f"a month not before start ({start})")
    return start, end


def zone_month_counts(
    seed: int, months: list[str], *, dispersion: float = 1.0, spillover: float = DEFAULT_SPILLOVER,
    ring_m: float = DEFAULT_RING_M, scale: float = 1.0, by: str = "zone",
) -> np.ndarray:  # fmt: skip
    """Return counts per (group, kind, month) from the simulator's model, without records.

    The same lambda and random effects as :func:`simulate`; the Poisson draw is
    made per group (the sum over a group's snap points of independent Poisson
    counts given the random effects is Poisson with the summed lambda), which
    makes hundreds of seeds cheap for coverage checks. ``by="zone"`` gives
    (3, 2, M) for target, ring and control; ``by="ward"`` gives (n_wards + 1, 2, M),
    the last row being the snap points outside every ward.
    """
    cal = load_calibration(str(geodata_dir()))
    _, _, zone = build_zones(cal.loc, ring_m)
    if by == "ward":
        codes = cal.loc[S.WARD_CODE].astype("string").fillna("")
        group, uniq = pd.factorize(codes)
        n_groups = len(uniq)
    else:
        group, n_groups = zone, 3
    k = len(cal.loc)
    after = set(month_range(*AFTER))
    f = _effect_factors()
    eff = np.ones((3, 2))
    eff[0] = [f["crime"], f["asb"]]
    eff[1] = [1.0 + spillover, 1.0 + spillover]
    t = month_index(months)
    trend = np.exp(cal.slope[:, None] * (t[None, :] - cal.t0))
    season = season_of(cal.amplitude, months)
    kind_of_cat = IS_ASB.astype(int)
    kind_1hot = (kind_of_cat[:, None] == np.arange(2)[None, :]).astype(float)
    g_1hot = np.zeros((n_groups, k))
    g_1hot[group, np.arange(k)] = 1.0
    out = np.zeros((n_groups, 2, len(months)), dtype=np.int64)
    rng = np.random.default_rng([seed, 99])
    for mi, month in enumerate(months):
        cf = scale * cal.base * (trend[kind_of_cat, mi][None, :] * season[:, kind_of_cat, mi])
        lam = (cf * eff[zone][:, kind_of_cat] if month in after else cf) @ kind_1hot  # (k, 2)
        re = _random_effects(seed, month, k, dispersion)
        if re is not None:
            lam = lam * re
        out[:, :, mi] = rng.poisson(g_1hot @ lam)
    return out


def _geojson(geom: shapely.Geometry) -> dict:
    wgs = shapely.transform(geom, lambda c: np.column_stack(TO_WGS.transform(c[:, 0], c[:, 1])))
    wgs = shapely.set_precision(wgs, 1e-7)
    return json.loads(shapely.to_geojson(wgs))


def spill_kind(spillover: float) -> str:
    """Return the words for a ring effect's sign: diffusion of benefits, displacement or none."""
    if spillover < 0:
        return "diffusion of benefits"
    if spillover > 0:
        return "displacement"
    return "none"


def simulated_target(b: Boundaries | None = None) -> Area:
    """Return the simulator's own outline of the Seasonal Response area (the truth's target).

    Circles of :data:`SIM_TARGET_RADIUS_M` (250 m) around the five town-centre open
    spaces, clipped to BCP: deliberately not the tool's default ``town-centre``
    polygon (200 m), so that evaluating with the tool's polygon is tested against
    a true zone it does not know exactly, as with a real patrol area.
    """
    from hotspots.data.areas import TOWN_CENTRE_PLACES

    b = b or load_boundaries()
    gz = b.gazetteer.set_index("name")
    geoms = [gz.loc[p, "geometry"].buffer(SIM_TARGET_RADIUS_M) for p in TOWN_CENTRE_PLACES]
    return Area(
        "Seasonal Response area (the simulator's outline: 250 m around the five open spaces)",
        "polygon",
        "simulated-target",
        shapely.intersection(shapely.union_all(geoms), b.outline),
    )


def build_zones(loc: pd.DataFrame, ring_m: float):
    """Target area, ring geometry and zone per snap point (0 target, 1 ring, 2 control)."""
    b = load_boundaries()
    target_area = simulated_target(b)
    target = target_area.geometry
    if ring_m > 0:
        ring = shapely.intersection(shapely.difference(target.buffer(ring_m), target), b.outline)
    else:
        ring = shapely.Polygon()
    lx, ly = loc[S.X].to_numpy(), loc[S.Y].to_numpy()
    in_target = area_mask(lx, ly, target_area)
    in_ring = np.zeros(len(loc), dtype=bool)
    if not ring.is_empty:
        shapely.prepare(ring)
        in_ring = shapely.contains_xy(ring, lx, ly) & ~in_target
    return target_area, ring, np.where(in_target, 0, np.where(in_ring, 1, 2))


def _effect_factors() -> dict[str, float]:
    return {"crime": 1.0 + CRIME_EFFECT_PCT / 100.0, "asb": 1.0 + ASB_EFFECT_PCT / 100.0}


def _random_effects(seed: int, month: str, k: int, dispersion: float) -> np.ndarray | None:
    """Gamma (mean 1) multipliers of lambda for one month, (k, 2): month x location-month.

    ``None`` when ``dispersion == 1`` (Poisson counts; the draws of the Poisson
    simulator are then unchanged). The month effect is shared by every location
    (one per kind); the location-month effect is drawn per snap point and kind.
    """
    if dispersion <= 1.0:
        return None
    rng = np.random.default_rng([seed, int(month[:4]), int(month[5:7]), 7])
    vu, vv = MONTH_EFFECT_VAR * (dispersion - 1), LOCATION_MONTH_VAR * (dispersion - 1)
    u = rng.gamma(1.0 / vu, vu, size=2)
    v = rng.gamma(1.0 / vv, vv, size=(k, 2))
    return u[None, :] * v


def draw_records(
    cal: Calibration, zone: np.ndarray, months: list[str], *, seed: int, spillover: float,
    scale: float, dispersion: float = 1.0,
) -> tuple[dict[str, np.ndarray], pd.DataFrame]:  # fmt: skip
    """Poisson counts per (location, category, month), then per-record attributes.

    Returns per-record int64 arrays (``loc``, ``cat``, ``month`` index, ``day``,
    ``hour``, ``minute``, ``sub``, ``out``, ``local``; -1 = none) plus ``crime_hex``
    (64 hex bytes per crime record, in order) and the expected counts frame.
    """
    k = len(cal.loc)
    after = set(month_range(*AFTER))
    f = _effect_factors()
    eff = np.ones((3, 2))  # zone x kind, during the intervention
    eff[0] = [f["crime"], f["asb"]]
    eff[1] = [1.0 + spillover, 1.0 + spillover]
    t = month_index(months)
    trend = np.exp(cal.slope[:, None] * (t[None, :] - cal.t0))  # (2, M)
    season = season_of(cal.amplitude, months)  # (k, 2, M)
    kind_of_cat = IS_ASB.astype(int)
    hour_cum, hour_prof = hour_cdf()
    local_cum = local_cdf()
    sub_cum = np.cumsum(ASB_SUBTYPE_SHARES)[None, :]
    zone_1hot = (zone[None, :] == np.arange(3)[:, None]).astype(float)  # (3, k)
    kind_1hot = (kind_of_cat[:, None] == np.arange(2)[None, :]).astype(float)  # (14, 2)

    names = ("loc", "cat", "month", "day", "hour", "minute", "sub", "out", "local")
    parts: dict[str, list[np.ndarray]] = {n: [] for n in names}
    crime_hex: list[bytes] = []
    exp_rows = []
    for mi, month in enumerate(months):
        rng = np.random.default_rng([seed, int(month[:4]), int(month[5:7])])
        cf = scale * cal.base * (trend[kind_of_cat, mi][None, :] * season[:, kind_of_cat, mi])
        for sm, scat, factor in SPIKES:  # the known unusual months (truth["spikes"]): in the
            if sm == month:  # expectation and the counterfactual alike (not an intervention)
                cf = cf.copy()
                cf[:, S.CATEGORIES.index(scat)] *= factor
        lam = cf * eff[zone][:, kind_of_cat] if month in after else cf
        e_zk, c_zk = zone_1hot @ lam @ kind_1hot, zone_1hot @ cf @ kind_1hot  # (3, 2)
        re = _random_effects(seed, month, k, dispersion)
        if re is not None:
            lam = lam * re[:, kind_of_cat]
        exp_rows += [
            (zn, kd, month, e_zk[z, j], c_zk[z, j])
            for z, zn in enumerate(ZONES)
            for j, kd in enumerate(KINDS)
        ]
        cell = np.repeat(np.arange(k * N_CAT), rng.poisson(lam).ravel())
        n = len(cell)
        ci = cell % N_CAT
        is_asb = IS_ASB[ci]
        arrays = {
            "loc": cell // N_CAT,
            "cat": ci,
            "month": np.full(n, mi),
            "day": rng.integers(1, pd.Period(month, "M").days_in_month + 1, size=n),
            "hour": inverse_cdf(hour_cum[hour_prof[ci]], rng.random(n)),
            "minute": rng.integers(0, 60, size=n),
            "sub": np.where(is_asb, inverse_cdf(sub_cum.repeat(n, 0), rng.random(n)), -1),
            "out": np.where(is_asb, -1, inverse_cdf(cal.outcome_cum[ci], rng.random(n))),
            "local": inverse_cdf(local_cum[ci], rng.random(n)),
        }
        for name in names:
            parts[name].append(arrays[name])
        crime_hex.append(rng.bytes(32 * int((~is_asb).sum())).hex().encode("ascii"))
    a: dict = {  # int64 arrays per field, and the crime ids as bytes
        name: np.concatenate(v).astype(np.int64) if v else np.empty(0, np.int64)
        for name, v in parts.items()
    }
    a["crime_hex"] = b"".join(crime_hex)
    expected = pd.DataFrame(
        exp_rows,
        columns=["zone", "kind", "month", "expected", "counterfactual"],
    )
    return a, expected


def simulated_records(cal: Calibration, months: list[str], a: dict) -> pd.DataFrame:
    """Canonical records from the drawn arrays, in the order of the police.uk files."""
    loc = cal.loc
    li, ci, mi = a["loc"], a["cat"], a["month"]
    n = len(li)
    is_asb = IS_ASB[ci]
    per_month = np.bincount(mi, minlength=len(months))
    first = np.repeat(np.cumsum(per_month) - per_month, per_month)
    source_row = np.arange(n, dtype=np.int64) - first + 2  # line 1 is the header
    source_file = str_take([f"{m}-dorset-simulated-street.csv" for m in months], mi)
    # Crime IDs: 64 hex digits like police.uk's; ASB rows: ``<file>#<row>`` (as the reader does)
    n_crime = int((~is_asb).sum())
    hexes = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(64),
        n_crime,
        [None, pa.py_buffer(a["crime_hex"])],
    )
    crime_ids = hexes.cast(pa.binary()).cast(pa.string())
    asb_ids = pa.array(
        (
            pd.Series(source_file[is_asb]) + "#" + pd.Series(source_row[is_asb]).astype("string")
        ).to_numpy(object),
        pa.string(),
    )
    crime_pos = np.cumsum(~is_asb) - 1
    asb_pos = np.cumsum(is_asb) - 1
    cid = pd.array(
        crime_ids.take(pa.array(np.where(is_asb, -1, crime_pos), mask=is_asb)),
        dtype="string",
    )
    rid_idx = np.where(is_asb, n_crime + asb_pos, crime_pos)
    rid = pd.array(pa.concat_arrays([crime_ids, asb_ids]).take(pa.array(rid_idx)), dtype="string")
    month_start = np.array([np.datetime64(m + "-01", "ns") for m in months])
    date = month_start[mi] + (a["day"] - 1).astype("timedelta64[D]").astype("timedelta64[ns]")

    def take(col: str) -> pd.api.extensions.ExtensionArray:
        return str_take(loc[col], li)

    return S.conform(
        pd.DataFrame(
            {
                S.RECORD_ID: rid,
                S.CRIME_ID: cid,
                S.SOURCE: str_take([S.SOURCE_SIMULATED], np.zeros(n, np.int64)),
                S.SOURCE_FILE: source_file,
                S.SOURCE_ROW: source_row,
                S.MONTH: str_take(months, mi),
                S.DATE: date,
                S.HOUR: a["hour"].astype(np.int8),
                S.CATEGORY: str_take(S.CATEGORIES, ci),
                S.ASB_SUBTYPE: str_take(S.ASB_SUBTYPES, a["sub"]),
                S.LON: loc[S.LON].to_numpy()[li],
                S.LAT: loc[S.LAT].to_numpy()[li],
                S.X: loc[S.X].to_numpy()[li],
                S.Y: loc[S.Y].to_numpy()[li],
                S.LOCATION: take(S.LOCATION),
                S.LSOA_CODE: take(S.LSOA_CODE),
                S.LSOA_NAME: take(S.LSOA_NAME),
                S.WARD_CODE: take(S.WARD_CODE),
                S.WARD_NAME: take(S.WARD_NAME),
                S.TOWN: take(S.TOWN),
                S.IN_BCP: np.ones(n, dtype=bool),
                S.OUTCOME: str_take(cal.outcomes, a["out"]),
                S.SIMULATED: np.ones(n, dtype=bool),
            },
        ),
    )


def build_truth(
    cal: Calibration,
    target_area: Area,
    ring: shapely.Geometry,
    zone: np.ndarray,
    expected: pd.DataFrame,
    a: dict[str, np.ndarray],
    months: list[str],
    *,
    params: dict,
    spillover: float,
    ring_m: float,
    notes: list[str],
) -> dict:
    """Return the JSON-ready truth (see :func:`write_simulation`)."""
    # observed and expected counts per zone, kind and window
    rec_zone = zone[a["loc"]]
    rec_kind = IS_ASB[a["cat"]].astype(int)
    month_np = np.array(months)
    summary: dict = {}
    for wname, (w0, w1) in (("before", BEFORE), ("after", AFTER)):
        in_w = ((month_np >= w0) & (month_np <= w1))[a["month"]]
        ew = expected[(expected["month"] >= w0) & (expected["month"] <= w1)]
        for z, zn in enumerate(ZONES):
            for j, kd in enumerate(KINDS):
                e = ew[(ew["zone"] == zn) & (ew["kind"] == kd)]
                summary.setdefault(zn, {}).setdefault(kd, {})[wname] = {
                    "observed": int((in_w & (rec_zone == z) & (rec_kind == j)).sum()),
                    "expected": round(float(e["expected"].sum()), 3),
                    "counterfactual": round(float(e["counterfactual"].sum()), 3),
                }
    target = target_area.geometry
    f = _effect_factors()
    return {
        "warning": SIMULATED_WARNING,
        "generator": GENERATOR,
        "generator_version": GENERATOR_VERSION,
        "hotspots_version": __version__,
        **params,
        "n_records": len(a["loc"]),
        "labelled_as": SIMULATED_LABEL,
        "intervention": {
            "name": INTERVENTION_NAME,
            "months": list(AFTER),
            "area": target_area.spec,
            "area_name": target_area.name,
        },
        "windows": {"before": list(BEFORE), "after": list(AFTER)},
        "effects": {
            "crime": {"percent": CRIME_EFFECT_PCT, "factor": round(f["crime"], 6)},
            "asb": {"percent": ASB_EFFECT_PCT, "factor": round(f["asb"], 6)},
        },
        "spillover": {
            "kind": spill_kind(spillover),
            "fraction": spillover,
            "percent": round(100.0 * spillover, 6),
            "factor": round(1.0 + spillover, 6),
            "ring_m": ring_m,
            "applies_to": ["crime", "asb"],
        },
        "target": {
            "crs_geojson": S.CRS_DISPLAY,
            "geojson": _geojson(target),
            "crs_wkt": S.CRS_METRES,
            "wkt_27700": shapely.to_wkt(target),
            "area_km2": round(float(target.area) / 1e6, 6),
            "n_snap_points": int((zone == 0).sum()),
        },
        "ring": {
            "crs_geojson": S.CRS_DISPLAY,
            "geojson": _geojson(ring) if not ring.is_empty else None,
            "crs_wkt": S.CRS_METRES,
            "wkt_27700": shapely.to_wkt(ring),
            "width_m": ring_m,
            "area_km2": round(float(ring.area) / 1e6, 6),
            "n_snap_points": int((zone == 1).sum()),
        },
        "model": {
            "counts": "Poisson given lambda = scale * B[l,c] * T_k(m) * S_lk(m) * E_lk(m)"
            + (
                " * U_k(m) * V_lk(m), U and V gamma with mean 1" if params["dispersion"] > 1 else ""
            ),
            "month_effect_var": MONTH_EFFECT_VAR * (params["dispersion"] - 1),
            "location_month_effect_var": LOCATION_MONTH_VAR * (params["dispersion"] - 1),
            "trend_per_year": {
                kd: round(float(np.exp(12 * cal.slope[j]) - 1), 6) for j, kd in enumerate(KINDS)
            },
            "season_amplitude": SEASON_AMPLITUDE,
            "seaside_amplitude": SEASIDE_AMPLITUDE,
            "seaside_decay_m": SEASIDE_DECAY_M,
            "peak_month": PEAK_MONTH,
            "asb_subtype_shares": dict(zip(S.ASB_SUBTYPES, ASB_SUBTYPE_SHARES, strict=True)),
            "calibration_months": list(cal.months),
        },
        "windows_summary": summary,
        "spikes": [
            {"month": m, "category": c, "factor": f} for m, c, f in SPIKES if m in set(months)
        ],
        "notes": list(notes),
    }
