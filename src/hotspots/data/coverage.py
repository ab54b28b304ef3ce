"""Data coverage: records per month by category, missing months, LSOA vintage, sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from hotspots.data import schema as S
from hotspots.data.boundaries import Boundaries, load_boundaries
from hotspots.data.select import month_range

if TYPE_CHECKING:
    from hotspots.data.store import Store


__all__ = [
    "SUMMARY_KEYS",
    "collapse_missing",
    "coverage_from_counts",
    "coverage_table",
    "lsoa_vintage",
    "missing_months",
    "store_coverage_table",
    "store_summary_table",
    "summary_from_counts",
    "summary_table",
]

SUMMARY_KEYS = {"month": S.MONTH, "category": S.CATEGORY, "ward": S.WARD_NAME, "town": S.TOWN}


def missing_months(months: list[str] | pd.Series) -> list[str]:
    """Months between the first and last present month that have no records."""
    present = sorted(set(months))
    if not present:
        return []
    return [m for m in month_range(present[0], present[-1]) if m not in set(present)]


def lsoa_vintage(codes: pd.Series, names: pd.Series, b: Boundaries | None = None) -> str:
    """'2011', '2021', 'mixed' or 'unknown' for the LSOA codes/names of one month.

    Decided by codes that exist in only one vintage in BCP, then by name style
    (2021 names read "Bournemouth, Christchurch and Poole 001A"; 2011 names
    "Bournemouth 001A"). Codes unchanged between vintages decide nothing.
    """
    b = b or load_boundaries()
    c11 = set(b.lsoa11["lsoa_code"])
    c21 = set(b.lsoa21["lsoa_code"])
    codes = set(codes.dropna().astype(str))
    only11 = bool(codes & (c11 - c21))
    only21 = bool(codes & (c21 - c11))
    nm = names.dropna().astype(str)
    n21 = nm.str.startswith(("Bournemouth, Christchurch and Poole", "Dorset ")).any()
    n11 = nm.str.match(
        r"^(Bournemouth|Poole|Christchurch|East Dorset|West Dorset|North Dorset|Purbeck|Weymouth and Portland) \d{3}[A-Z]$",
    ).any()
    v11, v21 = only11 or n11, only21 or n21
    if v11 and v21:
        return "mixed"
    return "2011" if v11 else "2021" if v21 else "unknown"


def coverage_table(records: pd.DataFrame, bcp_only: bool = True) -> pd.DataFrame:
    """One row per month (missing months included, with zeros).

    Totals, ASB, crime, a column per category, LSOA vintage and sources.
    """
    df = records[records[S.IN_BCP]] if bcp_only else records
    counts = df.groupby([S.MONTH, S.CATEGORY]).size().rename("records").reset_index()
    lsoa = records[[S.MONTH, S.LSOA_CODE, S.LSOA_NAME]]
    sources = records[[S.MONTH, S.SOURCE]].drop_duplicates()
    return coverage_from_counts(counts, lsoa, sources)


def store_coverage_table(store: Store, bcp_only: bool = True) -> pd.DataFrame:
    """:func:`coverage_table` computed by DuckDB queries on a store.

    Memory follows the number of months and distinct LSOAs, not the number of records.
    """
    counts = store.counts([S.MONTH, S.CATEGORY], bcp_only=bcp_only)[
        [S.MONTH, S.CATEGORY, "records"]
    ]
    lsoa = store.distinct([S.MONTH, S.LSOA_CODE, S.LSOA_NAME])
    sources = store.distinct([S.MONTH, S.SOURCE])
    return coverage_from_counts(counts, lsoa, sources)


def coverage_from_counts(
    counts: pd.DataFrame,
    lsoa: pd.DataFrame,
    sources: pd.DataFrame,
) -> pd.DataFrame:
    """Return the coverage table from counts and the LSOA and source rows of all records.

    The counts are per (month, category) (column ``records``); the rows are (month, LSOA code, LSOA
    name) and (month, source).
    """
    if counts.empty or not counts["records"].sum():
        return pd.DataFrame(
            columns=["month", "records", "asb", "crime", "lsoa_vintage", "sources", "missing"],
        )
    counts = counts[counts["records"] > 0]
    months = month_range(counts[S.MONTH].min(), counts[S.MONTH].max())
    piv = (
        counts.pivot_table(
            index=S.MONTH,
            columns=S.CATEGORY,
            values="records",
            aggfunc="sum",
            fill_value=0,
        )
        .astype("int64")
        .reindex(index=months, fill_value=0)
    )
    piv = piv.reindex(columns=[c for c in S.CATEGORIES if c in piv.columns])
    out = pd.DataFrame(index=pd.Index(months, name="month"))
    out["records"] = piv.sum(axis=1)
    out["asb"] = piv.get(S.ASB, 0)
    out["crime"] = out["records"] - out["asb"]
    for c in piv.columns:
        out[c] = piv[c]
    b = load_boundaries()
    vint, srcs = {}, {}
    for m, g in lsoa.groupby(S.MONTH):
        vint[m] = lsoa_vintage(g[S.LSOA_CODE], g[S.LSOA_NAME], b)
    for m, g in sources.groupby(S.MONTH):
        srcs[m] = ", ".join(sorted(g[S.SOURCE].astype(str).unique()))
    out["lsoa_vintage"] = [vint.get(m, "") for m in months]
    out["sources"] = [srcs.get(m, "") for m in months]
    out["missing"] = out["records"] == 0
    return out.reset_index()


def collapse_missing(cov: pd.DataFrame) -> pd.DataFrame:
    """Replace each run of missing months by one row ``FROM..TO`` (``N months missing``)."""
    rows, run = [], []
    for rec in cov.to_dict("records"):
        if rec.get("missing"):
            run.append(rec["month"])
            continue
        if run:
            rows.append(_gap_row(cov, run))
            run = []
        rows.append(rec)
    if run:
        rows.append(_gap_row(cov, run))
    return pd.DataFrame(rows, columns=cov.columns)


def _gap_row(cov: pd.DataFrame, run: list[str]) -> dict:
    # counts of a gap are zeros (None would turn every count column into floats)
    row: dict[str, object] = {
        c: 0 if pd.api.types.is_integer_dtype(cov[c]) else None for c in cov.columns
    }
    row["month"] = run[0] if len(run) == 1 else f"{run[0]}..{run[-1]}"
    row["records"] = 0
    row["sources"] = f"no data ({len(run)} month{'s' if len(run) > 1 else ''} missing)"
    row["missing"] = True
    return row


def summary_table(records: pd.DataFrame, by: str, bcp_only: bool = True) -> pd.DataFrame:
    """Return counts by ``month``, ``category``, ``ward`` or ``town`` with ASB / crime split."""
    col = _summary_key(by)
    df = records[records[S.IN_BCP]] if bcp_only else records
    key = df[col].astype("string").fillna("(outside BCP)")
    is_asb = df[S.CATEGORY] == S.ASB
    counts = (
        pd.DataFrame({by: key, "asb": is_asb})
        .groupby(by, sort=True)
        .agg(records=("asb", "size"), asb=("asb", "sum"))
        .reset_index()
    )
    return summary_from_counts(counts, by)


def store_summary_table(
    store: Store,
    by: str,
    *,
    months: tuple[str, str] | None = None,
    categories: object = None,
    bcp_only: bool = True,
) -> pd.DataFrame:
    """:func:`summary_table` as one DuckDB aggregate over a store's month files."""
    col = _summary_key(by)
    counts = store.counts([col], months=months, categories=categories, bcp_only=bcp_only)
    counts = counts.rename(columns={col: by})
    counts[by] = counts[by].astype("string").fillna("(outside BCP)")
    if counts[by].duplicated().any():  # NA and a literal "(outside BCP)" fold together
        counts = counts.groupby(by, sort=True)[["records", "asb"]].sum().reset_index()
    return summary_from_counts(counts.sort_values(by, kind="stable"), by)


def _summary_key(by: str) -> str:
    if by not in SUMMARY_KEYS:
        from hotspots.errors import InputError

        raise InputError("by", by, "one of month, category, ward, town")
    return SUMMARY_KEYS[by]


def summary_from_counts(counts: pd.DataFrame, by: str) -> pd.DataFrame:
    """Return the summary table from ``counts``, with ``crime`` and ``share`` added.

    ``counts`` has columns ``by``, ``records``, ``asb``, one row per key, sorted by key; the result
    is ordered by size unless by month.
    """
    res = pd.DataFrame(
        {
            by: counts[by].astype("string").array,
            "records": counts["records"].astype("int64").to_numpy(),
            "asb": counts["asb"].astype("int64").to_numpy(),
        },
    )
    res["crime"] = res["records"] - res["asb"]
    res = res.set_index(by)
    if by != "month":
        res = res.sort_values("records", ascending=False)
    res["share"] = (res["records"] / max(int(res["records"].sum()), 1)).round(4)
    return res.reset_index()
