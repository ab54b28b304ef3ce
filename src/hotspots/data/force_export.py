"""Reader for force exports (e.g. a NICHE extract): CSV plus a column mapping.

The mapping is a small TOML (or JSON) file; an example ships in
``geodata/force_export_example/mapping.toml``::

    [export]
    name = "NICHE extract"          # optional, shown in reports
    delimiter = ","                 # optional, default ","
    encoding = "utf-8"              # optional, e.g. "cp1252" for Windows exports
    simulated = false               # true marks every record as simulated (the app labels it)

    [columns]
    reference = "OccurrenceRef"     # optional: the force's own reference (de-duplication)
    # time: one of  date (+ optional time)  |  datetime  |  month
    date = "CommittedDate"
    date_format = "%d/%m/%Y"        # strftime format; omit to let pandas infer (day first)
    time = "CommittedTime"          # optional, HH:MM
    # place: easting + northing (EPSG:27700 metres)  |  lat + lon (WGS84)
    easting = "Easting"
    northing = "Northing"
    category = "OffenceGroup"
    asb_subtype = "ASBType"         # optional
    location = "LocationText"       # optional
    outcome = "Outcome"             # optional
    lsoa_code = "LSOA"              # optional

    [categories]                    # local category -> one of the 14 police.uk categories
    "Theft - Shoplifting" = "Shoplifting"

    [asb_subtypes]                  # local subtype -> personal | nuisance | environmental
    "Personal" = "personal"

Local categories are matched exactly, then case-insensitively; a police.uk
category name is accepted as itself. Anything else is rejected as an unknown
category, naming the value.
"""

from __future__ import annotations

import codecs
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hotspots.data import schema as S
from hotspots.data.checks import Rejects, check_lonlat, check_month, check_xy
from hotspots.data.csvtext import TableRead
from hotspots.data.readers import content_identity, read_rows
from hotspots.errors import FileReadError, HotspotsError

__all__ = ["ExportMapping", "ExportReader", "load_mapping", "parse_export_table"]

_COLUMN_KEYS = (
    "reference",
    "date",
    "datetime",
    "month",
    "time",
    "easting",
    "northing",
    "lat",
    "lon",
    "category",
    "asb_subtype",
    "location",
    "outcome",
    "lsoa_code",
)


@dataclass(frozen=True)
class ExportMapping:
    """A validated column mapping (see module docstring)."""

    columns: dict[str, str]
    categories: dict[str, str]
    asb_subtypes: dict[str, str] = field(default_factory=dict)
    date_format: str | None = None
    datetime_format: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8"
    name: str = "force export"
    simulated: bool = False
    source_path: str = ""

    def required_columns(self) -> list[str]:
        """Return the export columns the mapping needs, in mapping order."""
        return [
            v
            for k, v in self.columns.items()
            if k in ("date", "datetime", "month", "easting", "northing", "lat", "lon", "category")
        ]


def _mapping_error(path: object, msg: str) -> FileReadError:
    return FileReadError(str(path), f"column mapping: {msg}")


