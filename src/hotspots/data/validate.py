"""Row validation shared by the readers: every rejected row gets file, row, field and reason.

Checks are vectorised: each takes the column as strings, the row numbers, and the
mask of rows still accepted (a row is rejected once, for the first problem found).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "Rejects",
    "check_month",
    "check_lonlat",
    "check_xy",
    "coordinate_problems",
    "in_gb_ni",
    "parse_numbers",
    "MONTH_PATTERN",
    "REJECT_COLUMNS",
]

REJECT_COLUMNS = ["file", "row", "field", "reason", "value"]

# Great Britain and Northern Ireland with a margin: police.uk points outside this are impossible.
LON_RANGE = (-9.0, 2.1)
LAT_RANGE = (49.5, 61.0)
# British National Grid extent (metres).
E_RANGE = (0.0, 700_000.0)
N_RANGE = (0.0, 1_300_000.0)


class Rejects:
    """Collects rejected rows (kept as arrays; ``frame()`` builds the one table)."""

    def __init__(self) -> None:
        # (file, rows, field, reason, values): a frame per add cost ~3 ms, per file
        self._parts: list[tuple[str, np.ndarray, str, str, np.ndarray]] = []

    def add(
        self, file: str, rows, mask, field: str, reason: str, values=None, masked_values=None
    ) -> None:
        """Reject rows where ``mask``; ``values`` is per row, or ``masked_values`` only for masked rows."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        rows = np.asarray(rows)
        if masked_values is not None:
            vals = np.asarray(masked_values, dtype=object).astype(str).astype(object)
        elif values is None:
            vals = np.full(mask.sum(), "", dtype=object)
        else:
            vals = np.asarray(pd.Series(values).astype(str).to_numpy())[mask]
            vals = np.array([v if len(v) <= 200 else v[:197] + "..." for v in vals], dtype=object)
        self._parts.append((file, rows[mask], field, reason, vals))

    def add_one(self, file: str, row: int, field: str, reason: str, value: str = "") -> None:
        self._parts.append((file, np.array([row]), field, reason, np.array([value], dtype=object)))

    def drop_file(self, file: str) -> int:
        """Forget every rejected row of ``file``; returns how many there were."""
        n = sum(len(p[1]) for p in self._parts if p[0] == file)
        self._parts = [p for p in self._parts if p[0] != file]
        return n

    def drop_last(self, n: int) -> None:
        """Forget the last ``n`` rejected rows (used when a whole file turns out to be a repeat)."""
        while n > 0 and self._parts:
            f, rows, field, reason, vals = self._parts[-1]
            if len(rows) <= n:
                n -= len(rows)
                self._parts.pop()
            else:
                k = len(rows) - n
                self._parts[-1] = (f, rows[:k], field, reason, vals[:k])
                n = 0

    def frame(self) -> pd.DataFrame:
        if not self._parts:
            return pd.DataFrame(
                {c: pd.Series(dtype="int64" if c == "row" else "string") for c in REJECT_COLUMNS}
            )
        sizes = [len(p[1]) for p in self._parts]

        def rep(i):
            return np.repeat(np.array([p[i] for p in self._parts], dtype=object), sizes)

        out = pd.DataFrame(
            {
                "file": rep(0),
                "row": np.concatenate([p[1] for p in self._parts]).astype("int64"),
                "field": rep(2),
                "reason": rep(3),
                "value": np.concatenate([p[4] for p in self._parts]),
            }
        )
        return out.sort_values(["file", "row"], kind="stable").reset_index(drop=True)

    def __len__(self) -> int:
        return sum(len(p[1]) for p in self._parts)


# ``YYYY-MM`` with month 01-12 and year 1990-2100 (police.uk's Month, a force export's month).
MONTH_PATTERN = r"(199\d|20\d\d|2100)-(0[1-9]|1[0-2])"


def check_month(values: pd.Series, rows, file: str, field: str, rejects: Rejects, ok) -> np.ndarray:
    """``YYYY-MM`` with month 01-12 and year 1990-2100 (:data:`MONTH_PATTERN`)."""
    v = values.astype(str).str.strip()
    m = v.str.fullmatch(MONTH_PATTERN).fillna(False).to_numpy(dtype=bool)
    empty = (v == "").to_numpy()
    rejects.add(file, rows, ~m & empty & ok, field, "missing month", v)
    rejects.add(file, rows, ~m & ~empty & ok, field, "unparseable month (expected YYYY-MM)", v)
    return m


def parse_numbers(values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Strings (a Series or an array) -> (float, empty, unparseable); surrounding blanks ignored."""
    s = pd.Series(values, dtype=object).astype(str).str.strip()
    empty = (s == "").to_numpy()
    num = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64")
    bad = ~empty & ~np.isfinite(num)
    return num, empty, bad


def in_gb_ni(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Inside :data:`LON_RANGE` x :data:`LAT_RANGE` (edges included; NaN is outside)."""
    with np.errstate(invalid="ignore"):
        return (
            (lon >= LON_RANGE[0])
            & (lon <= LON_RANGE[1])
            & (lat >= LAT_RANGE[0])
            & (lat <= LAT_RANGE[1])
        )


def coordinate_problems(
    empty: np.ndarray, bad: np.ndarray, inside: np.ndarray, region: str
) -> tuple[list[tuple[np.ndarray, str]], np.ndarray]:
    """A coordinate pair's verdict per row, first problem first.

    ``empty`` / ``bad``: either value of the pair missing / unparseable; ``inside``: the
    pair lies in ``region``. Returns ([(rows, reason)] for missing, unparseable and
    impossible coordinates, the rows with none of them): one wording for every reader.
    """
    missing = np.asarray(empty, dtype=bool)
    unparse = ~missing & bad
    impossible = ~missing & ~unparse & ~inside
    problems = [
        (missing, "missing coordinates"),
        (unparse, "unparseable coordinates"),
        (impossible, f"impossible coordinates (outside {region})"),
    ]
    return problems, ~missing & ~unparse & inside


GB_NI = "Great Britain and Northern Ireland"
BNG = "the British National Grid"


def check_lonlat(lon_s, lat_s, rows, file: str, rejects: Rejects, ok):
    """Longitude/latitude present, numeric and inside GB/NI. Returns (lon, lat, valid)."""
    lon, lon_empty, lon_bad = parse_numbers(lon_s)
    lat, lat_empty, lat_bad = parse_numbers(lat_s)
    problems, valid = coordinate_problems(
        lon_empty | lat_empty, lon_bad | lat_bad, in_gb_ni(lon, lat), GB_NI
    )
    vals = lon_s.astype(str) + "," + lat_s.astype(str)
    for mask, reason in problems:
        rejects.add(file, rows, mask & ok, "Longitude/Latitude", reason, vals)
    return lon, lat, valid


def check_xy(e_s, n_s, rows, file: str, fields: str, rejects: Rejects, ok):
    """Easting/northing present, numeric and inside the British National Grid. Returns (x, y, valid)."""
    x, x_empty, x_bad = parse_numbers(e_s)
    y, y_empty, y_bad = parse_numbers(n_s)
    with np.errstate(invalid="ignore"):
        inside = (x > E_RANGE[0]) & (x < E_RANGE[1]) & (y > N_RANGE[0]) & (y < N_RANGE[1])
    problems, valid = coordinate_problems(x_empty | y_empty, x_bad | y_bad, inside, BNG)
    vals = e_s.astype(str) + "," + n_s.astype(str)
    for mask, reason in problems:
        rejects.add(file, rows, mask & ok, fields, reason, vals)
    return x, y, valid
