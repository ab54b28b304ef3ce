"""The ``hotspots`` command: a thin layer over the library, like ``app_pages/``."""

from __future__ import annotations

import argparse
import importlib
import sys

from hotspots import __version__
from hotspots.commands import COMMANDS
from hotspots.errors import HotspotsError, NoDataError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hotspots",
        description="Crime and ASB hotspots for Bournemouth, Christchurch and Poole.",
    )
    parser.add_argument("--version", action="version", version=f"hotspots {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"hotspots.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"hotspots.commands.{name}":
                continue  # not built yet
            raise
        # argparse %-formats help strings (not descriptions): escape a literal %
        p = sub.add_parser(mod.NAME, help=mod.HELP.replace("%", "%%"), description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    rc = 1
    try:
        rc = int(args._run(args) or 0)
    except NoDataError as exc:
        print(f"hotspots {args.command}: error: {exc}", file=sys.stderr)
        rc = 1
    except HotspotsError as exc:
        print(f"hotspots {args.command}: error: {exc}", file=sys.stderr)
        rc = 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        from hotspots.commands._trail import record_cli_use

        try:  # restricted datasets only: the OS user and what was read or written
            record_cli_use(args, rc)
        except OSError as exc:
            print(f"hotspots: warning: the audit log could not be written: {exc}", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
