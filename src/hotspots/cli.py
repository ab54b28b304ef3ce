"""The ``hotspots`` command: a thin layer over the library, like ``app_pages/``.

Start-up is kept to argparse: only the subcommand being run is imported (its module
brings pandas, the store and so on). ``hotspots --help`` and a mistyped command import
no subcommand at all; their one-line help texts are read from each module's source
(the ``HELP = "..."`` constant, the way setuptools reads a version without importing).
``benchmarks/cli_start.py`` measures the start against a bare ``python -c pass``.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import sys
from pathlib import Path

from hotspots.commands import COMMANDS
from hotspots.errors import HotspotsError, InputError, NoDataError
from hotspots.version import __version__

# library argument names that the command line spells otherwise (for its error messages)
CLI_OPTIONS = {"categories": "--types"}


def _message(exc: HotspotsError) -> str:
    if isinstance(exc, InputError) and exc.argument in CLI_OPTIONS:
        exc = InputError(CLI_OPTIONS[exc.argument], exc.received, exc.expected, exc.hint)
    return str(exc)


def command_help(name: str) -> str:
    """Return the ``HELP`` string of ``hotspots.commands.<name>``, from source, unimported."""
    spec = importlib.util.find_spec(f"hotspots.commands.{name}")
    if spec is None or spec.origin is None:
        msg = f"no command module {name!r}"
        raise ModuleNotFoundError(msg, name=f"hotspots.commands.{name}")
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "HELP" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    msg = f"hotspots/commands/{name}.py has no literal HELP = '...' string"
    raise TypeError(msg)


def _command_word(argv: list[str]) -> str | None:
    """Return the subcommand named in ``argv`` (the first word that is not an option), if any."""
    for arg in argv:
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return arg
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Return the parser; only ``command`` (of :data:`COMMANDS`) gets its module and arguments."""
    parser = argparse.ArgumentParser(
        prog="hotspots",
        description="Crime and ASB hotspots for Bournemouth, Christchurch and Poole.",
    )
    parser.add_argument("--version", action="version", version=f"hotspots {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            text = command_help(name)
        except ModuleNotFoundError:
            continue  # listed, not built yet
        # argparse %-formats help strings (not descriptions): escape a literal %
        p = sub.add_parser(name, help=text.replace("%", "%%"), description=text)
        if name == command:
            mod = importlib.import_module(f"hotspots.commands.{name}")
            mod.add_arguments(p)
            p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``hotspots`` command line on ``argv`` (default ``sys.argv``); return its exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_word(argv))
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
        print(f"hotspots {args.command}: error: {_message(exc)}", file=sys.stderr)
        rc = 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        from hotspots.commands.cli_audit import record_cli_use

        try:  # restricted datasets only: the OS user and what was read or written
            record_cli_use(args, rc)
        except OSError as exc:
            print(f"hotspots: warning: the audit log could not be written: {exc}", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
