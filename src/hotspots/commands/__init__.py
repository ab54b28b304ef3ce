"""CLI subcommands, one module each.

Every module exposes::

    NAME: str                      # the subcommand word
    HELP: str                      # one line for `hotspots --help`
    def add_arguments(parser): ... # argparse arguments
    def run(args) -> int: ...      # exit code; raise HotspotsError for user errors

``hotspots.cli`` imports only the module of the command being run; ``hotspots --help`` reads
each ``HELP`` from the module source (so ``HELP`` must be a literal string).
"""

COMMANDS = (
    "ingest",
    "coverage",
    "summary",
    "simulate",
    "detect",
    "compare",
    "evaluate",
    "tables",
    "change",
    "repair",
    "history",
    "restore",
    "audit",
    "pack",
    "fetch",
    "update",
)
