"""A simulation's records and how they are written: police.uk or force-export files.

:class:`Simulation` holds the records and the truth; :func:`write_simulation`
writes monthly police.uk street files (or a force-export CSV with its mapping),
``truth.json`` and a ``README.txt``. Every file written says the data is
simulated: ``Reported by`` / ``Falls within`` read :data:`SIMULATED_LABEL` and the
README and truth carry :data:`SIMULATED_WARNING`.

References
----------
data.police.uk, "About the data" (CSV format, anonymised map points).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hotspots.data import schema as S
from hotspots.data.sim_calibration import str_take
from hotspots.data.sim_params import (
    AFTER,
    BEFORE,
    FORCE_EXPORT_COLUMNS,
    GENERATOR,
    GENERATOR_VERSION,
    INTERVENTION_NAME,
    LOCAL_ASB_TYPES,
    LOCAL_CATEGORIES,
    POLICE_UK_HEADER,
    SIMULATED_LABEL,
    SIMULATED_WARNING,
)
from hotspots.errors import InputError


# =================================================================================
# The simulation
# =================================================================================
@dataclass(frozen=True, eq=False)
class Simulation:
    """A simulated data set and its truth.

    Attributes
    ----------
    records : canonical records (:data:`hotspots.data.schema.RECORD_COLUMNS`), one per
        simulated crime or ASB incident, ``source == "simulated"``, ``simulated`` True,
        x/y in EPSG:27700 metres, with the day, hour and ASB type that only the
        force-export variant writes (police.uk files carry the month only).
        ``source_file`` / ``source_row`` are those of the police.uk CSVs written.
    truth : the JSON-ready truth (see :func:`write_simulation`, ``truth.json``).
    expected : expected counts (Poisson means) per ``zone`` (target, ring, control),
        ``kind`` (crime, asb) and ``month``, with and without the intervention
        (columns ``expected``, ``counterfactual``).
    seed, start, end, spillover, ring_m, scale : the parameters used.
    notes : automatic choices and facts worth showing ("calibrated on ...").
    """

    records: pd.DataFrame
    truth: dict
    expected: pd.DataFrame
    seed: int
    start: str
    end: str
    spillover: float
    ring_m: float
    scale: float
    notes: tuple[str, ...]
    _loc: np.ndarray = field(repr=False)  # snap-point index per record
    _minute: np.ndarray = field(repr=False)
    _local: np.ndarray = field(repr=False)  # index into LOCAL_CATEGORIES per record
    _locations: pd.DataFrame = field(repr=False)

    def __len__(self) -> int:
        """Return the number of simulated records."""
        return len(self.records)

    def police_uk_frame(self, rows: slice | None = None) -> pd.DataFrame:
        """Return the records as police.uk street rows (all text), header :data:`POLICE_UK_HEADER`.

        ``rows``: only these records (a slice, e.g. one month's), so a writer can go month
        by month with memory that follows the month, not the span.
        """
        rows = rows if rows is not None else slice(None)
        r = self.records.iloc[rows]
        loc = self._locations
        n = len(r)
        loc_idx = self._loc[rows]

        def const(text: str):
            return str_take([text], np.zeros(n, dtype=np.int64))

        return pd.DataFrame(
            {
                "Crime ID": r[S.CRIME_ID].fillna("").array,
                "Month": r[S.MONTH].array,
                "Reported by": const(SIMULATED_LABEL),
                "Falls within": const(SIMULATED_LABEL),
                "Longitude": str_take(loc["lon_text"], loc_idx),
                "Latitude": str_take(loc["lat_text"], loc_idx),
                "Location": r[S.LOCATION].array,
                "LSOA code": r[S.LSOA_CODE].array,
                "LSOA name": r[S.LSOA_NAME].array,
                "Crime type": r[S.CATEGORY].array,
                "Last outcome category": r[S.OUTCOME].fillna("").array,
                "Context": const(""),
            },
            columns=POLICE_UK_HEADER,
        )

    def force_export_frame(self) -> pd.DataFrame:
        """Return the records as a simulated force export, columns :data:`FORCE_EXPORT_COLUMNS`.

        Dates ``dd/mm/yyyy``, times ``HH:MM``, British National Grid metres as
        integers, local offence groups (:data:`LOCAL_CATEGORIES`) and ASB types
        (:data:`LOCAL_ASB_TYPES`); read it with :func:`mapping_toml`.
        """
        r = self.records
        n = len(r)
        date = r[S.DATE]
        year = date.dt.year.to_numpy()
        seq = np.zeros(n, dtype=np.int64)
        if n:
            # running number within each year (records are in date order within a month only)
            starts = np.r_[0, np.flatnonzero(np.diff(year)) + 1]
            seq = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n])) + 1
        ref = "SIM" + pd.Series(year % 100).astype(str).str.zfill(2).to_numpy(object)
        ref = ref + "/" + pd.Series(seq).astype(str).str.zfill(6).to_numpy(object)
        hhmm = (
            r[S.HOUR].astype("int64").astype(str).str.zfill(2).to_numpy(object)
            + ":"
            + pd.Series(self._minute).astype(str).str.zfill(2).to_numpy(object)
        )
        local_names = np.array([lc[0] for lc in LOCAL_CATEGORIES], dtype=object)
        asb_local = {v: k for k, v in LOCAL_ASB_TYPES}
        asb = r[S.ASB_SUBTYPE].astype(object).map(asb_local).fillna("").to_numpy()
        text = self._locations[S.LOCATION].str.replace(r"^On or near\s+", "", regex=True)
        return pd.DataFrame(
            {
                "OccurrenceRef": ref,
                "CommittedDate": date.dt.strftime("%d/%m/%Y").to_numpy(object),
                "CommittedTime": hhmm,
                "Easting": np.round(r[S.X].to_numpy()).astype(np.int64),
                "Northing": np.round(r[S.Y].to_numpy()).astype(np.int64),
                "LocationText": text.to_numpy(object)[self._loc],
                "OffenceGroup": local_names[self._local],
                "ASBType": asb,
            },
            columns=FORCE_EXPORT_COLUMNS,
        )

    def write(self, out_dir: str | Path, *, force_export: bool = False) -> list[Path]:
        """Shorthand for :func:`write_simulation`."""
        return write_simulation(self, out_dir, force_export=force_export)


# =================================================================================
# Writing
# =================================================================================
def mapping_toml(name: str = "Simulated NICHE extract") -> str:
    """Return the force-export column mapping for :meth:`Simulation.force_export_frame`, as TOML."""

    def q(s: str) -> str:
        return json.dumps(s, ensure_ascii=False)

    lines = [
        f"# {SIMULATED_WARNING}",
        "# Column mapping for the simulated force export (hotspots.data.force_export reads it).",
        "",
        "[export]",
        f"name = {q(name)}",
        'delimiter = ","',
        'encoding = "utf-8"',
        "simulated = true  # every record is marked simulated; the app labels it",
        "",
        "[columns]",
        'reference = "OccurrenceRef"',
        'date = "CommittedDate"',
        'date_format = "%d/%m/%Y"',
        'time = "CommittedTime"',
        'easting = "Easting"',
        'northing = "Northing"',
        'location = "LocationText"',
        'category = "OffenceGroup"',
        'asb_subtype = "ASBType"',
        "",
        "[categories]  # local offence group -> police.uk category",
    ]
    lines += [f"{q(local)} = {q(cat)}" for local, cat, _ in LOCAL_CATEGORIES]
    lines += ["", "[asb_subtypes]  # local ASB type -> personal / nuisance / environmental"]
    lines += [f"{q(local)} = {q(sub)}" for local, sub in LOCAL_ASB_TYPES]
    return "\n".join(lines) + "\n"


def _readme(sim: Simulation, layout: str) -> str:
    t = sim.truth
    e = t["effects"]
    sp = t["spillover"]
    if layout == "force-export":
        files = (
            "Files: one force-export CSV with columns\n  "
            + ", ".join(FORCE_EXPORT_COLUMNS)
            + "\n(dates dd/mm/yyyy, times HH:MM, British National Grid metres) and mapping.toml,\n"
            "the column mapping that reads it (hotspots.data.force_export). The mapping says\n"
            "`simulated = true`, so every record read with it is marked simulated, and every\n"
            'reference starts with "SIM".'
        )
    else:
        files = (
            "Files: YYYY-MM/YYYY-MM-dorset-street.csv, one police.uk street file per month.\n"
            f'"Reported by" and "Falls within" read "{SIMULATED_LABEL}", so the\n'
            "hotspots readers mark every record as simulated."
        )
    return f"""{SIMULATED_WARNING}
{"=" * len(SIMULATED_WARNING)}

Every record in this folder was made up by `hotspots simulate` ({GENERATOR}
version {GENERATOR_VERSION}; seed {sim.seed}, scale {sim.scale:g}, months {sim.start} to {sim.end}).
The locations and their "On or near" texts are real police.uk map points in
Bournemouth, Christchurch and Poole, but no record describes a real incident.

{files}

The known truth is in truth.json: a "{INTERVENTION_NAME}" in the town-centre open
spaces from {AFTER[0]} to {AFTER[1]} changed crime by {e["crime"]["percent"]:+.2f}% and ASB by {e["asb"]["percent"]:+.2f}%
against what would otherwise have happened; in a ring of {sp["ring_m"]:g} m around it
counts changed by {sp["percent"]:+g}% ({sp["kind"]}). Compare before = {BEFORE[0]}..{BEFORE[1]}
with after = {AFTER[0]}..{AFTER[1]}. The data-generating process is documented in the
module {GENERATOR}.
"""


def _csv_text(frame: pd.DataFrame) -> tuple[bytes, bytes, np.ndarray]:
    r"""Write a frame as CSV, quoted as pandas ``to_csv`` quotes (only where needed), "\\n" lines.

    Returns the header line, the body and the byte offset where each row starts
    (plus the end), so callers can cut one file per month from one body. Built with
    pyarrow compute, ~10x faster than ``DataFrame.to_csv`` at 100k+ rows.
    """
    text = pa.large_string()
    empty, quote = pa.scalar("", text), pa.scalar('"', text)

    def quoted(col: pa.Array) -> pa.Array:
        col = pc.fill_null(col.cast(text), empty)
        needs = pc.match_substring_regex(col, '[,"\r\n]')
        if not pc.any(needs).as_py():
            return col
        sub = pc.replace_substring(pc.filter(col, needs), '"', '""')
        return pc.replace_with_mask(
            col,
            needs,
            pc.binary_join_element_wise(quote, sub, quote, empty),
        )

    header = ",".join(quoted(pa.array([str(c) for c in frame.columns])).to_pylist()) + "\n"
    if len(frame) == 0:
        return header.encode("utf-8"), b"", np.zeros(1, dtype=np.int64)
    cols = [quoted(pa.array(frame[c], from_pandas=True)) for c in frame.columns]
    lines = pc.binary_join_element_wise(*cols, pa.scalar(",", text))
    lines = pc.binary_join_element_wise(lines, empty, pa.scalar("\n", text))
    lines = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
    _, off_buf, data_buf = lines.buffers()
    offsets = np.frombuffer(off_buf, dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    body = data_buf.to_pybytes()[offsets[0] : offsets[-1]]
    return header.encode("utf-8"), body, offsets - offsets[0]


def _clear_previous(out: Path) -> None:
    """Remove the files a previous simulation wrote here; refuse folders holding anything else."""
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError("out", str(out), "a folder", "Choose a new or empty folder.")
    entries = list(out.iterdir())
    if not entries:
        return
    truth_path = out / "truth.json"
    previous = None
    if truth_path.is_file():
        try:
            previous = json.loads(truth_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = None
    if not isinstance(previous, dict) or previous.get("generator") != GENERATOR:
        raise InputError(
            "out",
            str(out),
            "a new or empty folder, or one written by an earlier `hotspots simulate`",
            "The folder holds other files; choose another folder so nothing is overwritten.",
        )
    root = out.resolve()
    for rel in [*previous.get("files", []), "truth.json"]:
        p = (out / rel).resolve()
        if root in p.parents and p.is_file():
            p.unlink()
    for d in sorted((p for p in out.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(d.iterdir()):
            d.rmdir()


def write_simulation(
    sim: Simulation,
    out_dir: str | Path,
    force_export: bool = False,
    *,
    force_export_name: str = "force_export.csv",
) -> list[Path]:
    """Write a simulation to ``out_dir`` with ``truth.json`` and ``README.txt``.

    Layout (police.uk, the default)::

        out_dir/truth.json, out_dir/README.txt
        out_dir/YYYY-MM/YYYY-MM-dorset-street.csv (+ README.txt)   one per month

    With ``force_export``, instead::

        out_dir/truth.json, out_dir/README.txt, out_dir/mapping.toml,
        out_dir/<force_export_name>

    A folder written by an earlier simulation is cleared first (only the files
    its ``truth.json`` lists); any other non-empty folder is refused.

    Returns
    -------
    list of Path: every file written, ``truth.json`` last.
    """
    out = Path(out_dir)
    _clear_previous(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if force_export:
        csv = out / force_export_name
        header, body, _ = _csv_text(sim.force_export_frame())
        csv.write_bytes(header + body)
        (out / "mapping.toml").write_text(mapping_toml(), encoding="utf-8")
        written += [csv, out / "mapping.toml"]
    else:
        # month by month: the CSV text of one month at a time (records are in month order)
        month = sim.records[S.MONTH].to_numpy(object)
        bounds = np.r_[0, np.flatnonzero(month[1:] != month[:-1]) + 1, len(month)]
        short = f"{SIMULATED_WARNING}. See ../README.txt and ../truth.json.\n"
        for i0, i1 in itertools.pairwise(bounds):
            if i1 <= i0:
                continue
            m = month[i0]
            d = out / m
            d.mkdir(exist_ok=True)
            csv = d / f"{m}-dorset-street.csv"
            header, body, _ = _csv_text(sim.police_uk_frame(slice(int(i0), int(i1))))
            csv.write_bytes(header + body)
            del body
            (d / "README.txt").write_text(short, encoding="utf-8")
            written += [csv, d / "README.txt"]
    (out / "README.txt").write_text(
        _readme(sim, "force-export" if force_export else "police.uk"),
        encoding="utf-8",
    )
    written.append(out / "README.txt")
    truth = dict(sim.truth)
    truth["layout"] = "force-export" if force_export else "police.uk"
    truth["files"] = [p.relative_to(out).as_posix() for p in written]
    (out / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False), "utf-8")
    written.append(out / "truth.json")
    return written
