"""The police.uk API options shared by ``hotspots fetch`` and ``hotspots update``: one definition.

Both commands download months from the police.uk API, so both take ``--api-url`` and
``--retries`` with the same meaning, default and help, and both refuse to put real months into
the SIMULATED dataset. Each command calls :func:`add_police_api_arguments` and
:func:`police_api_from_args` instead of declaring them again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from hotspots.data.fetch import PoliceApi

#: Retries of a failing request when ``--retries`` is not given.
DEFAULT_RETRIES = 6


def add_police_api_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``--api-url`` and ``--retries`` to a command's parser."""
    p.add_argument(
        "--api-url",
        default=None,
        metavar="URL",
        help="police.uk API root (default: HOTSPOTS_POLICE_API or https://data.police.uk/api)",
    )
    p.add_argument(
        "--retries",
        type=int,
        default=DEFAULT_RETRIES,
        metavar="N",
        help=f"retries of a failing request (default {DEFAULT_RETRIES}; negative means 0)",
    )


def refuse_simulated(args: argparse.Namespace) -> None:
    """Raise an InputError if real police.uk months would go into the SIMULATED dataset."""
    from hotspots.errors import InputError

    if args.dataset == "simulated" and not args.store:
        raise InputError(
            "dataset",
            "simulated",
            "bundled (the real dataset) or a dataset of your own",
            "Real police.uk months never go into the SIMULATED dataset.",
        )


def police_api_from_args(args: argparse.Namespace) -> PoliceApi:
    """Return the police.uk client the options ask for (the root checked, retries at least 0)."""
    from hotspots.data.fetch import PoliceApi, api_root

    return PoliceApi(api_root(args.api_url), retries=max(args.retries, 0))
