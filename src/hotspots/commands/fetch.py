"""``hotspots fetch``: months from the police.uk API (or a monthly archive zip) into a dataset."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from hotspots.commands._police_api import (
    add_police_api_arguments,
    police_api_from_args,
    refuse_simulated,
)
from hotspots.data.store import add_store_arguments, store_from_args

if TYPE_CHECKING:
    import argparse

NAME = "fetch"
HELP = (
    "download street-level crimes for BCP from the police.uk API by month (or a monthly "
    "archive zip) and import them into a dataset; resumes after an interruption"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``hotspots fetch`` to its parser."""
    p.add_argument("--from", dest="first", metavar="YYYY-MM", help="first month to fetch")
    p.add_argument("--to", dest="last", metavar="YYYY-MM", help="last month (default: --from)")
    p.add_argument(
        "--area",
        choices=["bcp"],
        default="bcp",
        help="area to fetch (default bcp, the only one)",
    )
    add_store_arguments(p, default_dataset="bundled")
    add_police_api_arguments(p)
    p.add_argument(
        "--archive",
        metavar="ZIP_OR_URL",
        default=None,
        help="import a police.uk monthly archive zip (a path or an http(s) URL) instead of the API",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="say what would be downloaded; download nothing",
    )
    p.add_argument("--refresh", action="store_true", help="download months already fetched again")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")


def run(args: argparse.Namespace) -> int:
    """Run ``hotspots fetch`` with the parsed ``args``; return the exit code."""
    from hotspots.data import audit
    from hotspots.data.fetch import download_archive, fetch_into, month_range
    from hotspots.errors import InputError

    refuse_simulated(args)
    store = store_from_args(args, build=args.dataset == "bundled" and not args.store)
    if args.archive:
        if args.dry_run:
            print(f"would import the archive {args.archive} into {store.path}")
            return 0
        zp = download_archive(args.archive, store.path / ".fetch")
        result = store.ingest([zp], keep="bcp")
        rd = result.report.to_dict()
        audit.record(
            "fetch", None, dataset=store.path.name, archive=args.archive,
            rows_read=rd["rows_read"], rows_accepted=rd["rows_accepted"],
        )  # fmt: skip
        print(json.dumps(rd, indent=1) if args.json else _line(rd))
        return 0 if rd["reconciles"] and not rd["files_failed"] else 1
    if not args.first:
        raise InputError("from", None, "a first month (--from YYYY-MM) or --archive")
    months = month_range(args.first, args.last or args.first)
    api = police_api_from_args(args)
    rep = fetch_into(store, months, api, dry_run=args.dry_run, refresh=args.refresh)
    d = rep.to_dict()
    if not args.dry_run:
        audit.record(
            "fetch", None, dataset=store.path.name, months=months, fetched=d["fetched"],
            unpublished=d["unpublished"], skipped=d["skipped"], requests=d["requests"],
        )  # fmt: skip
    if args.json:
        print(json.dumps(d, indent=1))
        return 0
    print(f"store: {store.path}")
    if args.dry_run:
        print(f"would download: {', '.join(d['planned']) or 'nothing'}")
    else:
        for m in rep.months:
            if m.status == "fetched":
                print(f"{m.month}: {m.crimes:,} crimes; " + (_line(m.report) if m.report else ""))
    if d["skipped"]:
        print(
            f"already in the dataset (use --refresh to download again): {', '.join(d['skipped'])}",
        )
    if d["unpublished"]:
        print(f"not published by police.uk yet: {', '.join(d['unpublished'])}")
    print(f"{d['requests']} requests to {api.root}", file=sys.stderr)
    bad = [m for m in rep.months if m.report and not m.report["reconciles"]]
    return 1 if bad else 0


def _line(rd: dict) -> str:
    return (
        f"rows read {rd['rows_read']:,} = accepted {rd['rows_accepted']:,} + rejected "
        f"{rd['rows_rejected']:,} + duplicate {rd['rows_duplicate']:,}"
        + (f" + not kept {rd['rows_not_kept']:,}" if rd["rows_not_kept"] else "")
        + (
            f"; replaced in the store {rd['store_rows_replaced']:,}"
            if rd["store_rows_replaced"]
            else ""
        )
    )
