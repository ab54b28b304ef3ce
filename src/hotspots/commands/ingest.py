"""``hotspots ingest``: import police.uk files or force exports into a store."""

from __future__ import annotations

import json
import sys

from hotspots.data.store import add_store_arguments, store_from_args
from hotspots.present.escape import csv_frame

NAME = "ingest"
HELP = "import police.uk street CSVs (files, folders, .zip) or force exports into the store"


def add_arguments(p) -> None:
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
        "--mapping", metavar="FILE", help="column mapping (TOML or JSON) for a force export"
    )
    p.add_argument(
        "--strict", action="store_true", help="stop at the first file that cannot be read"
    )
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


def run(args) -> int:
    from hotspots.data.force_export import load_mapping

    fmt = args.fmt or ("force-export" if args.mapping else "police.uk")
    mapping = load_mapping(args.mapping) if args.mapping else None
    store = store_from_args(args, build=False)
    if args.wait is not None:
        store.lock_timeout = args.wait
    result = store.ingest(args.paths, fmt=fmt, mapping=mapping, strict=args.strict)
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
            + f"  ({'reconciles' if rep['reconciles'] else 'DOES NOT RECONCILE'})"
        )
        print(
            f"in BCP {rep['rows_in_bcp']:,}; outside BCP (kept, flagged) {rep['rows_outside_bcp']:,}"
        )
        for reason, n in rep["rejections"].items():
            print(f"  rejected: {reason}: {n:,}")
        if rep["store_rows_replaced"]:
            print(
                f"replaced in the store (re-published months): {rep['store_rows_replaced']:,} rows"
            )
        for f in rep["files_skipped"]:
            print(f"  skipped: {f['file']}: {f['why']}")
        for note in rep["notices"]:
            print(f"  note: {note}")
    for f in rep["files_failed"]:
        print(f"error: {f['file']}: {f['problem']}", file=sys.stderr)
    if rep["files_failed"] or not rep["reconciles"]:
        return 1
    return 0
