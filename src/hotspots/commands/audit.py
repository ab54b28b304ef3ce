"""``hotspots audit verify``: check the audit log's hash chain; report the first broken line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

NAME = "audit"
HELP = "check the audit trail: `hotspots audit verify` reports the first line that breaks its chain"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``hotspots audit`` to its parser."""
    p.add_argument("action", choices=["verify"], help="verify: check every line's hash chain")
    p.add_argument(
        "--log",
        metavar="FILE",
        help="the audit log (default: HOTSPOTS_AUDIT_LOG, else <store root>/audit.jsonl)",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    """Run ``hotspots audit`` with the parsed ``args``; return the exit code."""
    from hotspots.data import audit

    path = args.log or audit.audit_path()
    # the heads the stores beside the log recorded at their imports must still be in it
    from hotspots.data.store_layout import store_root

    beside = args.log is None or Path(args.log).expanduser().parent == store_root()
    res = audit.verify(path, audit.store_anchors(log=path) if beside else None)
    res["log"] = str(path)
    if args.json:
        print(json.dumps(res, indent=1))
    elif res["ok"]:
        print(
            f"audit log {path}: {res['lines']:,} lines, chain whole"
            + (f" (from line seq {res['starts_at_seq']})" if res["lines"] else ""),
        )
    else:
        b = res["first_break"]
        where = f"{b['file']} line {b['line']}" if b["line"] is not None else f"line seq {b['seq']}"
        print(f"audit log {path}: BROKEN at {where}: {b['problem']}")
        for u in res["unparsable"]:
            print(f"  unparsable: {u['file']} line {u['line']}")
    return 0 if res["ok"] else 1
