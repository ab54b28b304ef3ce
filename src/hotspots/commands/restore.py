"""``hotspots restore``: bring one month of a dataset back to a kept version."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from hotspots.data.store import add_store_arguments, store_from_args

if TYPE_CHECKING:
    import argparse

NAME = "restore"
HELP = "bring a month back to a kept version exactly (see `hotspots history`)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``hotspots restore`` to its parser."""
    add_store_arguments(p)
    p.add_argument("--month", required=True, metavar="YYYY-MM", help="the month to restore")
    p.add_argument(
        "--version",
        required=True,
        type=int,
        metavar="V",
        help="the version (hotspots history)",
    )
    p.add_argument("--json", action="store_true", help="print the new version as JSON")


def run(args: argparse.Namespace) -> int:
    """Run ``hotspots restore`` with the parsed ``args``; return the exit code."""
    store = store_from_args(args, build=False)
    if not store.exists():
        from hotspots.errors import NoDataError

        msg = f"no store at {store.path}"
        raise NoDataError(msg)
    done = store.restore(args.month, args.version)
    if args.json:
        print(json.dumps({"store": str(store.path), "month": args.month, **done}, indent=1))
    else:
        print(
            f"store {store.path}: {args.month} restored from version {args.version} "
            f"({done['rows']:,} rows), now version {done['version']}",
        )
    return 0
