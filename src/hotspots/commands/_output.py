"""Small helpers shared by CLI commands: writing tables as table / CSV / JSON / Markdown."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from hotspots.errors import NoDataError
from hotspots.present.escape import csv_frame

if TYPE_CHECKING:
    import argparse

    from hotspots.data.store import Store


def emit_text(text: str, out: str | None) -> None:
    """Write ``text`` to ``out`` (a file) or stdout."""
    if out:
        Path(out).write_text(text, encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def emit_sidecar(text: str, out: str | None) -> None:
    """Write a CSV's sidecar JSON beside ``out`` (``FILE.json``), or to stderr without ``out``."""
    if out:
        path = Path(out).with_suffix(".json")
        path.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {path} (parameters)", file=sys.stderr)
    else:
        print(text, file=sys.stderr)


def format_table(df: pd.DataFrame, fmt: str) -> str:
    if fmt == "csv":
        return csv_frame(df).to_csv(index=False)
    if fmt == "json":
        return json.dumps(json.loads(df.to_json(orient="records")), indent=1)
    if fmt == "markdown":
        cols = [str(c) for c in df.columns]
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for row in df.itertuples(index=False):
            lines.append("| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |")
        return "\n".join(lines) + "\n"
    with pd.option_context(
        "display.max_rows",
        500,
        "display.max_columns",
        50,
        "display.width",
        200,
    ):
        return df.to_string(index=False) + "\n"


def require_records(recs: pd.DataFrame, store: Store, what: str = "") -> pd.DataFrame:
    """``recs`` if it holds a row, else :class:`NoDataError` naming what the dataset holds.

    The CLI then exits 1: an empty table with exit 0 would read as "no crime".
    """
    if len(recs):
        return recs
    held = store.months()
    span = f"it holds {held[0]}..{held[-1]}" if held else "it holds no records"
    msg = f"no records{' for ' + what if what else ''} in {store.path.name} ({span})"
    raise NoDataError(msg)


def add_disclosure_argument(p: argparse.ArgumentParser) -> None:
    """Add the ``--exact-counts`` flag: counts under 5 are withheld without it."""
    p.add_argument(
        "--exact-counts",
        action="store_true",
        help="show counts from 1 to 4 exactly (default: withheld as <5 for disclosure "
        "control); recorded in the audit log",
    )


def suppress_below_from_args(
    args: argparse.Namespace,
    what: str,
    details: dict | None = None,
) -> int | None:
    """Return the disclosure threshold for a CLI run.

    As :func:`hotspots.present.disclosure.suppress_below_for` decides it.

    The CLI runs as the local user: counts from 1 to 4 are withheld unless
    ``--exact-counts`` is given; that choice is written to the audit log with the OS
    user, the command and the dataset, before anything is written.
    """
    from hotspots.present.disclosure import suppress_below_for

    exact = bool(getattr(args, "exact_counts", False))
    k = suppress_below_for("local", exact_counts=exact)
    if exact:
        import getpass

        from hotspots.data import audit

        try:
            os_user = getpass.getuser()
        except Exception:
            os_user = "unknown"
        d = details or {}
        audit.record(
            "export",
            None,
            what=what,
            exact_counts=True,
            via="cli",
            os_user=os_user,
            dataset=d.get("dataset") or getattr(args, "dataset", None),
            store_version=d.get("store_version"),
            out=getattr(args, "out", None),
        )
    return k
