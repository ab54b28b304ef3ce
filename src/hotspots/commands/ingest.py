"""``hotspots ingest``: import police.uk files or force exports into a store."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from hotspots.data.store import add_store_arguments, store_from_args
from hotspots.present.escape import csv_frame

if TYPE_CHECKING:
    import argparse


NAME = "ingest"
HELP = "import police.uk street CSVs (files, folders, .zip) or force exports into the store"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the ``ingest`` options to the subcommand's parser."""
    p.add_argument("paths", nargs="+", metavar="PATH", help="CSV files, folders or .zip archives")
    add_store_arguments(p, default_dataset="imported")
    p.add_argument(
        "--format",
        dest="fmt",
        choices=["police.uk", "force-export"],
        default=None,
        help="input format (default: police.uk, or force-export when --mapping is given)",
    )
    p.add_argument(
        "--mapping",
        metavar="FILE",
        help="column mapping (TOML or JSON) for a force export",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="stop at the first file that cannot be read",
    )
    p.add_argument(
        "--keep",
        choices=["bcp", "force", "all"],
        default="bcp",
        help="what to store: bcp = rows within 2 km of BCP's bounding box (default; buffers "
        "and hotspots at the boundary stay right), force = every row of the files (forces) "
        "holding a BCP row, all = everything; rows not kept are counted in the report",
    )
    p.add_argument(
        "--replace-smaller",
        action="store_true",
        help="let this import replace a month with a version holding fewer rows (more than "
        "HOTSPOTS_SHRINK_TOLERANCE_PCT, default 2%%, fewer); refused otherwise. The version "
        "replaced stays restorable (hotspots history / hotspots restore)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument(
        "--rejects",
        metavar="CSV",
        help="write rejected rows (file, row, field, reason, value) here",
    )
    p.add_argument(
        "--wait",
        type=float,
        metavar="SECONDS",
        default=None,
        help="how long to wait for another import into the same store (default 600)",
    )


def run(args: argparse.Namespace) -> int:
    """Import the files named in ``args`` into the store; return the exit code."""
    from hotspots.data.force_export import load_mapping

    fmt = args.fmt or ("force-export" if args.mapping else "police.uk")
    mapping = load_mapping(args.mapping) if args.mapping else None
    store = store_from_args(args, build=False)
    if args.wait is not None:
        store.lock_timeout = args.wait
    bar = None if args.no_progress or not sys.stderr.isatty() else _ProgressBar()
    result = store.ingest(
        args.paths,
        fmt=fmt,
        mapping=mapping,
        strict=args.strict,
        keep=args.keep,
        replace_smaller=args.replace_smaller,
        progress=bar.files if bar else None,
        on_rows=bar.rows if bar else None,
    )
    if bar:
        bar.close()
    rep = result.report.to_dict()
    rep["store"] = str(store.path)
    if args.rejects:
        csv_frame(result.rejected).to_csv(args.rejects, index=False)
    if args.json:
        print(json.dumps(rep, indent=1))
    else:
        print(f"store: {store.path}")
        print(
            f"rows read {rep['rows_read']:,} = accepted {rep['rows_accepted']:,} + rejected "
            f"{rep['rows_rejected']:,} + duplicate {rep['rows_duplicate']:,}"
            + (f" + replaced {rep['rows_replaced']:,}" if rep["rows_replaced"] else "")
            + (f" + not kept {rep['rows_not_kept']:,}" if rep["rows_not_kept"] else "")
            + f"  ({'reconciles' if rep['reconciles'] else 'DOES NOT RECONCILE'})",
        )
        print(
            f"in BCP {rep['rows_in_bcp']:,}; "
            f"outside BCP (kept, flagged) {rep['rows_outside_bcp']:,}"
            + (
                f"; not kept (--keep {args.keep}) {rep['rows_not_kept']:,}"
                if rep["rows_not_kept"]
                else ""
            ),
        )
        kinds = {k: n for k, n in rep["skipped_by_kind"].items() if n}
        if kinds:
            print("files not read: " + ", ".join(f"{k} {n:,}" for k, n in kinds.items()))
        for reason, n in rep["rejections"].items():
            print(f"  rejected: {reason}: {n:,}")
        if rep["store_rows_replaced"]:
            print(
                f"replaced in the store (re-published months): {rep['store_rows_replaced']:,} rows",
            )
        for f in rep["files_skipped"][:20]:
            print(f"  skipped: {f['file']}: {f['why']}")
        if len(rep["files_skipped"]) > 20:
            print(f"  skipped: … and {len(rep['files_skipped']) - 20:,} more")
        for note in rep["notices"]:
            print(f"  note: {note}")
    for f in rep["files_failed"]:
        print(f"error: {f['file']}: {f['problem']}", file=sys.stderr)
    if rep["files_failed"] or not rep["reconciles"]:
        return 1
    return 0


class _ProgressBar:
    """A one-line progress bar on stderr: files done, rows read, rows per second."""

    def __init__(self, width: int = 30) -> None:
        self.width = width
        self.done = self.total = self.n_rows = 0
        self.rate = 0.0

    def files(self, done: int, total: int, name: str) -> None:
        self.done, self.total = done, total
        self._draw()

    def rows(self, n_rows: int, seconds: float) -> None:
        self.n_rows = n_rows
        self.rate = n_rows / seconds if seconds > 0 else 0.0
        self._draw()

    def _draw(self) -> None:
        frac = self.done / self.total if self.total else 0.0
        full = int(frac * self.width)
        sys.stderr.write(
            f"\r[{'#' * full}{'.' * (self.width - full)}] {self.done:,}/{self.total:,} files, "
            f"{self.n_rows:,} rows, {self.rate:,.0f} rows/s ",
        )
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()
