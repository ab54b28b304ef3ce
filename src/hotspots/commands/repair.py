"""``hotspots repair``: check a store and mend a manifest that names missing files."""

from __future__ import annotations

import json

from hotspots.data.store import add_store_arguments, open_dataset

NAME = "repair"
HELP = "check a store; drop months whose files are missing and remove files nothing names"


def add_arguments(p) -> None:
    add_store_arguments(p)
    p.add_argument("--check", action="store_true", help="only report; change nothing")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args) -> int:
    store = open_dataset(args.dataset, args.store, build=False, must_exist=True)
    missing = store.check()
    done: dict  # as Store.repair returns it
    if args.check:
        done = {"missing_files": missing, "months_dropped": [], "files_affected": []}
    else:
        done = store.repair()
    done["store"] = str(store.path)
    if args.json:
        print(json.dumps(done, indent=1))
    elif not done["missing_files"]:
        print(f"store {store.path}: whole ({len(store.months())} months); nothing to repair")
    else:
        verb = "would drop" if args.check else "dropped"
        print(
            f"store {store.path}: {len(done['missing_files'])} listed file(s) missing; {verb} "
            f"months {', '.join(done['months_dropped']) or 'none'}"
        )
        if done["files_affected"]:
            print("import these files again: " + ", ".join(done["files_affected"]))
    return 1 if (args.check and missing) else 0
