"""The CLI's audit trail (not a subcommand).

Who (the OS user) read, imported or exported a restricted dataset.

The dashboard records what signed-in people do; on the command line there is no sign-in,
so the operating-system user is recorded with the command, the dataset and the files it
wrote. Public datasets (bundled, simulated, and any marked public) are not recorded.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

__all__ = ["record_cli_use"]

# argparse destinations that name files a command writes
_OUTPUTS = ("out", "rejects")
_WRITES = {"ingest": "import", "restore": "restore"}


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        return f"uid {os.getuid()}"


def record_cli_use(args: argparse.Namespace, exit_code: int) -> dict | None:
    """Record ``args``' command in the audit log if it touched a restricted dataset.

    Returns the event written, or None (no dataset named, or a public one).
    """
    dataset = getattr(args, "dataset", None)
    store = getattr(args, "store", None)
    if dataset is None and store is None:
        return None
    from hotspots.data import access, audit
    from hotspots.data.store_layout import dataset_path

    try:
        path = Path(store).expanduser() if store else dataset_path(str(dataset))
    except Exception:  # an invalid name was refused by the command itself
        return None
    name = path.name if store else str(dataset)
    if access.dataset_access(name, path).level != access.RESTRICTED:
        return None
    outputs = [str(getattr(args, k)) for k in _OUTPUTS if getattr(args, k, None)]
    action = _WRITES.get(args.command) or ("export" if outputs else "read")
    user = _os_user()
    return audit.record(
        action,
        access.Principal(f"os:{user}", role="cli"),
        via="cli",
        os_user=user,
        command=args.command,
        dataset=name,
        store=str(path),
        outputs=outputs,
        exit_code=exit_code,
    )
