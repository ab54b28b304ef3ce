"""``hotspots pack``: the monthly PCG pack as PDF and self-contained HTML."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hotspots.commands._extras import require_app_extras
from hotspots.commands._output import add_disclosure_argument, suppress_below_from_args
from hotspots.data.store import add_store_arguments, store_from_args
from hotspots.errors import InputError

if TYPE_CHECKING:
    import argparse

NAME = "pack"
HELP = (
    "the monthly Partnership Coordinating Group pack (pack.pdf and pack.html): numbered "
    "hotspots, change against a comparison period, focus areas"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``hotspots pack`` to its parser."""
    add_store_arguments(p)
    p.add_argument(
        "--month",
        default=None,
        metavar="YYYY-MM",
        help="last month of the period (default: the dashboard's default window, the latest "
        "complete months of data)",
    )
    p.add_argument(
        "--months",
        type=int,
        default=None,
        metavar="N",
        help="months in the period, 1-12 "
        "(default 1 with --month, else the default window's length)",
    )
    p.add_argument(
        "--compare",
        choices=["previous", "year", "none"],
        default="previous",
        help="comparison period: the previous N months, the same months a year earlier, or none",
    )
    p.add_argument("--method", choices=["dbscan", "kde", "gistar", "grid"], default="dbscan")
    p.add_argument("--area", default=None, help="area spec (default all of BCP)")
    p.add_argument("--types", default=None, help="categories: all, crime, asb or names")
    p.add_argument(
        "--top",
        type=int,
        default=25,
        metavar="K",
        help="hotspots numbered and listed (default 25)",
    )
    p.add_argument(
        "--focus-areas",
        metavar="TOML",
        default=None,
        help="focus-area list (default geodata/focus_areas.toml)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder for pack.pdf and pack.html")
    add_disclosure_argument(p)


def run(args: argparse.Namespace) -> int:
    """Run ``hotspots pack`` with the parsed ``args``; return the exit code."""
    require_app_extras("fpdf")
    from hotspots.present.pack import build_pack, load_focus_areas
    from hotspots.present.pack_html import pack_html
    from hotspots.present.pack_pdf import pack_pdf

    store = store_from_args(args)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError("out", args.out, "a folder (it is a file)")
    records = store.records()
    month, months = args.month, args.months
    if month is None:
        from hotspots.comparison.windows import default_window

        dw = default_window(store.months() or records)
        month, months = dw.end, months if months is not None else dw.n_months
    pack = build_pack(
        records, month, months if months is not None else 1, args.compare, method=args.method,
        categories=args.types, area=args.area, dataset=args.dataset, version=store.version,
        top=args.top,
        focus_areas=load_focus_areas(args.focus_areas) if args.focus_areas else None,
        suppress_below=suppress_below_from_args(
            args, "hotspots pack", {"dataset": args.dataset, "store_version": store.version},
        ),
    )  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    (out / "pack.pdf").write_bytes(pack_pdf(pack))
    (out / "pack.html").write_text(pack_html(pack), encoding="utf-8")
    print(
        f"wrote {out / 'pack.pdf'} ({pack.n_pages} pages) and {out / 'pack.html'}",
        file=sys.stderr,
    )
    bg = pack.view.background if pack.view is not None else None
    if bg is not None:  # a tile server is set (HOTSPOTS_TILES): what it gave, or why not
        print(
            bg.note or f"background map: {bg.fetched} tiles fetched, {bg.cached} from the cache "
            f"(zoom {bg.zoom}); {bg.attribution}",
            file=sys.stderr,
        )  # fmt: skip
    return 0
