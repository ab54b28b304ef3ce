"""``hotspots repair``: check a store and mend a manifest that names missing files.

Also lists (``--check``) and removes files no manifest names: month files and reports
staged by an import that was killed, temporary manifests. Each is listed with its size.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from hotspots.data.store import add_store_arguments, open_dataset

if TYPE_CHECKING:
    import argparse

NAME = "repair"
HELP = (
    "check a store; drop months whose files are missing and remove staged or orphaned "
    "files nothing names"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``hotspots repair`` to its parser."""
    add_store_arguments(p)
    p.add_argument("--check", action="store_true", help="only report; change nothing")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    """Run ``hotspots repair`` with the parsed ``args``; return the exit code."""
    store = open_dataset(args.dataset, args.store, build=False, must_exist=True)
    missing = store.check()
    done: dict  # as Store.repair returns it
    if args.check:
        done = {
            "missing_files": missing,
            "months_dropped": [],
            "files_affected": [],
            "staged_files": store.staged_files(),
            "writer_active": store.writer_active(),
        }
    else:
        done = store.repair()
    staged = done.get("staged_files", done.get("staged_files_removed", []))
    done["store"] = str(store.path)
    if args.json:
        print(json.dumps(done, indent=1))
    elif not done["missing_files"] and not staged:
        print(f"store {store.path}: whole ({len(store.months())} months); nothing to repair")
    else:
        if done["missing_files"]:
            verb = "would drop" if args.check else "dropped"
            print(
                f"store {store.path}: {len(done['missing_files'])} listed file(s) missing; "
                f"{verb} months {', '.join(done['months_dropped']) or 'none'}",
            )
        if done["files_affected"]:
            print("import these files again: " + ", ".join(done["files_affected"]))
        if staged:
            verb = "would remove" if args.check else "removed"
            total = sum(f["bytes"] for f in staged)
            print(
                f"store {store.path}: {len(staged)} staged or orphaned file(s) no manifest "
                f"names ({total:,} bytes); {verb}:",
            )
            for f in staged:
                print(f"  {f['file']}  {f['bytes']:,} bytes")
            if args.check and done.get("writer_active"):
                print(
                    f"  (an import is running now: {done['writer_active']}; its files are "
                    "among these and are not leftovers until it ends)",
                )
    return 1 if (args.check and (missing or staged)) else 0
