"""``hotspots simulate``: write simulated police.uk CSVs for BCP with a known truth."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

NAME = "simulate"
HELP = (
    "write SIMULATED police.uk-format monthly CSVs for BCP with a known Seasonal Response "
    "effect (truth.json)"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``hotspots simulate`` to its parser."""
    from hotspots.data import simulate as sim

    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="output folder (new or empty, or one written by an earlier simulate)",
    )
    p.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default 0)")
    p.add_argument(
        "--start",
        default=sim.DEFAULT_START,
        metavar="YYYY-MM",
        help=f"first month (default {sim.DEFAULT_START})",
    )
    p.add_argument(
        "--end",
        default=sim.DEFAULT_END,
        metavar="YYYY-MM",
        help=f"last month (default {sim.DEFAULT_END})",
    )
    p.add_argument(
        "--spillover",
        type=float,
        default=sim.DEFAULT_SPILLOVER,
        metavar="FRACTION",
        help="signed change in the ring during the Seasonal Response: -0.10 = 10%% "
        "diffusion of benefits, +0.10 = 10%% displacement (default -0.10)",
    )
    p.add_argument(
        "--ring-m",
        dest="ring_m",
        type=float,
        default=sim.DEFAULT_RING_M,
        metavar="METRES",
        help="ring width around the target in metres (default 400)",
    )
    p.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="volume multiplier (1 = real BCP volumes, ~3,500 records a month)",
    )
    p.add_argument(
        "--dispersion",
        type=float,
        nargs="?",
        const=sim.CALIBRATED_DISPERSION,
        default=1.0,
        metavar="PHI",
        help="overdispersed counts: gamma month and location-month random effects; "
        f"--dispersion alone uses {sim.CALIBRATED_DISPERSION:g}, calibrated to the real months "
        "(a ward's monthly counts about 2.5 times as variable as Poisson, all of BCP about 10 "
        "times); 1 = Poisson counts (default)",
    )
    p.add_argument(
        "--force-export",
        dest="force_export",
        action="store_true",
        help="write the force-export variant (one CSV with dates, times and ASB types, "
        "plus mapping.toml) instead of police.uk monthly files",
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary")


def run(args: argparse.Namespace) -> int:
    """Run ``hotspots simulate`` with the parsed ``args``; return the exit code."""
    from hotspots.data.simulate import SIMULATED_WARNING, simulate, write_simulation

    sim = simulate(
        seed=args.seed,
        start=args.start,
        end=args.end,
        spillover=args.spillover,
        ring_m=args.ring_m,
        scale=args.scale,
        dispersion=args.dispersion,
    )
    files = write_simulation(sim, args.out, force_export=args.force_export)
    csvs = [f for f in files if f.suffix == ".csv"]
    if args.json:
        print(
            json.dumps(
                {
                    "warning": SIMULATED_WARNING,
                    "out": str(args.out),
                    "records": len(sim.records),
                    "csv_files": len(csvs),
                    "truth": str(files[-1]),
                    "notes": list(sim.notes),
                },
                indent=1,
                ensure_ascii=False,
            ),
        )
        return 0
    t = sim.truth
    print(SIMULATED_WARNING)
    layout = (
        "one force-export CSV + mapping.toml"
        if args.force_export
        else (f"{len(csvs)} monthly police.uk CSVs")
    )
    print(f"wrote {len(sim.records):,} records ({sim.start}..{sim.end}) as {layout} to {args.out}")
    print(
        f"truth: {files[-1]}  (crime {t['effects']['crime']['percent']:+.2f}%, "
        f"ASB {t['effects']['asb']['percent']:+.2f}% in {t['intervention']['months'][0]}.."
        f"{t['intervention']['months'][1]}; ring {t['spillover']['ring_m']:g} m "
        f"{t['spillover']['percent']:+g}% {t['spillover']['kind']})",
    )
    for note in sim.notes:
        print(f"  note: {note}")
    return 0