def load_mapping(path: str | Path | dict) -> ExportMapping:
    """Load and check a TOML or JSON mapping file (or an already-parsed dict)."""
    if isinstance(path, dict):
        raw, where = path, "<mapping>"
    else:
        p = Path(path)
        where = str(p)
        if not p.exists():
            raise FileReadError(where, "column mapping file not found")
        text = p.read_text(encoding="utf-8")
        try:
            raw = json.loads(text) if p.suffix.lower() == ".json" else tomllib.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            raise _mapping_error(
                where,
                f"not valid {'JSON' if p.suffix.lower() == '.json' else 'TOML'} ({exc})",
            ) from None
    unknown_sections = set(raw) - {"export", "columns", "categories", "asb_subtypes"}
    if unknown_sections:
        raise _mapping_error(
            where,
            f"unknown section(s) {sorted(unknown_sections)}; "
            "allowed: [export], [columns], [categories], [asb_subtypes]",
        )
    cols = dict(raw.get("columns", {}))
    export = dict(raw.get("export", {}))
    unknown = set(export) - {"name", "delimiter", "encoding", "simulated"}
    if unknown:
        raise _mapping_error(
            where,
            f"unknown [export] keys {sorted(unknown)}; "
            "allowed: name, delimiter, encoding, simulated",
        )
    encoding = str(export.get("encoding", "utf-8"))
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise _mapping_error(
            where,
            f"unknown encoding {encoding!r}; use e.g. utf-8 or cp1252",
        ) from None
    delimiter = str(export.get("delimiter", ","))
    if len(delimiter) != 1:
        raise _mapping_error(where, f"delimiter must be one character; received {delimiter!r}")
    date_format = cols.pop("date_format", None)
    datetime_format = cols.pop("datetime_format", None)
    unknown = set(cols) - set(_COLUMN_KEYS)
    if unknown:
        raise _mapping_error(
            where,
            f"unknown [columns] keys {sorted(unknown)}; allowed: {', '.join(_COLUMN_KEYS)}",
        )
    if "category" not in cols:
        raise _mapping_error(where, "[columns] needs `category`")
    if not any(k in cols for k in ("date", "datetime", "month")):
        raise _mapping_error(where, "[columns] needs one of `date`, `datetime` or `month`")
    if not ({"easting", "northing"} <= set(cols) or {"lat", "lon"} <= set(cols)):
        raise _mapping_error(where, "[columns] needs `easting` and `northing`, or `lat` and `lon`")
    cats = {str(k): str(v) for k, v in raw.get("categories", {}).items()}
    bad = {k: v for k, v in cats.items() if v not in S.CATEGORIES}
    if bad:
        raise _mapping_error(
            where,
            f"[categories] maps to names that are not police.uk categories: {bad}; "
            f"use one of: {'; '.join(S.CATEGORIES)}",
        )
    subs = {str(k): str(v).lower() for k, v in raw.get("asb_subtypes", {}).items()}
    bad = {k: v for k, v in subs.items() if v not in S.ASB_SUBTYPES}
    if bad:
        raise _mapping_error(
            where,
            f"[asb_subtypes] values must be personal, nuisance or environmental: {bad}",
        )
    return ExportMapping(
        columns={k: str(v) for k, v in cols.items()},
        categories=cats,
        asb_subtypes=subs,
        date_format=date_format,
        datetime_format=datetime_format,
        delimiter=delimiter,
        encoding=encoding,
        name=str(export.get("name", "force export")),
        simulated=bool(export.get("simulated", False)),
        source_path=where,
    )


def _map_values(values: pd.Series, table: dict[str, str], canonical: tuple[str, ...]) -> pd.Series:
    v = values.astype(str).str.strip()
    # as strings: an empty table maps to all-NaN floats, which cannot be filled with strings
    exact = v.map(table).astype("string")
    lower_table = {k.lower(): x for k, x in table.items()}
    lower_table.update({c.lower(): c for c in canonical})
    return exact.fillna(v.str.lower().map(lower_table).astype("string"))


