"""``hotspots history``: the kept versions of a dataset's months."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from hotspots.data.store import add_store_arguments, store_from_args

if TYPE_CHECKING:
    import argparse

NAME = "history"
HELP = "list the kept versions of each month of a dataset (restore one with `hotspots restore`)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``hotspots history`` to its parser."""
    add_store_arguments(p)
    p.add_argument("--month", metavar="YYYY-MM", help="only this month")
    p.add_argument(
        "--prune",
        type=int,
        metavar="N",
        help="first keep only the last N versions of each month (older files are removed; "
        "imports keep HOTSPOTS_KEEP_VERSIONS, default 5)",
    )
    p.add_argument("--json", action="store_true", help="print the versions as JSON")


def run(args: argparse.Namespace) -> int:
    """Run ``hotspots history`` with the parsed ``args``; return the exit code."""
    store = store_from_args(args, build=False)
    if not store.exists():
        from hotspots.errors import NoDataError

        msg = f"no store at {store.path}"
        raise NoDataError(msg)
    if args.prune is not None:
        dropped = store.prune_versions(args.prune)
        if not args.json:
            print(f"pruned {dropped} version(s): each month keeps its last {args.prune}")
    rows = store.history(args.month)
    if args.json:
        print(json.dumps({"store": str(store.path), "versions": rows}, indent=1))
        return 0
    print(
        f"store {store.path}: {len(rows)} version(s) of {len({r['month'] for r in rows})} month(s)",
    )
    print(f"{'month':8} {'version':>7} {'rows':>9}  {'stored at':25} how / files")
    for r in rows:
        rows_txt = "?" if r["rows"] is None else f"{r['rows']:,}"
        mark = "  (current)" if r["current"] else ""
        print(
            f"{r['month']:8} {r['version']:>7} {rows_txt:>9}  {r['at']:25} "
            f"{r['how']}{mark}" + (f"; {r['files']}" if r["files"] else ""),
        )
    return 0