def parse_export_table(
    tr: TableRead | pd.DataFrame,
    file_name: str,
    file_key: str,
    m: ExportMapping,
    rejects: Rejects,
) -> pd.DataFrame:
    """Validate a force-export table against its mapping; return accepted rows (partial canonical).

    ``tr`` is a :class:`TableRead` or its ``.table`` (strings plus a ``_row`` column).
    """
    df = tr.table if isinstance(tr, TableRead) else tr
    c = m.columns
    rows = df["_row"].to_numpy()
    ok = np.ones(len(df), dtype=bool)

    date = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    hour = pd.Series(pd.NA, index=df.index, dtype="Int8")
    if "datetime" in c or "date" in c:
        col = c["datetime"] if "datetime" in c else c["date"]
        fmt = m.datetime_format if "datetime" in c else m.date_format
        s = df[col].astype(str).str.strip()
        if fmt:
            parsed = pd.to_datetime(s, format=fmt, errors="coerce")
        else:
            # ISO 8601 (2024-01-05) first; only what is not ISO is read day-first (05/01/2024),
            # as British exports write it. A plain day-first parse would read 2024-01-05 as May.
            parsed = pd.to_datetime(s, errors="coerce", format="ISO8601")
            rest = parsed.isna() & (s != "")
            if rest.any():
                parsed[rest] = pd.to_datetime(
                    s[rest],
                    dayfirst=True,
                    errors="coerce",
                    format="mixed",
                )
        empty = (s == "").to_numpy()
        bad = parsed.isna().to_numpy()
        rejects.add(file_name, rows, bad & empty & ok, col, "missing date", s)
        rejects.add(
            file_name,
            rows,
            bad & ~empty & ok,
            col,
            f"unparseable date (expected {fmt or 'a day-first date'})",
            s,
        )
        ok &= ~bad
        date = parsed.dt.normalize().astype("datetime64[ns]")
        month = parsed.dt.strftime("%Y-%m")
        if "datetime" in c:
            hour = parsed.dt.hour.astype("Int8")
        if "time" in c:
            t = df[c["time"]].astype(str).str.strip()
            tp = pd.to_datetime(t, format="%H:%M", errors="coerce")
            tp = tp.fillna(pd.to_datetime(t, format="%H:%M:%S", errors="coerce"))
            tbad = tp.isna().to_numpy() & (t != "").to_numpy()
            rejects.add(
                file_name,
                rows,
                tbad & ok,
                c["time"],
                "unparseable time (expected HH:MM)",
                t,
            )
            ok &= ~tbad
            hour = tp.dt.hour.astype("Int8")
    else:
        ok &= check_month(df[c["month"]], rows, file_name, c["month"], rejects, ok)
        month = df[c["month"]].astype(str).str.strip()

    cat = _map_values(df[c["category"]], m.categories, S.CATEGORIES)
    bad = cat.isna().to_numpy()
    raw = df[c["category"]].astype(str)
    empty = (raw.str.strip() == "").to_numpy()
    rejects.add(file_name, rows, bad & empty & ok, c["category"], "missing category", raw)
    rejects.add(
        file_name,
        rows,
        bad & ~empty & ok,
        c["category"],
        "unknown category (not in the mapping's [categories])",
        raw,
    )
    ok &= ~bad

    if "easting" in c:
        x, y, cok = check_xy(
            df[c["easting"]],
            df[c["northing"]],
            rows,
            file_name,
            f"{c['easting']}/{c['northing']}",
            rejects,
            ok,
        )
        coords = {S.X: x, S.Y: y}
    else:
        lon, lat, cok = check_lonlat(df[c["lon"]], df[c["lat"]], rows, file_name, rejects, ok)
        coords = {S.LON: lon, S.LAT: lat}
    ok &= cok

    subtype = pd.Series(pd.NA, index=df.index, dtype="string")
    if "asb_subtype" in c:
        st_raw = df[c["asb_subtype"]].astype(str).str.strip()
        st = _map_values(st_raw, m.asb_subtypes, S.ASB_SUBTYPES)
        is_asb = (cat == S.ASB).fillna(False).to_numpy(dtype=bool)
        unknown = st.isna().to_numpy() & (st_raw != "").to_numpy() & is_asb
        rejects.add(
            file_name,
            rows,
            unknown & ok,
            c["asb_subtype"],
            "unknown ASB subtype (not in the mapping's [asb_subtypes])",
            st_raw,
        )
        ok &= ~unknown
        subtype = st.where(is_asb, None).astype("string")

    def opt(key: str):
        if key not in c:
            return None
        s = df.loc[ok, c[key]].astype(str).str.strip()
        return s.where(s != "", None).to_numpy()

    out = {
        # always present (all missing without a reference column): de-duplication reads it
        S.CRIME_ID: opt("reference")
        if "reference" in c
        else np.full(int(ok.sum()), None, dtype=object),
        S.SOURCE: S.SOURCE_SIMULATED if m.simulated else S.SOURCE_FORCE_EXPORT,
        S.SIMULATED: bool(m.simulated),
        S.SOURCE_FILE: file_key,
        S.SOURCE_ROW: rows[ok],
        S.MONTH: month[ok].to_numpy(),
        S.DATE: date[ok].to_numpy(),
        S.HOUR: hour[ok].to_numpy(),
        S.CATEGORY: cat[ok].to_numpy(),
        S.ASB_SUBTYPE: subtype[ok].to_numpy(),
        S.LOCATION: opt("location"),
        S.LSOA_CODE: opt("lsoa_code"),
        S.OUTCOME: opt("outcome"),
    }
    for k, v in coords.items():
        out[k] = np.asarray(v)[ok]
    return pd.DataFrame({k: v for k, v in out.items() if v is not None})


@dataclass(frozen=True)
class ExportReader:
    """The force-export reader for one column mapping (a :class:`hotspots.data.readers.Reader`)."""

    mapping: ExportMapping
    name: str = "force-export"

    @classmethod
    def of(cls, mapping: ExportMapping | str | Path | dict | None) -> ExportReader:
        """Make a reader for ``mapping`` (an :class:`ExportMapping`, a mapping file or its dict)."""
        if mapping is None:
            msg = "a force export needs a column mapping (--mapping FILE)"
            raise HotspotsError(msg)
        return cls(mapping if isinstance(mapping, ExportMapping) else load_mapping(mapping))

    def read(
        self,
        data: bytes,
        file_name: str,
        fallback_identity: str,
        rejects: Rejects,
    ) -> tuple[pd.DataFrame, int]:
        """Read one force-export file: the accepted rows (canonical schema) and the rows read."""
        m = self.mapping
        tr, n = read_rows(
            data,
            file_name,
            m.required_columns(),
            rejects,
            delimiter=m.delimiter,
            encoding=m.encoding,
        )
        return parse_export_table(tr.table, file_name, fallback_identity, m, rejects), n

    def identity(self, file_name: str, accepted: pd.DataFrame, digest: str) -> str:
        """Return the mapping's declared source plus the content hash."""
        return content_identity(self.mapping.name, digest)
